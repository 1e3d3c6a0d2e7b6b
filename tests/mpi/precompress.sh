#!/bin/bash
# The merge compresses whole chunks ahead with every OpenMP thread (mpi/spr_h5.c) and the zstd filter
# hands HDF5 those frames: the file must be byte-identical to the one the filter alone writes, for
# 1 and 2 threads, and the frames must really be used (the SPR_TEST_PRECOMPRESS_STATS count).
set -u
[ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$SPIRE" synth --profile splade --docs 6000 --queries 5 --seed 2 --output "$tmp/c" 2> /dev/null || fail synth
ix() { "$SPIRE" index --input "$tmp/c/docs.jsonl" --quiet "$@"; }
SPR_TEST_NO_PRECOMPRESS=1 SPR_TEST_PRECOMPRESS_STATS=1 ix --output "$tmp/plain.h5" 2> "$tmp/plain.err" || fail "filter only"
grep -q "0 compressed ahead" "$tmp/plain.err" || { cat "$tmp/plain.err"; fail "the hook did not disable"; }
for t in 1 2; do
  OMP_NUM_THREADS=$t SPR_TEST_PRECOMPRESS_STATS=1 ix --output "$tmp/t$t.h5" 2> "$tmp/t$t.err" || fail "threads $t"
  n=$(sed -n 's/.*zstd chunks: \([0-9]*\) compressed ahead.*/\1/p' "$tmp/t$t.err")
  [ "${n:-0}" -gt 20 ] || { cat "$tmp/t$t.err"; fail "threads $t: no chunk compressed ahead"; }
  # every whole chunk must come from the table; the filter itself sees only the partial last chunks
  # and the fill chunk HDF5 filters when it creates a dataset. A whole chunk left to the filter
  # means its frame was not found, e.g. a shuffled chunk whose shuffle differs from HDF5's.
  whole=$(h5ls -r "$tmp/t$t.h5" | sed -n 's/.*Dataset {\([0-9]*\)[}/].*/\1/p' |
    awk '{ n += ($1 < 65536 ? ($1 > 0) : int($1 / 65536)) } END { print n }')
  [ "$n" = "$whole" ] || { cat "$tmp/t$t.err"; fail "threads $t: $n chunks compressed ahead, $whole whole chunks"; }
  cmp "$tmp/plain.h5" "$tmp/t$t.h5" || fail "threads $t: the file differs from the filter's"
done
# multi-byte datasets go through HDF5's shuffle filter, then zstd; bytes stay unshuffled
h5dump -p -H -d /postings/block_last "$tmp/t1.h5" | tr -d '\n ' | grep -q 'FILTERS{PREPROCESSINGSHUFFLEUSER_DEFINED_FILTER{FILTER_ID32015' ||
  fail "/postings/block_last: not shuffle then zstd"
h5dump -p -H -d /postings/encoded "$tmp/t1.h5" | grep -q SHUFFLE && fail "/postings/encoded (u8) shuffled"
for z in 3 9; do
  SPR_TEST_NO_PRECOMPRESS=1 ix --zstd-level $z --output "$tmp/p$z.h5" || fail "level $z"
  OMP_NUM_THREADS=2 ix --zstd-level $z --output "$tmp/q$z.h5" || fail "level $z ahead"
  cmp "$tmp/p$z.h5" "$tmp/q$z.h5" || fail "level $z: the file differs"
done
# two ranks, two threads each: the same datasets as one rank with the filter only
# shellcheck disable=SC2086
OMP_NUM_THREADS=2 $MPIEXEC -n 2 $MPIFLAGS -x OMP_NUM_THREADS "$SPIRE" index --input "$tmp/c/docs.jsonl" --quiet \
  --output "$tmp/np2.h5" || fail "np 2"
h5diff "$tmp/plain.h5" "$tmp/np2.h5" || fail "np 2 differs"
"$SPIRE" inspect --verify "$tmp/np2.h5" > /dev/null || fail "np 2 does not verify"
echo "precompress: ok"
