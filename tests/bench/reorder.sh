#!/usr/bin/env bash
# reorder.sh: what document reordering (spire index --reorder bp, docs/reorder.md) buys on a
# SPLADE-like collection whose docids were shuffled: exact BMP latency (one thread, k = 10 and
# 1000) on the clustered collection (reference), the shuffled one, and the shuffled one reordered by
# BP; BP's time and the build's peak RSS (/usr/bin/time -v); index sizes; and a check that the
# reordered runs equal the shuffled ones up to ties. Not a test (timings). Results:
# docs/benchmarks.md, "Document reordering (BP)".
#   tests/bench/reorder.sh SPIRE [WORKDIR]
# Environment: DOCS (1000000), QUERIES (1000), SEED (1), REPEAT (3), NP (1: ranks for the BP build),
#   BLOCK (32), KEEP=1 keeps WORKDIR's collections and indexes.
set -euo pipefail
spire=$(realpath "$1")
work=${2:-/tmp/spire-reorder-bench}
here=$(cd "$(dirname "$0")" && pwd)
docs=${DOCS:-1000000} queries=${QUERIES:-1000} seed=${SEED:-1} repeat=${REPEAT:-3} np=${NP:-1} block=${BLOCK:-32}
mkdir -p "$work"
log() { echo "[reorder-bench] $*" >&2; }
lat() { sed -n 's/.*latency mean \([0-9.]*\) ms p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\1 \2 \3/p' "$1"; }
scored() { sed -n 's/.* \([0-9.]*\) blocks scored per query.*/\1/p' "$1"; }

for kind in clustered shuffled; do
  c=$work/$kind-$docs
  [ -s "$c/docs.jsonl" ] && continue
  log "synth $kind ($docs documents)"
  "$spire" synth --profile splade --docs "$docs" --queries "$queries" --seed "$seed" \
    $([ $kind = shuffled ] && echo --shuffle) --output "$c" >/dev/null
done

build() { # name corpus args...
  local name=$1 corpus=$2; shift 2
  if [ ! -s "$work/$name.h5" ]; then
    log "index $name $*"
    local mpi=()
    [ "$np" -gt 1 ] && mpi=(mpirun -np "$np" --bind-to none)
    /usr/bin/time -v "${mpi[@]}" "$spire" index --input "$corpus" --output "$work/$name.h5" --block-size "$block" "$@" \
      2> "$work/$name.build.log"
  fi
  local rss wall bp
  rss=$(awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$work/$name.build.log")
  wall=$(awk '/Elapsed \(wall/ {print $NF}' "$work/$name.build.log")
  bp=$(sed -n 's/.*of which reordering \([0-9.]*\)s.*/\1/p' "$work/$name.build.log")
  echo "$name $(stat -c %s "$work/$name.h5") $wall $rss ${bp:-0}" >> "$work/builds.txt"
}
: > "$work/builds.txt"
build clustered "$work/clustered-$docs/docs.jsonl"
build shuffled "$work/shuffled-$docs/docs.jsonl"
build shuffled-bp "$work/shuffled-$docs/docs.jsonl" --reorder bp

echo "### Builds ($docs documents, block size $block, np $np)"
echo
echo "| index | file MB | build wall | build peak RSS MiB | BP seconds |"
echo "| --- | ---: | ---: | ---: | ---: |"
awk '{printf "| %s | %.1f | %s | %d | %s |\n", $1, $2 / 1048576, $3, $4, $5}' "$work/builds.txt"
echo
echo "### Exact BMP, one thread ($queries queries; mean / p50 / p99 ms, each of $repeat runs)"
echo
echo "| k | clustered (reference) | shuffled | shuffled + BP | shuffled / BP (mean) | blocks scored per query: clustered / shuffled / BP |"
echo "| ---: | --- | --- | --- | ---: | ---: |"
for k in 10 1000; do
  row="| $k"
  declare -A best=()
  nscored=""
  for name in clustered shuffled shuffled-bp; do
    q=$work/shuffled-$docs/queries.jsonl
    [ $name = clustered ] && q=$work/clustered-$docs/queries.jsonl
    cells="" b=""
    for i in $(seq "$repeat"); do
      OMP_NUM_THREADS=1 "$spire" search --index "$work/$name.h5" --queries "$q" --k "$k" --algorithm bmp \
        --output "$work/$name-$k.trec" 2> "$work/$name-$k.log"
      read -r mean p50 p99 < <(lat "$work/$name-$k.log")
      cells="$cells$mean / $p50 / $p99<br>"
      b=$(awk -v a="$b" -v m="$mean" 'BEGIN { print (a == "" || m < a) ? m : a }')
    done
    best[$name]=$b
    nscored="$nscored / $(scored "$work/$name-$k.log")"
    row="$row | ${cells%<br>}"
  done
  ratio=$(awk -v a="${best[shuffled]}" -v b="${best[shuffled-bp]}" 'BEGIN { printf "%.2fx", a / b }')
  echo "$row | $ratio (best means) | ${nscored# / } |"
  awk -f "$here/../mpi/reorder_cmp.awk" "$work/shuffled-$k.trec" "$work/shuffled-bp-$k.trec" ||
    { log "k=$k: the reordered run differs from the shuffled one beyond ties"; exit 1; }
done
log "runs on the reordered index equal the shuffled index's up to ties (k 10 and 1000)"
[ "${KEEP:-0}" = 1 ] || rm -rf "$work"/*.h5
