#!/usr/bin/env bash
# build_speed.sh: index build speed beside Lucene 8 and across threads (issue 19), in one run, on
# wiki-wp-dev (389,550 passages, 27.2 M postings) and on `spire synth --profile splade --docs
# 1000000` (120 M postings). Whole processes, timed from outside (GNU time: wall, user+system,
# peak RSS), started in turn (A B A B ...) so that the machine's drift hits both sides of a pair:
#   1. spire on one thread against Lucene's impact index (one IndexWriter thread, forceMerge(1));
#   2. spire on two threads against spire on one;
#   3. the machine's own ceiling for two threads: two independent one-thread spire builds at once
#      against one alone (wiki-wp-dev only). No program can scale better on this machine than two
#      programs that share nothing, so "× one thread" is best read against 2 / this slowdown.
# Each row gives the medians over RUNS pairs and the median of the pairs' ratios. Lucene's own
# build time (its `build_s`, JVM start excluded) is given beside its whole process.
# Writes the section between <!-- build-speed:begin --> and <!-- build-speed:end --> of
# docs/benchmarks.md (NO_DOC=1: print only). A benchmark, never run by ctest.
#
#   usage: tests/bench/build_speed.sh [BUILD_DIR]        (default: build)
#
# Environment: WORK=/tmp/spire-build-speed (inputs and indexes), RUNS=3 (pairs per row),
# SYNTH_DOCS=1000000 (0: wiki-wp-dev only), SKIP_LUCENE=1, SPR_SHARED_DIR (default ../shared;
# exit 77 without it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/run_lib.sh
. "$(dirname "$0")/run_lib.sh" # now, sub, jget, doc_replace_section, wiki_locate
wiki_locate "$root" "${1:-}"   # spire, shared, data
lucene=$shared/peers/lucene/lucene.sh
work=${WORK:-/tmp/spire-build-speed}
runs=${RUNS:-3}
synth_docs=${SYNTH_DOCS:-1000000}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "RUNS: a positive number, not '$runs'" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 1; }
mkdir -p "$work"
log() { echo "[build_speed] $*" >&2; }

wiki=$work/wiki.jsonl
[ -s "$wiki" ] || { log "decompressing wiki-wp-dev"; zstd -qdc "$data/docs.jsonl.zst" > "$wiki.tmp" && mv "$wiki.tmp" "$wiki"; }
inputs=("wiki-wp-dev|$wiki")
if [ "$synth_docs" -gt 0 ]; then
  sdir=$work/synth-$synth_docs
  if [ ! -s "$sdir/docs.jsonl" ]; then
    log "spire synth --profile splade --docs $synth_docs"
    rm -rf "$sdir"
    "$spire" synth --profile splade --docs "$synth_docs" --queries 10 --seed 1 --output "$sdir" > /dev/null
  fi
  inputs+=("synth splade $synth_docs|$sdir/docs.jsonl")
fi

# timed OUT CMD...: run CMD once; OUT gets "wall cpu peak_mib"
timed() {
  local out=$1; shift
  # (the functions below run in a child bash: GNU time runs programs; its peak is the largest process)
  /usr/bin/time -f "%e %U %S %M" -o "$out.t" bash -c '"$@"' _ "$@" > "$out.log" 2>&1 ||
    { tail -5 "$out.log" >&2; log "failed: $*"; exit 1; }
  awk '{ printf "%s %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$out.t" > "$out"
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spire1() { env OMP_NUM_THREADS=1 "$spire" index --input "$1" --output "$2"; }
spire2() { env OMP_NUM_THREADS=2 "$spire" index --input "$1" --output "$2"; }
lucene1() { rm -rf "$2"; bash "$lucene" impact-index --vectors "$1" --index "$2"; }
pair2() { # two independent one-thread builds at once
  spire1 "$1" "$2.a.h5" & local a=$!
  spire1 "$1" "$2.b.h5"; wait "$a"
}
export spire lucene
export -f spire1 spire2 lucene1 pair2

# compare LABEL A_FN B_FN INPUT: RUNS pairs in turn; prints one table row
compare() {
  local label=$1 fa=$2 fb=$3 input=$4 k
  rm -f "$work"/r.*
  for ((k = 1; k <= runs; k++)); do
    timed "$work/r.a.$k" "$fa" "$input" "$work/out.$fa"
    timed "$work/r.b.$k" "$fb" "$input" "$work/out.$fb"
    [ "$fb" = lucene1 ] && jget build_s < "$work/r.b.$k.log" | tail -1 > "$work/r.own.$k"
    paste "$work/r.a.$k" "$work/r.b.$k" | awk '{ printf "%.4f\n", $4 / $1 }' > "$work/r.q.$k"
    log "$label, pair $k: $(cat "$work/r.a.$k") | $(cat "$work/r.b.$k")"
  done
  # col SIDE N: the median of field N of that side's runs
  col() { local k; for ((k = 1; k <= runs; k++)); do awk -v n="$2" '{ print $n }' "$work/r.$1.$k"; done | median; }
  local own=-
  [ -s "$work/r.own.1" ] && own=$(cat "$work"/r.own.* | median)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f |\n' "$label" "$(basename "$input")" "$(col a 1)" "$(col a 2)" \
    "$(col a 3)" "$(col b 1)" "$(col b 2)" "$(col b 3)" "$own" "$(cat "$work"/r.q.* | median)"
}

rows=$work/rows.md
: > "$rows"
for inp in "${inputs[@]}"; do
  name=${inp%%|*} file=${inp#*|}
  if [ -z "${SKIP_LUCENE:-}" ]; then
    log "$name: spire 1 thread vs Lucene"
    compare "$name: spire, 1 thread (A) vs Lucene (B)" spire1 lucene1 "$file" >> "$rows"
  fi
  log "$name: spire 2 threads vs 1"
  compare "$name: spire, 2 threads (A) vs 1 thread (B)" spire2 spire1 "$file" >> "$rows"
done
log "wiki-wp-dev: two independent one-thread builds at once vs one alone"
compare "wiki-wp-dev: two 1-thread builds at once (A) vs one alone (B)" pair2 spire1 "$wiki" >> "$rows"

section=$work/section.md
{
  echo "<!-- build-speed:begin -->"
  echo "Produced by \`RUNS=$runs tests/bench/build_speed.sh\` on $(date -u +%Y-%m-%d) ($(uname -m), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"))."
  echo "Whole processes (GNU time), A and B in turn, $runs pairs per row: medians, and the median of"
  echo "the pairs' B/A wall-time ratios (\"B / A\": above 1, A is that many times faster). spire builds with"
  echo "its defaults on one rank (\`spire index --input X --output Y\`); Lucene is the harness's impact"
  echo "index (\`lucene.sh impact-index\`; its own build_s leaves out the JVM's start)."
  echo
  echo "| comparison | input | A wall s | A cpu s | A peak MiB | B wall s | B cpu s | B peak MiB | B's own build_s | B / A |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  cat "$rows"
  echo "<!-- build-speed:end -->"
} > "$section"
cat "$section"
if [ -z "${NO_DOC:-}" ]; then
  doc_replace_section "$root/docs/benchmarks.md" "$section" build-speed ||
    log "docs/benchmarks.md has no build-speed markers: the section is in $section"
fi
