#!/usr/bin/env bash
# Bounded-memory build benchmark (docs/memory.md): the same SPLADE-like collection built in memory
# and with a memory budget, at 1 and 2 ranks: total and phase times, peak RSS per rank (GNU time),
# temporary bytes, and h5diff of each bounded index against the in-memory one (must be equal).
# Writes the section between <!-- bounded:begin --> and <!-- bounded:end --> of docs/benchmarks.md.
#   usage: tests/bench/bounded.sh [BUILD_DIR] [DOCS]         (defaults: build 2000000)
#   env:   BUDGETS ("1024": MiB per rank, one row each), NPS ("1 2"), SEED (1),
#          WORK=DIR (keep the collection, indexes and logs; the collection is reused; scale.sh's
#          WORK works too), NO_DOC=1 (print the section, leave docs/benchmarks.md alone)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd); docs=${2:-2000000}
budgets=${BUDGETS:-1024}; nps=${NPS:-"1 2"}; seed=${SEED:-1}
spire=$build/spire
[ -x "$spire" ] || { echo "no spire in $build" >&2; exit 1; }
if [ -n "${WORK:-}" ]; then work=$WORK; mkdir -p "$work"
else work=$(mktemp -d /tmp/spire-bench-bounded-XXXXXX); trap 'rm -rf "$work"' EXIT; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export HDF5_PLUGIN_PATH=$build/plugins
mpiflags="--oversubscribe --bind-to none"
log() { echo "[bounded] $(date -u +%H:%M:%S) $*" >&2; }
. "$(dirname "$0")/run_lib.sh" # run NAME NP ARGS...: NAME.log, NAME.mem (peak RSS MiB per rank), NAME.cpu
phase() { sed -n "s/.*$2 \([0-9.]*\)s.*/\1/p" "$work/$1.log" | head -1; }
total() { sed -n 's/.*, \([0-9.]*\)s on [0-9]* rank.*/\1/p' "$work/$1.log" | head -1; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
c=$work/c
if [ ! -f "$c/docs.jsonl" ] || ! grep -q -- "--docs $docs " "$c/README.md" 2>/dev/null; then
  log "synth $docs docs"; rm -rf "$c"
  "$spire" synth --profile splade --docs "$docs" --queries 100 --seed "$seed" --output "$c" > /dev/null
fi
table=$work/bounded.md
{
  echo "| ranks | budget MiB per rank | total s | read+encode s | route+blocks s | write s | peak RSS MiB per rank | same as in memory (h5diff) |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} > "$table"
for np in $nps; do
  log "np $np in memory"
  OMP_NUM_THREADS=$(( $(nproc) / np )) run m$np "$np" index --input "$c/docs.jsonl" --output "$work/m$np.h5"
  echo "| $np | (in memory) | $(total m$np) | $(phase m$np read+encode) | $(phase m$np route+blocks) | $(phase m$np write) | $(cat "$work/m$np.mem") | reference |" >> "$table"
  for b in $budgets; do
    log "np $np budget $b MiB"
    OMP_NUM_THREADS=$(( $(nproc) / np )) run b$np-$b "$np" index --input "$c/docs.jsonl" --output "$work/b$np-$b.h5" --memory-budget "$b"
    same=no; h5diff "$work/m$np.h5" "$work/b$np-$b.h5" > /dev/null 2>&1 && same=yes
    echo "| $np | $b | $(total b$np-$b) | $(phase b$np-$b read+encode) | $(phase b$np-$b route+blocks) | $(phase b$np-$b write) | $(cat "$work/b$np-$b.mem") | $same |" >> "$table"
    rm -f "$work/b$np-$b.h5"
  done
  rm -f "$work/m$np.h5"
done
postings=$(sed -n 's/.* \([0-9]*\) postings,.*/\1/p' "$work/m${nps%% *}.log" | head -1)
section=$(mktemp)
{
  echo "<!-- bounded:begin -->"
  echo "### Bounded-memory build (docs/memory.md)"
  echo
  echo "\`tests/bench/bounded.sh $(basename "$build") $docs\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);"
  echo "SPLADE-like synth collection, $docs documents, $postings postings; load average before: $load0."
  echo "Each rank has cores / ranks OpenMP threads; peak RSS is GNU time's maximum resident set of each rank."
  echo
  cat "$table"
  echo "<!-- bounded:end -->"
} > "$section"
if [ -n "${NO_DOC:-}" ]; then cat "$section"; exit 0; fi
bm=$root/docs/benchmarks.md
if grep -q "<!-- bounded:begin -->" "$bm"; then
  awk -v f="$section" 'BEGIN { while ((getline l < f) > 0) s = s l "\n" }
    /<!-- bounded:begin -->/ { printf "%s", s; skip = 1; next } /<!-- bounded:end -->/ { skip = 0; next } !skip' "$bm" > "$bm.tmp"
  mv "$bm.tmp" "$bm"
else
  { echo; cat "$section"; } >> "$bm"
fi
cat "$section"
