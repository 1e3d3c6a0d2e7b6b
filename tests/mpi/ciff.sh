#!/usr/bin/env bash
# CIFF in and out with NP ranks (tests/mpi/ciff.cmake). Usage: ciff.sh NP CIFF_GEN
#  1. splade synth -> index -> export: import with NP ranks gives an index equal (h5diff) to the
#     original, its export is the same bytes, and its searches are the same runs;
#  2. generated CIFFs (documents without postings, records in reverse order, unknown fields, terms
#     unsorted; tf <= 255 or up to 1000) survive import + export posting for posting, and the NP
#     import equals the np 1 import;
#  3. damaged files (crafted, truncated, bit-flipped) fail with "byte offset" in the message and
#     leave no index; a flip that the local reference checker accepts must import.
set -euo pipefail
np=$1
gen=$2
work=$(mktemp -d /tmp/spire-ciff-XXXXXX)
trap 'rm -rf "$work"' EXIT
export SPR_QUIET=1
run() { if [ "$np" = 1 ]; then "$SPIRE" "$@"; else "$MPIEXEC" -np "$np" $MPIFLAGS "$SPIRE" "$@"; fi; }
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$work/a" "$work/b" "$work/g1" "$work/gn"

# 1. round trip of a spire index
"$SPIRE" synth --profile splade --docs 1500 --queries 30 --seed 3 --output "$work/syn" >/dev/null
"$SPIRE" index --input "$work/syn/docs.jsonl" --output "$work/a/idx.h5"
run export --ciff --doclength stored "$work/a/idx.h5" "$work/a/x.ciff"
[ -s "$work/a/x.ciff" ] && [ ! -e "$work/a/x.ciff.tmp" ] || fail "export left no file or its temporary"
"$gen" check "$work/a/x.ciff" >/dev/null || fail "exported CIFF does not check: $("$gen" check "$work/a/x.ciff")"
run index --input "$work/a/x.ciff" --output "$work/b/idx.h5"
h5diff "$work/a/idx.h5" "$work/b/idx.h5" || fail "imported index differs from the original"
diff <(h5dump -d /postings/encoded "$work/a/idx.h5") <(h5dump -d /postings/encoded "$work/b/idx.h5" | sed "s|/b/idx.h5|/a/idx.h5|") \
  >/dev/null || fail "postings differ (decoded)"
"$SPIRE" export --ciff --doclength stored "$work/b/idx.h5" "$work/b/x.ciff"
cmp "$work/a/x.ciff" "$work/b/x.ciff" || fail "CIFF -> spire -> CIFF is not the same bytes"
# the default for an impact index, as Anserini's: doclength = the sum of the document's impacts
# (dump: postings "term docid tf", records "doc DOCID ID LENGTH")
run export --ciff "$work/a/idx.h5" "$work/a/anserini.ciff"
"$gen" dump "$work/a/anserini.ciff" | awk 'NF == 3 { s[$2] += $3 } NF == 4 && $1 == "doc" { n++; if (s[$2] != $4) bad++ }
  END { if (n < 1500 || bad) { print n " records, " bad " without the sum of their impacts"; exit 1 } }' ||
  fail "default doclength of an impact index is not the sum of impacts"
cmp -s "$work/a/anserini.ciff" "$work/a/x.ciff" && fail "--doclength stored and impacts gave the same file"
for alg in bmp exhaustive; do
  "$SPIRE" search --index "$work/a/idx.h5" --queries "$work/syn/queries.jsonl" --k 100 --algorithm $alg --output "$work/ra.trec"
  run search --index "$work/b/idx.h5" --queries "$work/syn/queries.jsonl" --k 100 --algorithm $alg --output "$work/rb.trec"
  [ -s "$work/ra.trec" ] || fail "empty run"
  cmp "$work/ra.trec" "$work/rb.trec" || fail "search ($alg) on the imported index differs"
done
# BM25 over the CIFF tf values
run index --input "$work/a/x.ciff" --encoder bm25 --output "$work/b/bm25.h5"
"$SPIRE" inspect "$work/b/bm25.h5" --verify | grep -q "encoder *bm25" || fail "bm25 import"
# a BM25 index exports its stored lengths by default (the lengths BM25 used)
run export --ciff "$work/b/bm25.h5" "$work/b/bm25.ciff"
"$SPIRE" export --ciff --doclength stored "$work/b/bm25.h5" "$work/b/bm25s.ciff"
cmp "$work/b/bm25.ciff" "$work/b/bm25s.ciff" || fail "default doclength of a BM25 index is not the stored length"
"$SPIRE" export --ciff --doclength tokens "$work/b/bm25.h5" "$work/b/no.ciff" 2> "$work/err.txt" && fail "--doclength tokens accepted"
grep -q "doclength must be auto, impacts or stored, not 'tokens'" "$work/err.txt" || fail "bad --doclength: $(cat "$work/err.txt")"

# 2. generated CIFFs
for variant in "" "shuffle" "bigtf shuffle"; do
  "$gen" gen "$work/g.ciff" 700 400 11 $variant
  "$gen" check "$work/g.ciff" >/dev/null || fail "generator output does not check"
  "$SPIRE" index --input "$work/g.ciff" --output "$work/g1/idx.h5"
  run index --format ciff --input "$work/g.ciff" --output "$work/gn/idx.h5"
  h5diff "$work/g1/idx.h5" "$work/gn/idx.h5" || fail "np $np import of '$variant' differs from np 1"
  "$SPIRE" inspect "$work/gn/idx.h5" --verify >/dev/null || fail "imported index does not verify"
  run export --ciff --doclength stored "$work/gn/idx.h5" "$work/g2.ciff"
  notf=""; case "$variant" in *bigtf*) notf=notf ;; esac
  "$gen" dump "$work/g.ciff" $notf > "$work/d1.txt"
  "$gen" dump "$work/g2.ciff" $notf > "$work/d2.txt"
  [ "$(wc -l < "$work/d1.txt")" -gt 1000 ] || fail "dump too small"
  diff -q "$work/d1.txt" "$work/d2.txt" >/dev/null || fail "postings or records differ after the round trip ($variant)"
  case "$variant" in *bigtf*) "$SPIRE" inspect "$work/gn/idx.h5" | grep -q "linear" || fail "tf > 255 not quantized";; esac
done

# 3. damaged files
expect_fail() { # FILE WHAT
  rm -f "$work/bad.h5" "$work/bad.h5.tmp"
  if run index --input "$1" --format ciff --output "$work/bad.h5" 2> "$work/err.txt"; then fail "$2: accepted"; fi
  grep "error:" "$work/err.txt" | grep -q "byte offset [0-9]" || fail "$2: no byte offset in: $(cat "$work/err.txt")"
  [ "$(grep -c 'error:' "$work/err.txt")" = 1 ] || fail "$2: not one error line: $(cat "$work/err.txt")"
  [ ! -e "$work/bad.h5" ] && [ ! -e "$work/bad.h5.tmp" ] || fail "$2: output left behind"
}
# every kind on one rank; with more ranks (error agreement across ranks, CI time) a sample
kinds="dupterm duprecord tf0 docidrange nonincreasing dfmismatch cfmismatch countmore countless trailing
       badvarint negdocid emptyterm nulterm wiretype"
[ "$np" = 1 ] || kinds="dupterm docidrange countmore trailing"
for kind in $kinds; do
  "$gen" bad $kind "$work/k.ciff"
  expect_fail "$work/k.ciff" "$kind"
done
"$gen" bad none "$work/k.ciff"
run index --input "$work/k.ciff" --output "$work/ok.h5" || fail "the undamaged small file"
size=$(stat -c %s "$work/a/x.ciff")
cuts="1 7 1000 $((size / 2)) $((size - 1))"; [ "$np" = 1 ] || cuts="$((size / 2))"
for cut in $cuts; do
  head -c "$cut" "$work/a/x.ciff" > "$work/t.ciff"
  expect_fail "$work/t.ciff" "truncated to $cut bytes"
done
# bit flips at spread offsets: what the local reference checker refuses, the import must refuse
refused=0 nflips=12 minref=5; [ "$np" = 1 ] || { nflips=4; minref=1; }
for i in $(seq 0 $((nflips - 1))); do
  off=$(( (i * 7919 + 13) % size )); bit=$(( i % 8 ))
  cp "$work/a/x.ciff" "$work/f.ciff"
  byte=$(od -An -tu1 -j "$off" -N1 "$work/f.ciff" | tr -d ' ')
  printf "$(printf '\\%03o' $(( byte ^ (1 << bit) )))" | dd of="$work/f.ciff" bs=1 seek="$off" conv=notrunc status=none
  if "$gen" check "$work/f.ciff" >/dev/null; then
    rm -f "$work/f.h5"; run index --input "$work/f.ciff" --output "$work/f.h5" || fail "flip at $off accepted by the checker, refused by the import"
  else
    expect_fail "$work/f.ciff" "bit $bit flipped at byte $off"; refused=$((refused + 1))
  fi
done
[ "$refused" -ge "$minref" ] || fail "only $refused of $nflips flips were refused"
echo "ok: np $np: round trips identical, $refused of $nflips bit flips refused with offsets"
