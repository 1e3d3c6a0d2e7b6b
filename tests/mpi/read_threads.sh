#!/usr/bin/env bash
# The rank's reading shared among its OpenMP threads (shard/spr_docs_read.c) gives what one reader
# gives: the same index file, the same skip counts, and the same first error in line order. The
# shares are forced small (SPR_TEST_READ_SHARE_BYTES) so that a small corpus makes many batches of
# 12 shares (3 threads), the next one parsed while the last one is appended; the corpora have a
# byte order mark, blank lines and CRLF endings.
set -euo pipefail
work=$(mktemp -d /tmp/spire-read-threads-XXXXXX)
trap 'rm -rf "$work"' EXIT
mpi() { local np=$1; shift; "$MPIEXEC" -np "$np" $MPIFLAGS "$@"; }
export SPR_QUIET=1
"$SPIRE" synth --profile known-item --docs 2000 --queries 10 --seed 3 --output "$work/t" >/dev/null
"$SPIRE" synth --profile splade --docs 1500 --queries 10 --seed 3 --output "$work/v" >/dev/null
# quirks: a BOM, a blank line every 97 lines, CRLF every 13th line, no newline at the end
quirk() { printf '\xef\xbb\xbf'; awk '{ if (NR % 13 == 0) printf "%s\r\n", $0; else print; if (NR % 97 == 0) print "" }' "$1" | head -c -1; }
quirk "$work/t/corpus.jsonl" > "$work/text.jsonl"
quirk "$work/v/docs.jsonl" > "$work/vec.jsonl"
n_text=$(wc -l < "$work/text.jsonl")

fail() { echo "FAIL: $*"; exit 1; }
for c in text vec; do
  OMP_NUM_THREADS=1 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-ref.h5" >/dev/null
  OMP_NUM_THREADS=1 mpi 2 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-ref2.h5" >/dev/null
  for batch in 1 700 5000; do
    OMP_NUM_THREADS=3 SPR_TEST_READ_SHARE_BYTES=$batch "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-t.h5" >/dev/null
    cmp "$work/$c-ref.h5" "$work/$c-t.h5" || fail "$c: 3 threads, shares of $batch bytes: not the same file as 1 thread"
    OMP_NUM_THREADS=3 SPR_TEST_READ_SHARE_BYTES=$batch mpi 2 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-t2.h5" >/dev/null
    cmp "$work/$c-ref2.h5" "$work/$c-t2.h5" || fail "$c: np 2, 3 threads, shares of $batch bytes: not the same file"
  done
  # bounded memory: the postings spill to disk while the threads read (1 MiB budget)
  OMP_NUM_THREADS=1 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-b1.h5" --memory-budget 1 --spill-dir "$work" >/dev/null
  OMP_NUM_THREADS=3 SPR_TEST_READ_SHARE_BYTES=900 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-b3.h5" --memory-budget 1 --spill-dir "$work" >/dev/null
  cmp "$work/$c-b1.h5" "$work/$c-b3.h5" || fail "$c: bounded memory, 3 threads: not the same file as 1 thread"
  echo "ok $c: 3 threads = 1 thread (np 1 and 2, shares of 1, 700 and 5000 bytes; bounded memory)"
done

# integer weights in [1, 255] are kept as impacts unless one weight anywhere is not: the threads'
# verdicts are combined (one fractional weight on the last line decides, with 1 or 3 threads)
sed -E 's/: ([0-9]+)\.[0-9]+/: \1/g' "$work/vec.jsonl" > "$work/int.jsonl"
sed -E '$ s/: ([0-9]+)([,}])/: \1.5\2/' "$work/int.jsonl" > "$work/int1.jsonl"
for c in int int1; do
  OMP_NUM_THREADS=1 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-1.h5" >/dev/null
  OMP_NUM_THREADS=3 SPR_TEST_READ_SHARE_BYTES=3000 "$SPIRE" index --input "$work/$c.jsonl" --output "$work/$c-3.h5" >/dev/null
  cmp "$work/$c-1.h5" "$work/$c-3.h5" || fail "$c: 3 threads differ from 1"
done
cmp -s "$work/int-1.h5" "$work/int1-1.h5" && fail "one fractional weight changed nothing"
echo "ok integer weights: kept as impacts or quantized, the same with 1 and 3 threads"

# a vector's repeated key sums (the reader skips sorting only vectors whose keys are all different)
printf '{"id": "d1", "vector": {"a": 3, "b": 2, "a": 4}}\n{"id": "d2", "vector": {"a": 7, "b": 2}}\n{"id": "d3", "vector": {"b": 9, "c": 1, "b": 1}}\n' > "$work/dk.jsonl"
printf '{"id": "q1", "vector": {"a": 1}}\n{"id": "q2", "vector": {"b": 1}}\n' > "$work/dkq.jsonl"
for th in 1 3; do
  OMP_NUM_THREADS=$th "$SPIRE" index --input "$work/dk.jsonl" --output "$work/dk.h5" > /dev/null
  "$SPIRE" search --index "$work/dk.h5" --queries "$work/dkq.jsonl" --k 10 --output "$work/dk.trec" > /dev/null
  got=$(awk '{ printf "%s:%s:%s ", $1, $3, $5 }' "$work/dk.trec")
  [ "$got" = "q1:d1:7 q1:d2:7 q2:d3:10 q2:d1:2 q2:d2:2 " ] || fail "repeated keys, $th threads: $got"
done
echo "ok repeated vector keys sum"

# bad records in several threads' shares: the error names the first one, as one reader does
bad() { # bad OUT LINE...: text.jsonl with the given lines replaced by malformed records
  local out=$1; shift
  awk -v L="$*" 'BEGIN { n = split(L, a, " "); for (i = 1; i <= n; i++) b[a[i]] = 1 }
    NR in b { print "{\"id\": \"broken" NR "\", \"text\": "; next } { print }' "$work/text.jsonl" > "$out"
}
bad "$work/bad.jsonl" 1500 900 $((n_text - 5))
for th in 1 3; do
  for batch in 300 4000 0; do
    rm -f "$work/x.h5"
    if OMP_NUM_THREADS=$th SPR_TEST_READ_SHARE_BYTES=$batch "$SPIRE" index --input "$work/bad.jsonl" --output "$work/x.h5" 2> "$work/err.log"; then
      fail "a corpus with malformed records was accepted"
    fi
    grep -q 'bad.jsonl:900: ' "$work/err.log" || fail "$th threads, batch $batch: the message does not name line 900: $(cat "$work/err.log")"
    [ ! -e "$work/x.h5" ] && [ ! -e "$work/x.h5.tmp" ] || fail "output left after the error"
  done
done
echo "ok errors: line 900, the first of three bad lines, named with 1 and 3 threads"

# --on-error skip: the same counts and the same index whatever the thread count
OMP_NUM_THREADS=1 "$SPIRE" index --input "$work/bad.jsonl" --output "$work/s1.h5" --on-error skip >/dev/null 2> "$work/s1.log"
OMP_NUM_THREADS=3 SPR_TEST_READ_SHARE_BYTES=500 "$SPIRE" index --input "$work/bad.jsonl" --output "$work/s3.h5" --on-error skip >/dev/null 2> "$work/s3.log"
grep -q 'skipped 3 record(s): malformed 3' "$work/s1.log" || fail "1 thread: want 3 malformed records skipped: $(cat "$work/s1.log")"
diff <(grep skipped "$work/s1.log") <(grep skipped "$work/s3.log") || fail "skip counts differ with 3 threads"
cmp "$work/s1.h5" "$work/s3.h5" || fail "--on-error skip: the index differs with 3 threads"
echo "ok skip: 3 malformed records skipped, same index with 1 and 3 threads"
