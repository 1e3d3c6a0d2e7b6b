#!/usr/bin/env bash
# spire inspect --verify: accepts a good index; rejects one whose data was changed after the write
# (checksum), naming the dataset; and a damaged file never crashes search.
set -uo pipefail
tool=$1
work=$(mktemp -d /tmp/spire-verify-XXXXXX)
trap 'rm -rf "$work"' EXIT
export SPR_QUIET=1
"$MPIEXEC" -np 2 $MPIFLAGS "$SPIRE" index --input "$SPR_TEST_DATA/tiny.jsonl" --output "$work/good.h5" --block-size 8 2>/dev/null || exit 1
"$SPIRE" inspect "$work/good.h5" --verify > /dev/null || { echo "FAIL: good index rejected"; exit 1; }
fails=0
for target in "/postings/block_last 3 77" "/postings/encoded 5 255" "/terms/df 0 9" "/docs/length 1 0"; do
  set -- $target
  cp "$work/good.h5" "$work/bad.h5"
  "$tool" "$work/bad.h5" "$1" "$2" "$3" || { echo "FAIL: cannot damage $1"; fails=$((fails+1)); continue; }
  out=$("$SPIRE" inspect "$work/bad.h5" --verify 2>&1); rc=$?
  if [ $rc -eq 0 ] || ! grep -q "error:.*$1" <<< "$out"; then
    echo "FAIL: damaged $1 not reported (exit $rc): $out"; fails=$((fails+1)); continue
  fi
  echo "ok: $(grep error: <<< "$out")"
  timeout 60 "$SPIRE" search --index "$work/bad.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --output "$work/r.trec" > /dev/null 2>&1
  rc=$?
  [ $rc -le 1 ] || { echo "FAIL: search on damaged $1 exited $rc (crash or hang)"; fails=$((fails+1)); }
done
# format 2 (spire before 0.2: forward blocks and block maxima stored, tests/data/tiny-v2.h5 written by
# commit 8e9064e from tiny.jsonl with the defaults) is still read: it verifies, and searches give the
# runs of the same corpus indexed in format 3 (docs/format.md, "Versions")
"$SPIRE" index --input "$SPR_TEST_DATA/tiny.jsonl" --output "$work/v3.h5" 2>/dev/null || exit 1
"$SPIRE" inspect "$SPR_TEST_DATA/tiny-v2.h5" --verify > "$work/v2.txt" 2>&1 || { cat "$work/v2.txt"; echo "FAIL: format 2 rejected"; fails=$((fails+1)); }
for alg in bmp exhaustive; do
  for np in 1 2; do
    "$MPIEXEC" -np $np $MPIFLAGS "$SPIRE" search --index "$SPR_TEST_DATA/tiny-v2.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" \
      --k 10 --algorithm $alg --output "$work/r2.trec" > /dev/null 2>&1 &&
    "$SPIRE" search --index "$work/v3.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --algorithm $alg \
      --output "$work/r3.trec" > /dev/null 2>&1 &&
    cmp -s "$work/r2.trec" "$work/r3.trec" || { echo "FAIL: format 2 index, $alg at np $np: runs differ"; fails=$((fails+1)); }
  done
done
[ $fails -eq 0 ] && echo "all damage detected; format 2 read"
exit $fails
