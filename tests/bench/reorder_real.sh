#!/usr/bin/env bash
# reorder_real.sh: document reordering on real text. The eight test collections of ../shared/data
# (ADI, CISI, Cranfield, LISA, MEDLINE, NPL, SciFact, TIME) are put in one corpus, BM25 impacts,
# block size 8: in their original order (collection after collection), shuffled, and shuffled then
# reordered by BP. All 913 queries of the eight collections are searched with exact BMP at
# k = 10, 100 and 1000. The figure to read is the number of blocks scored per query, which does
# not depend on the machine's noise; at ~27,000 documents a query takes tens of microseconds, so
# the latencies are printed but say little. Not a test. Results: docs/benchmarks.md, "Document
# reordering (BP)". Needs ../shared/data (exit 77 without it).
#   tests/bench/reorder_real.sh SPIRE [WORKDIR]
set -euo pipefail
spire=$(realpath "$1")
work=${2:-/tmp/spire-reorder-real}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/../shared/data
[ -d "$data" ] || { echo "no $data: skipped"; exit 77; }
mkdir -p "$work"
cols="adi cisi cranfield lisa medline npl scifact time"
: > "$work/orig.jsonl"
: > "$work/q.tsv"
for c in $cols; do # ids prefixed with the collection, so that they stay unique
  sed "s/^{\"id\": \"/{\"id\": \"$c-/" "$data/$c/corpus.jsonl" >> "$work/orig.jsonl"
  sed "s/^/$c-/" "$data/$c/queries.tsv" >> "$work/q.tsv"
done
grep -q "^{\"id\": \"adi-" "$work/orig.jsonl" || { echo "corpus layout changed: ids not prefixed" >&2; exit 1; }
# a fixed shuffle: the same order on every run
shuf --random-source=<(yes spire) "$work/orig.jsonl" > "$work/shuf.jsonl"
"$spire" index --input "$work/orig.jsonl" --output "$work/orig.h5" --block-size 8 --quiet 2>> "$work/build.log"
"$spire" index --input "$work/shuf.jsonl" --output "$work/shuf.h5" --block-size 8 --quiet 2>> "$work/build.log"
"$spire" index --input "$work/shuf.jsonl" --output "$work/bp.h5" --block-size 8 --reorder bp --quiet 2>> "$work/build.log"
field() { sed -n "s/$2/\\1/p" "$1"; }
echo "| k | blocks scored per query: original / shuffled / shuffled + BP | shuffled / BP | mean ms: original / shuffled / shuffled + BP |"
echo "| ---: | ---: | ---: | ---: |"
for k in 10 100 1000; do
  b="" l=""
  declare -A nb=()
  for ix in orig shuf bp; do
    OMP_NUM_THREADS=1 "$spire" search --index "$work/$ix.h5" --queries "$work/q.tsv" --k "$k" --algorithm bmp \
      --output "$work/$ix-$k.trec" 2> "$work/$ix-$k.log"
    nb[$ix]=$(field "$work/$ix-$k.log" '.* \([0-9.]*\) blocks scored per query.*')
    b="$b / ${nb[$ix]}"
    l="$l / $(field "$work/$ix-$k.log" '.*latency mean \([0-9.]*\) ms.*')"
  done
  echo "| $k | ${b# / } | $(awk -v a="${nb[shuf]}" -v z="${nb[bp]}" 'BEGIN { printf "%.2fx", a / z }') | ${l# / } |"
  # the same documents and scores with or without reordering (up to ties)
  awk -f "$root/tests/mpi/reorder_cmp.awk" "$work/shuf-$k.trec" "$work/bp-$k.trec" ||
    { echo "k=$k: the reordered run differs from the shuffled one beyond ties" >&2; exit 1; }
done
echo
echo "$(grep -c . "$work/orig.jsonl") records, $(grep -c . "$work/q.tsv") queries, blocks of 8 documents, one thread;"
echo "file sizes (MB): original $(stat -c %s "$work/orig.h5" | awk '{printf "%.1f", $1 / 1e6}'), shuffled $(stat -c %s "$work/shuf.h5" | awk '{printf "%.1f", $1 / 1e6}'), shuffled + BP $(stat -c %s "$work/bp.h5" | awk '{printf "%.1f", $1 / 1e6}')."
