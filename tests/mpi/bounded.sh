#!/bin/bash
# Bounded memory (docs/memory.md). Oracle: the in-memory build. With a 1 MiB budget per rank (dozens
# of spilled runs), the index must hold the same datasets and attributes (h5diff) at np 1, 2, 3 and
# 4, for SPLADE-like vectors, BM25 text with skipped records and duplicate ids, document pruning and
# a corpus of fewer documents than ranks times the block size. Also: the same run from a search, the
# file verifies, the spill folder is left empty, peak memory is measurably lower than the
# in-memory build's (a ratio in one run), refused combinations and a full spill disk fail cleanly,
# and without a budget the build chooses bounded memory by itself when the node's memory is short.
set -u
[ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
tmp=$(mktemp -d)
small=$tmp/small
cleanup() { mountpoint -q "$small" 2> /dev/null && umount "$small"; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
mem() { # np out args...: the in-memory build
  local np=$1 out=$2; shift 2
  # shellcheck disable=SC2086
  $MPIEXEC -n "$np" $MPIFLAGS "$SPIRE" index --quiet --output "$out" "$@" 2> "$tmp/err" || { cat "$tmp/err"; fail "index $*"; }
}
bounded() { # np out args...: with a 1 MiB budget; at least two rounds must have happened
  local np=$1 out=$2; shift 2
  mkdir -p "$tmp/spill"
  # shellcheck disable=SC2086
  $MPIEXEC -n "$np" $MPIFLAGS "$SPIRE" index --output "$out" --memory-budget 1 --spill-dir "$tmp/spill" "$@" \
    2> "$tmp/err" || { cat "$tmp/err"; fail "bounded index np $np $*"; }
  local rounds
  rounds=$(sed -n 's/.*bounded memory: \([0-9]*\) rounds.*/\1/p' "$tmp/err")
  [ -n "$rounds" ] && [ "$rounds" -ge 2 ] || { cat "$tmp/err"; fail "np $np $*: no spilled rounds reported"; }
  [ -z "$(ls -A "$tmp/spill")" ] || fail "np $np: files left in the spill folder: $(ls -A "$tmp/spill")"
}
same() { h5diff "$1" "$2" > "$tmp/diff" 2>&1 || { head -20 "$tmp/diff"; fail "$3: bounded and in-memory indexes differ"; }; }

"$SPIRE" synth --profile splade --docs 3000 --queries 30 --seed 11 --output "$tmp/sp" 2> /dev/null || fail synth
"$SPIRE" synth --docs 3000 --queries 30 --seed 12 --output "$tmp/ki" 2> /dev/null || fail synth
# text with records to skip: a duplicate id, a malformed line, invalid UTF-8
{ head -n 1500 "$tmp/ki/corpus.jsonl"; head -n 3 "$tmp/ki/corpus.jsonl"; echo '{"id": "broken", "text": '
  printf '{"id": "bad-utf8", "text": "caf\xe9"}\n'; tail -n +1501 "$tmp/ki/corpus.jsonl"; } > "$tmp/dirty.jsonl"

mem 1 "$tmp/sp.h5" --input "$tmp/sp/docs.jsonl"
for np in 1 2 3 4; do
  bounded $np "$tmp/sp$np.h5" --input "$tmp/sp/docs.jsonl"
  same "$tmp/sp.h5" "$tmp/sp$np.h5" "splade np $np"
done
mem 1 "$tmp/ki.h5" --input "$tmp/dirty.jsonl" --on-error skip --block-size 8
for np in 1 3; do
  bounded $np "$tmp/ki$np.h5" --input "$tmp/dirty.jsonl" --on-error skip --block-size 8
  same "$tmp/ki.h5" "$tmp/ki$np.h5" "bm25 with skipped records np $np"
done
mem 1 "$tmp/pr.h5" --input "$tmp/sp/docs.jsonl" --prune-top-terms 40 --prune-min-weight 5
bounded 2 "$tmp/pr2.h5" --input "$tmp/sp/docs.jsonl" --prune-top-terms 40 --prune-min-weight 5
same "$tmp/pr.h5" "$tmp/pr2.h5" "document pruning np 2"
# 21 documents on 4 ranks, blocks of 8: blocks straddle several ranks
head -n 21 "$tmp/sp/docs.jsonl" > "$tmp/tiny.jsonl"
mem 1 "$tmp/tiny.h5" --input "$tmp/tiny.jsonl" --block-size 8
for np in 3 4; do
  $MPIEXEC -n $np $MPIFLAGS "$SPIRE" index --quiet --input "$tmp/tiny.jsonl" --output "$tmp/tiny$np.h5" --block-size 8 \
    --memory-budget 1 2> "$tmp/err" || { cat "$tmp/err"; fail "tiny np $np"; }
  same "$tmp/tiny.h5" "$tmp/tiny$np.h5" "21 documents np $np"
done
# no budget given: where the node's memory (SPR_TEST_MEM_AVAILABLE_MB stands for it) could not hold
# the in-memory build, the build chooses bounded memory by itself and says so; where it can, it does not
for np in 1 2; do
  # shellcheck disable=SC2086
  SPR_TEST_MEM_AVAILABLE_MB=1 $MPIEXEC -n $np $MPIFLAGS "$SPIRE" index --input "$tmp/sp/docs.jsonl" --output "$tmp/auto$np.h5" \
    2> "$tmp/err" || { cat "$tmp/err"; fail "auto budget np $np"; }
  grep -q "building in bounded memory" "$tmp/err" || { cat "$tmp/err"; fail "np $np: no message about bounded memory"; }
  grep -q "bounded memory: [0-9]* rounds" "$tmp/err" || { cat "$tmp/err"; fail "np $np: the build did not run bounded"; }
  same "$tmp/sp.h5" "$tmp/auto$np.h5" "bounded memory chosen by the build, np $np"
done
# shellcheck disable=SC2086
SPR_TEST_MEM_AVAILABLE_MB=100000 $MPIEXEC -n 2 $MPIFLAGS "$SPIRE" index --input "$tmp/sp/docs.jsonl" --output "$tmp/plenty.h5" \
  2> "$tmp/err" || { cat "$tmp/err"; fail "plenty of memory"; }
grep -q "bounded memory" "$tmp/err" && { cat "$tmp/err"; fail "bounded memory chosen with plenty of memory"; }
# the oracle can fail: a different build is told apart
h5diff "$tmp/sp.h5" "$tmp/pr2.h5" > /dev/null 2>&1 && fail "h5diff does not tell a pruned index from a full one"

# the job spec keys: spire run with [index] memory_budget_mb and spill_dir
mkdir -p "$tmp/jobspill"
cat > "$tmp/job.ini" <<EOJ
[job]
name = bounded
output = $tmp/jobout
[corpus]
path = $tmp/dirty.jsonl
queries = $tmp/ki/queries.tsv
qrels = $tmp/ki/qrels.txt
on_error = skip
[index]
block_size = 8
memory_budget_mb = 1
spill_dir = $tmp/jobspill
EOJ
# shellcheck disable=SC2086
$MPIEXEC -n 2 $MPIFLAGS "$SPIRE" run "$tmp/job.ini" > "$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; fail "spire run with memory_budget_mb"; }
grep -q "bounded memory:" "$tmp/run.out" || { cat "$tmp/run.out"; fail "spire run did not build with bounded memory"; }
same "$tmp/ki.h5" "$tmp/jobout/index.h5" "spire run with memory_budget_mb"
[ -z "$(ls -A "$tmp/jobspill")" ] || fail "spire run: files left in spill_dir"

"$SPIRE" inspect "$tmp/sp4.h5" --verify > /dev/null || fail "bounded index does not verify"
for ix in sp sp4; do
  "$SPIRE" search --index "$tmp/$ix.h5" --queries "$tmp/sp/queries.jsonl" --k 100 --output "$tmp/$ix.run" --quiet || fail "search $ix"
done
cmp "$tmp/sp.run" "$tmp/sp4.run" || fail "runs differ"

# memory: the same 30,000 documents, peak resident memory (the largest rank's, as the build reports it)
"$SPIRE" synth --profile splade --docs 30000 --queries 5 --seed 13 --output "$tmp/big" 2> /dev/null || fail synth
peak() { sed -n 's/.*peak memory \([0-9]*\) MiB.*/\1/p' "$1"; }
"$SPIRE" index --input "$tmp/big/docs.jsonl" --output "$tmp/bigm.h5" 2> "$tmp/m.log" || fail "big in-memory"
"$SPIRE" index --input "$tmp/big/docs.jsonl" --output "$tmp/bigb.h5" --memory-budget 2 2> "$tmp/b.log" || fail "big bounded"
same "$tmp/bigm.h5" "$tmp/bigb.h5" "30,000 documents"
pm=$(peak "$tmp/m.log")
pb=$(peak "$tmp/b.log")
echo "peak memory: in memory $pm MiB, bounded (2 MiB budget) $pb MiB"
[ -n "$pm" ] && [ -n "$pb" ] || fail "no peak memory reported"
if [ -n "${ASAN_OPTIONS:-}" ]; then # AddressSanitizer's shadow memory and quarantine dominate there
  echo "skip the memory ratio under AddressSanitizer"
else
  [ $((pb * 10)) -lt $((pm * 7)) ] || fail "bounded build not below 70% of the in-memory build's memory ($pb vs $pm MiB)"
fi

# refused combinations: exit 1, a message, no output
for bad in "--reorder bp" "--prune-list-max 5"; do
  # shellcheck disable=SC2086
  "$SPIRE" index --quiet --input "$tmp/sp/docs.jsonl" --output "$tmp/no.h5" --memory-budget 1 $bad 2> "$tmp/err"
  [ $? = 1 ] || fail "$bad with a budget: not exit 1"
  grep -q "memory_budget" "$tmp/err" || { cat "$tmp/err"; fail "$bad: no message"; }
  [ ! -e "$tmp/no.h5" ] && [ ! -e "$tmp/no.h5.tmp" ] || fail "$bad: output left"
done
"$SPIRE" export --ciff "$tmp/sp.h5" "$tmp/sp.ciff" 2> /dev/null || fail "export ciff"
"$SPIRE" index --quiet --input "$tmp/sp.ciff" --output "$tmp/no.h5" --memory-budget 1 2> "$tmp/err"
[ $? = 1 ] && grep -q "CIFF" "$tmp/err" || { cat "$tmp/err"; fail "CIFF with a budget"; }
"$SPIRE" index --quiet --input "$tmp/sp/docs.jsonl" --output "$tmp/no.h5" --memory-budget 1 --spill-dir "$tmp/nowhere" 2> "$tmp/err"
[ $? = 1 ] && grep -q "nowhere" "$tmp/err" || { cat "$tmp/err"; fail "missing spill folder"; }

# a full spill disk: a 200 KB tmpfs (needs root and mount rights)
mkdir -p "$small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=200k tmpfs "$small" 2> /dev/null; then
  # shellcheck disable=SC2086
  timeout 120 $MPIEXEC -n 2 $MPIFLAGS "$SPIRE" index --quiet --input "$tmp/sp/docs.jsonl" --output "$tmp/no.h5" \
    --memory-budget 1 --spill-dir "$small" 2> "$tmp/err"
  st=$?
  [ $st = 1 ] || { cat "$tmp/err"; fail "full spill disk: exit $st"; }
  grep -q "spill file" "$tmp/err" || { cat "$tmp/err"; fail "full spill disk: no message"; }
  [ ! -e "$tmp/no.h5" ] && [ ! -e "$tmp/no.h5.tmp" ] || fail "full spill disk: output left"
  [ -z "$(ls -A "$small")" ] || fail "full spill disk: files left"
else
  echo "skip full spill disk: cannot mount a small tmpfs here"
fi
echo "bounded: ok"
