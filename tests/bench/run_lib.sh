# tests/bench/run_lib.sh: shell helpers sourced by the benchmark scripts (scale.sh, bounded.sh,
# bmp_vs_lucene.sh, wiki_bench.sh, parts_bench.sh). Sourcing only defines functions; `run` needs $work, $spire and
# $mpiflags set.
# shellcheck shell=bash

# run NAME NP ARGS...: mpirun with the wrapper; stderr to NAME.log, peak RSS (MiB) per rank to NAME.mem,
# CPU time (user + sys) over wall time per rank, in %, to NAME.cpu (below 100: the core was shared).
# The caller's environment (OMP_NUM_THREADS=... run ...) reaches the ranks. Every rank runs under
# GNU time, which writes its peak RSS (KiB) and times to MEMDIR/rank.R at exit.
# shellcheck disable=SC2154 # work, spire, mpiflags: set by the caller
run() {
  local name=$1 np=$2; shift 2
  if [ ! -x "$work/memwrap.sh" ]; then
    cat > "$work/memwrap.sh" <<'EOW'
#!/bin/sh
exec /usr/bin/time -f "%M %e %U %S" -o "$MEMDIR/rank.${OMPI_COMM_WORLD_RANK:-0}" "$@"
EOW
    chmod +x "$work/memwrap.sh"
  fi
  rm -rf "$work/mem.$name"; mkdir -p "$work/mem.$name"
  # shellcheck disable=SC2086
  MEMDIR=$work/mem.$name mpirun -x MEMDIR -np "$np" $mpiflags "$work/memwrap.sh" "$spire" "$@" 2> "$work/$name.log" ||
    { echo "failed: spire $*" >&2; cat "$work/$name.log" >&2; exit 1; }
  local r out="" cpu=""
  for ((r = 0; r < np; r++)); do
    out="$out${out:+ / }$(awk '{ printf "%.0f", $1 / 1024 }' "$work/mem.$name/rank.$r")"
    cpu="$cpu${cpu:+ / }$(awk '{ printf "%.0f", ($2 > 0 ? 100 * ($3 + $4) / $2 : 0) }' "$work/mem.$name/rank.$r")"
  done
  echo "$out" > "$work/$name.mem"
  echo "$cpu" > "$work/$name.cpu"
}

# now: seconds since the epoch, with nanoseconds; sub T0 T1: T1 - T0 in seconds, 2 decimals
# md_head COLUMN...: the header and separator rows of a markdown table; a column written with a
# leading '<' is left-aligned (the '<' is not printed), every other one right-aligned.
md_head() {
  local c head="|" sep="|"
  for c in "$@"; do
    if [ "${c#<}" != "$c" ]; then head="$head ${c#<} |" sep="$sep --- |"; else head="$head $c |" sep="$sep ---: |"; fi
  done
  printf '%s\n%s\n' "$head" "$sep"
}
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# jget FIELD < json-line: the value of a top-level scalar field of a JSON line (the Lucene harness's report)
jget() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }

# spire_summary LOG: "mean|p50|p99|queries/s|blocks" from the last summary line of spire search's
# stderr (`... N queries, R results, Q queries/s, latency mean X ms p50 Y ms p99 Z ms on 1 rank(s)
# (bmp, partitioned, B blocks scored per query)`); blocks is empty without BMP. Status 1 and no
# output when LOG has no summary line.
spire_summary() {
  awk '/ queries\/s, latency mean / {
         mean = p50 = p99 = qps = blocks = ""
         for (i = 2; i <= NF; i++) {
           if ($i == "queries/s,") qps = $(i - 1)
           else if ($i == "mean" && $(i - 1) == "latency") mean = $(i + 1)
           else if ($i == "p50") p50 = $(i + 1)
           else if ($i == "p99") p99 = $(i + 1)
           else if ($i == "blocks" && $(i + 1) == "scored") blocks = $(i - 1)
         }
         r = mean "|" p50 "|" p99 "|" qps "|" blocks
       }
       END { if (r == "") exit 1; print r }' "$1"
}

# doc_replace_section DOC SECTION NAME: replace the lines from <!-- NAME:begin --> to
# <!-- NAME:end --> of DOC by the file SECTION (which carries the markers itself). Status 1, DOC
# untouched, when DOC does not have the begin marker.
doc_replace_section() {
  local doc=$1 section=$2 name=$3 tmp
  [ -f "$doc" ] && grep -q "<!-- $name:begin -->" "$doc" || return 1
  tmp=$(mktemp)
  awk -v f="$section" -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" '
    index($0, b) { while ((getline l < f) > 0) print l; skip = 1; next }
    index($0, e) { skip = 0; next }
    !skip' "$doc" > "$tmp" && cp "$tmp" "$doc" && rm -f "$tmp"
}

# wiki_locate ROOT [BUILD_DIR]: the real-data benchmarks' inputs. Sets spire (BUILD_DIR/spire, default
# ROOT/build), shared (SPR_SHARED_DIR or ROOT/../shared) and data (its wiki-wp-dev folder); exits 1
# without spire and 77 (skipped) without the data set.
wiki_locate() {
  local build=${2:-$1/build}
  spire=$(cd "$build" 2> /dev/null && pwd)/spire
  [ -x "$spire" ] || { echo "no spire in $build (build first, or pass BUILD_DIR)" >&2; exit 1; }
  shared=${SPR_SHARED_DIR:-$1/../shared}
  data=$shared/data/wiki-wp-dev
  [ -d "$shared" ] || { echo "no shared folder $shared: skipped" >&2; exit 77; }
  [ -f "$data/docs.jsonl.zst" ] || { echo "no $data/docs.jsonl.zst: skipped" >&2; exit 77; }
}
