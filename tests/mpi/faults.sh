#!/usr/bin/env bash
# Failure injection (SPR_TEST_FAIL=STAGE[:RANK], mpi/spr_coll.c spr_test_fault): a failure on one
# rank at any stage of `spire index` and `spire search` makes every rank stop (no hang: each run is
# under `timeout`), with exit code 1 or 2, one error line naming the stage, and neither the output
# file nor its .tmp left behind. Also: a queries file missing on one node (simulated by the hook at
# search.queries on that rank) and a full disk (the run's .tmp is a symlink to /dev/full).
# Usage: faults.sh NP   (the failing rank is NP-1, and rank 0 for the write stages)
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
spr_error_cases "${1:-2}" /tmp/spire-faults-XXXXXX # np, work, SPR_QUIET, fails
n=0
run() { spr_mpi_spire "$@"; }
# shellcheck disable=SC2034 # read by spr_expect_error
want_rc="1 or 2; 124 = hang"
spr_error_ok() { [ "$1" -eq 1 ] || [ "$1" -eq 2 ]; }
spr_error_lines() { grep 'error:' "$1"; }
# expect NAME PATTERN OUTPUT -- spire args...   (the environment holds SPR_TEST_FAIL)
expect() {
  n=$((n + 1))
  spr_expect_error "$@"
}
last=$((np - 1))
corpus=$SPR_TEST_DATA/tiny.jsonl
q=$SPR_TEST_DATA/tiny-queries.tsv
for st in index.read index.dict index.reorder index.route index.write index.checksum; do
  extra=()
  [ $st = index.reorder ] && extra=(--reorder bp)   # the stage runs only when reordering
  for r in $last $([ $st = index.write ] && echo 0); do
    SPR_TEST_FAIL=$st:$r expect "$st:$r" "stage $st on rank $r" "$work/i.h5" -- \
      index --input "$corpus" --output "$work/i.h5" --block-size 8 "${extra[@]}"
  done
done
# every rank failing at once (no :RANK)
SPR_TEST_FAIL=index.dict expect "index.dict (all ranks)" "stage index.dict on rank 0" "$work/i.h5" -- \
  index --input "$corpus" --output "$work/i.h5" --block-size 8
run index --input "$corpus" --output "$work/good.h5" --block-size 8 2> "$work/err.log" || {
  echo "FAIL: good index"; cat "$work/err.log"; exit 1; }
# np 2: both algorithms; other rank counts: bmp only (the stages are the same code)
algs="bmp exhaustive"; [ "$np" -eq 2 ] || algs=bmp
for alg in $algs; do
  for st in search.open search.queries search.analyze search.load search.score search.reduce search.write; do
    for r in $last $([ $st = search.write ] && echo 0); do
      SPR_TEST_FAIL=$st:$r expect "$alg $st:$r" "stage $st on rank $r" "$work/r.trec" -- \
        search --index "$work/good.h5" --queries "$q" --k 10 --output "$work/r.trec" --algorithm $alg
    done
  done
done
SPR_TEST_FAIL=search.load:$last expect "replicated search.load:$last" "stage search.load on rank $last" "$work/r.trec" -- \
  search --index "$work/good.h5" --queries "$q" --k 10 --output "$work/r.trec" --serving replicated
# the queries file readable on one node only: that rank's reader fails, every rank stops with its message
SPR_TEST_FAIL=search.queries:$last expect "queries missing on rank $last" "rank $last: injected failure at stage search.queries" \
  "$work/r.trec" -- search --index "$work/good.h5" --queries "$q" --k 10 --output "$work/r.trec"
# full disk while writing the run: rank 0's write fails with ENOSPC, no run and no .tmp left
ln -s /dev/full "$work/full.trec.tmp"
expect "full disk (run)" "full.trec.tmp: write failed: No space left on device" "$work/full.trec" -- \
  search --index "$work/good.h5" --queries "$q" --k 10 --output "$work/full.trec"
# full disk under the index: a 300 KB tmpfs (needs root and mount rights; skipped otherwise). The
# writer checks the free space before each write, since parallel HDF5 deadlocks when a collective
# flush fails on one rank (docs/reliability.md)
small=$work/small
mkdir -p "$small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=300k tmpfs "$small" 2> /dev/null; then
  expect "full disk (index)" "not enough disk space" "$small/x.h5" -- \
    index --input "$corpus" --output "$small/x.h5" --block-size 8
  umount "$small" || true
else
  echo "skip full disk (index): cannot mount a small tmpfs here"
fi
# the same search without a fault succeeds (the hook is inert when unset)
run search --index "$work/good.h5" --queries "$q" --k 10 --output "$work/r.trec" 2> "$work/err.log" && [ -s "$work/r.trec" ] ||
  { echo "FAIL: search without a fault"; cat "$work/err.log"; fails=$((fails+1)); }
[ $fails -eq 0 ] || { echo "$fails of $n fault case(s) failed at np $np"; exit 1; }
echo "all $n fault cases ok at np $np"
