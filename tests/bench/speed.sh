#!/usr/bin/env bash
# Build and search speed of spire (BM25, exhaustive) on a synthetic known-item collection, with
# 1 and 2 ranks, and the update of docs/benchmarks.md.
#   usage: tests/bench/speed.sh [BUILD_DIR] [DOCS] [QUERIES]    (defaults: build 200000 2000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}; docs=${2:-200000}; nq=${3:-2000}
spire=$build/spire
work=$(mktemp -d /tmp/spire-bench-speed-XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none SPR_QUIET=1
mpiflags="--oversubscribe --bind-to none"
"$spire" synth --profile known-item --docs "$docs" --queries "$nq" --seed 11 --output "$work/c" >/dev/null
bytes=$(stat -c %s "$work/c/corpus.jsonl")
table=$work/table.md
{
  echo "| ranks | index s | docs/s | MB/s of corpus | index MB | search: queries/s | mean ms | p50 ms | p99 ms | MRR |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$table"
for np in 1 2; do
  mpirun -np $np $mpiflags "$spire" index --input "$work/c/corpus.jsonl" --output "$work/i$np.h5" 2> "$work/index$np.log"
  s=$(sed -n 's/.*postings, [0-9.]* MB, \([0-9.]*\)s on.*/\1/p' "$work/index$np.log")
  mb=$(awk -v b="$(stat -c %s "$work/i$np.h5")" 'BEGIN { printf "%.1f", b / 1e6 }')
  mpirun -np $np $mpiflags "$spire" search --index "$work/i1.h5" --queries "$work/c/queries.tsv" --k 1000 --output "$work/r$np.trec" 2> "$work/search$np.log"
  read -r qps mean p50 p99 <<< "$(sed -n 's/.* \([0-9.]*\) queries\/s, latency mean \([0-9.]*\) ms p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\1 \2 \3 \4/p' "$work/search$np.log")"
  mrr=$("$spire" eval --qrels "$work/c/qrels.txt" --run "$work/r$np.trec" -m recip_rank | awk '{print $3}')
  printf '| %d | %.2f | %.0f | %.1f | %s | %s | %s | %s | %s | %s |\n' $np "$s" "$(awk -v d="$docs" -v s="$s" 'BEGIN{print d/s}')" \
    "$(awk -v b="$bytes" -v s="$s" 'BEGIN{print b/1e6/s}')" "$mb" "$qps" "$mean" "$p50" "$p99" "$mrr" >> "$table"
done
cmp "$work/r1.trec" "$work/r2.trec" && same="identical" || same="DIFFERENT"
cat "$table"; echo "runs with 1 and 2 ranks: $same"
doc=$root/docs/benchmarks.md
machine="$(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
section=$work/section.md
{
  echo "<!-- speed:begin -->"
  echo "Produced by \`tests/bench/speed.sh $build $docs $nq\` on $(date -u +%Y-%m-%d) ($machine): \`spire synth"
  echo "--profile known-item --docs $docs --queries $nq --seed 11\` ($(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1e6}') MB of JSONL), BM25 index with zstd level 3,"
  echo "exhaustive top-1000 search of all queries (OpenMP threads = cores / ranks). Runs with 1 and 2 ranks: $same."
  echo
  cat "$table"
  echo "<!-- speed:end -->"
} > "$section"
if [ -f "$doc" ] && grep -q "speed:begin" "$doc"; then
  awk -v f="$section" '/speed:begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
                       /speed:end/ { skip = 0; next } !skip' "$doc" > "$work/doc" && cp "$work/doc" "$doc"
  echo "updated $doc"
fi
