#!/usr/bin/env bash
# wiki_bench.sh: the headline benchmark on real data (issue 17). spire beside Lucene 8 impact search
# on ../shared/data/wiki-wp-dev (389,550 Wikipedia passages as u8 BM25 vectors in dump order; 1,000
# MS MARCO dev queries encoded by SPLADE++ ED and by SPLADE-v3), in one run:
#   - both indexes with default settings, built on one thread (time, bytes);
#   - per query set and k: Lucene without pruning and with block-max WAND, spire exhaustive and
#     exact BMP (mean / p50 / p99 ms, blocks scored, peak RSS); the exact BMP run must equal the
#     exhaustive run byte for byte, or the script fails;
#   - approximate BMP (--alpha, --beta and combinations): latency, blocks scored, recall@k against
#     the exact top k, speedup over exact BMP;
#   - document order: a fixed shuffle of the passages, without and with `--reorder bp`, searched
#     with exact BMP beside the dump order (runs checked equal up to ties, tests/mpi/reorder_cmp.awk);
# then prints a Markdown section and writes it into docs/benchmarks.md between
# <!-- wiki-bench:begin --> and <!-- wiki-bench:end -->, the first subsection of the BMP section.
# Every search runs on one thread (OMP_NUM_THREADS=1, no mpirun). A benchmark, never run by ctest.
#
#   usage: tests/bench/wiki_bench.sh [BUILD_DIR]                 (default: build)
#
# Environment (all optional):
#   WORK=/tmp/spire-wiki-bench   decompressed data, indexes, runs and logs (reused when there;
#                                an index is rebuilt when the spire binary is newer than it)
#   DOCS_LIMIT=N                 only the first N passages (default: all); QUERIES_LIMIT=N likewise
#   KS="10 1000"                 the k values
#   ALPHAS="0.95 0.9 0.85 0.8 0.7"  BETAS="0.8 0.6 0.5 0.4"    the approximate sweeps
#   APPROX_EXTRA="0.9/0.8 ..."   alpha/beta combinations, run after the two sweeps
#   SKIP_LUCENE=1                no Lucene rows
#   LUCENE_WARMUP=1000           warm-up query executions before Lucene's timed pass
#   LUCENE_HEAP (harness default 6g)
#   LUCENE_UNCAPPED=1            pass --uncapped to the harness (see the note below)
#   NO_DOC=1                     leave docs/benchmarks.md alone (the section stays in WORK)
#   TIMEOUT=3600                 seconds allowed to each spire command (a spire that crashed can
#                                hang in Open MPI's signal handler; the run then fails, not waits)
#   SPR_SHARED_DIR=DIR           the shared folder (default: the repository's ../shared); exit 77
#                                when it or its wiki-wp-dev folder is missing
#
# Lucene's weight cap: the harness clamps each *document* weight (the term frequency) at the
# largest one in the index (255 here), which changes no score; query weights are boosts and are
# never capped. `--uncapped` gives byte-identical runs but disables Lucene 8's block-max pruning
# (an unbounded similarity; LuceneBench.java's ImpactSimilarity comment), so block-max WAND would
# count every hit. The script therefore keeps the cap; LUCENE_UNCAPPED=1 overrides.
set -euo pipefail
t_start=$(date +%s.%N)
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/run_lib.sh
. "$(dirname "$0")/run_lib.sh" # md_head, now, sub, jget, spire_summary, doc_replace_section, wiki_locate
wiki_locate "$root" "${1:-}"  # spire, shared, data
lucene=$shared/peers/lucene/lucene.sh
work=${WORK:-/tmp/spire-wiki-bench}
docs_limit=${DOCS_LIMIT:-all}
queries_limit=${QUERIES_LIMIT:-all}
ks=${KS:-10 1000}
alphas=${ALPHAS:-0.95 0.9 0.85 0.8 0.7}
betas=${BETAS:-0.8 0.6 0.5 0.4}
approx_extra=${APPROX_EXTRA:-}
warmup=${LUCENE_WARMUP:-1000}
tmo=${TIMEOUT:-3600}
for v in "$docs_limit" "$queries_limit"; do
  [[ $v == all || $v =~ ^[1-9][0-9]*$ ]] || { echo "DOCS_LIMIT / QUERIES_LIMIT: a positive number or all, not '$v'" >&2; exit 2; }
done
for k in $ks; do [[ $k =~ ^[1-9][0-9]*$ ]] || { echo "KS: '$k' is not a k" >&2; exit 2; }; done
work=$(realpath -m "$work")
case $work/ in "$root"/*) echo "WORK=$work is inside the repository; use a folder outside it" >&2; exit 2 ;; esac
mkdir -p "$work"
log() { echo "[wiki-bench] $(date -u +%H:%M:%S) $*" >&2; }
die() { echo "[wiki-bench] FAILED: $*" >&2; exit 1; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- data (decompressed under WORK)
# `first N L F`: the first N lines of F into L, once (written as L.tmp, renamed when complete)
if [ "$docs_limit" = all ]; then
  docs=$work/docs.jsonl
  if [ ! -s "$docs" ]; then
    log "decompressing $data/docs.jsonl.zst into $docs"
    zstd -q -dc "$data/docs.jsonl.zst" > "$docs.tmp" && mv "$docs.tmp" "$docs"
  fi
else
  docs=$work/docs-$docs_limit.jsonl
  if [ ! -s "$docs" ]; then
    log "the first $docs_limit passages into $docs"
    if [ -s "$work/docs.jsonl" ]; then
      head -n "$docs_limit" "$work/docs.jsonl" > "$docs.tmp"
    else # zstd stops on SIGPIPE when head has its lines; the line count below is the check
      { zstd -q -dc "$data/docs.jsonl.zst" 2> /dev/null || true; } | head -n "$docs_limit" > "$docs.tmp"
    fi
    [ "$(wc -l < "$docs.tmp")" = "$docs_limit" ] || die "$data/docs.jsonl.zst has fewer than $docs_limit lines (or did not decompress)"
    mv "$docs.tmp" "$docs"
  fi
fi
ndocs=$(wc -l < "$docs")
qsets="pp v3"
declare -A qsrc=([pp]=queries.jsonl [v3]=queries-v3.jsonl)
declare -A qname=([pp]="SPLADE++ ED" [v3]="SPLADE-v3")
dtag=d$docs_limit
qtag=q$queries_limit
ix=$work/$dtag              # indexes of these documents
out=$ix/$qtag               # runs and logs of these queries
mkdir -p "$out"
declare -A qfile nq
for qs in $qsets; do
  if [ "$queries_limit" = all ]; then
    qfile[$qs]=$data/${qsrc[$qs]}
  else
    qfile[$qs]=$out/${qsrc[$qs]}
    head -n "$queries_limit" "$data/${qsrc[$qs]}" > "${qfile[$qs]}"
  fi
  nq[$qs]=$(grep -c . "${qfile[$qs]}")
done
# qscaled FILE: how many queries spire scales to u8 (a weight that is not an integer in [1, 255])
qscaled() {
  awk '{ t = $0; sub(/^.*"vector": *\{/, "", t); s = 0
         while (match(t, /": *[-+0-9.eE]+/)) {
           v = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH); sub(/^": */, "", v)
           if (v + 0 < 1 || v + 0 > 255 || v + 0 != int(v + 0)) s = 1
         }
         n += s } END { print n + 0 }' "$1"
}
# qmax FILE: the largest query weight
qmax() { grep -o '": *[0-9.eE+-]*' "$1" | sed 's/": *//' | sort -g | tail -1; }

# ---------------------------------------------------------------- indexes
# spire_index NAME INPUT [ARGS...]: $ix/NAME.h5 with one thread, timed (NAME.time, NAME.log);
# reused when newer than the spire binary
spire_index() {
  local name=$1 input=$2; shift 2
  if [ -s "$ix/$name.h5" ] && [ -s "$ix/$name.time" ] && [ "$ix/$name.h5" -nt "$spire" ]; then
    log "reusing $ix/$name.h5 (built in $(cat "$ix/$name.time") s)"
    return
  fi
  rm -f "$ix/$name.h5" "$ix/$name.time"
  log "spire index $name: $(basename "$input") $*"
  local t0
  t0=$(now)
  OMP_NUM_THREADS=1 timeout -k 30 "$tmo" "$spire" index --input "$input" --output "$ix/$name.h5" "$@" 2> "$ix/$name.log" ||
    { tail -5 "$ix/$name.log" >&2; die "spire index --input $input --output $ix/$name.h5 $*"; }
  sub "$t0" "$(now)" > "$ix/$name.time"
  log "spire index $name: $(cat "$ix/$name.time") s, $(stat -c %s "$ix/$name.h5") bytes"
}
postings() { sed -n 's/.*, \([0-9]*\) postings,.*/\1/p' "$ix/$1.log" | tail -1; }
# block_size NAME: the BMP block size recorded in $ix/NAME.h5 ("?" without h5dump)
block_size() {
  { h5dump -A "$ix/$1.h5" 2> /dev/null || true; } |
    awk '/ATTRIBUTE "block_size"/ { f = 1 } f && /\(0\):/ { print $2; found = 1; exit } END { if (!found) print "?" }'
}
spire_index dump "$docs"
# a fixed permutation of the passages: the same shuffle on every run
if [ ! -s "$ix/shuf.jsonl" ]; then
  shuf --random-source=<(yes spire) "$docs" > "$ix/shuf.jsonl.tmp" && mv "$ix/shuf.jsonl.tmp" "$ix/shuf.jsonl"
fi
spire_index shuf "$ix/shuf.jsonl"
spire_index shuf-bp "$ix/shuf.jsonl" --reorder bp
lucene_ok=0
luncap=()
[ "${LUCENE_UNCAPPED:-0}" = 1 ] && luncap=(--uncapped)
if [ "${SKIP_LUCENE:-0}" = 1 ]; then
  log "Lucene skipped (SKIP_LUCENE=1)"
elif [ ! -f "$lucene" ] || ! command -v java > /dev/null; then
  log "no $lucene or no java: Lucene skipped"
else
  lucene_ok=1
  if [ -s "$ix/lucene-index.json" ] && [ -d "$ix/lucene" ]; then
    log "reusing $ix/lucene"
  else
    rm -rf "$ix/lucene"
    log "lucene impact-index ($ndocs passages)"
    bash "$lucene" impact-index --vectors "$docs" --index "$ix/lucene" > "$ix/lucene-index.json" 2> "$ix/lucene-index.log" ||
      { tail -5 "$ix/lucene-index.log" >&2; die "lucene impact-index"; }
  fi
fi

# ---------------------------------------------------------------- searches
# R[key] = "mean|p50|p99|qps|blocks|rss MiB" ; key = QS,K,WHAT
declare -A R REC LAGREE LHITS
mib() { awk '{ v = $1 } END { printf "%.0f", v / 1024 }' "$1"; }
field() { cut -d'|' -f"$2" <<< "$1"; }
# spire_search NAME INDEX QS K ARGS...: one search on one thread under GNU time into $out/NAME.run,
# NAME.log, NAME.rss; sets R[QS,K,NAME]
spire_search() {
  local name=$1 index=$2 qs=$3 k=$4; shift 4
  log "spire search $qs k=$k $name $*"
  OMP_NUM_THREADS=1 /usr/bin/time -f %M -o "$out/$qs-k$k-$name.rss" timeout -k 30 "$tmo" "$spire" search --index "$index" \
    --queries "${qfile[$qs]}" --k "$k" --output "$out/$qs-k$k-$name.run" "$@" 2> "$out/$qs-k$k-$name.log" ||
    { tail -5 "$out/$qs-k$k-$name.log" >&2; die "spire search --index $index --queries ${qfile[$qs]} --k $k $*"; }
  local s
  s=$(spire_summary "$out/$qs-k$k-$name.log") || die "no summary line in $out/$qs-k$k-$name.log"
  R[$qs,$k,$name]="$s|$(mib "$out/$qs-k$k-$name.rss")"
}
# lucene_search MODE QS K: MODE exhaustive or bmw; sets R and LHITS
lucene_search() {
  local mode=$1 qs=$2 k=$3 ex=()
  [ "$mode" = exhaustive ] && ex=(--exhaustive)
  local base=$out/$qs-k$k-lucene-$mode
  log "lucene impact-search $qs k=$k $mode"
  /usr/bin/time -f %M -o "$base.rss" bash "$lucene" impact-search --index "$ix/lucene" --queries "${qfile[$qs]}" \
    --run "$base.run" --k "$k" --warmup-queries "$warmup" "${ex[@]}" "${luncap[@]}" > "$base.json" 2> "$base.log" ||
    { tail -5 "$base.log" >&2; die "lucene impact-search $qs k=$k $mode"; }
  local j
  j=$(tail -1 "$base.json")
  R[$qs,$k,lucene-$mode]="$(jget mean_ms <<< "$j")|$(jget p50_ms <<< "$j")|$(jget p99_ms <<< "$j")|$(jget qps <<< "$j")||$(mib "$base.rss")"
  LHITS[$qs,$k,$mode]=$(jget avg_hits_counted <<< "$j")
}
# recall_at QRELS RUN K: recall@K of RUN's first K documents
recall_at() {
  { "$spire" eval --qrels "$1" --run "$2" -M "$3" -m "recall.$3" 2> /dev/null || true; } |
    awk -v m="recall_$3" '$1 == m && $2 == "all" { print $3 }'
}
approx=()
for a in $alphas; do approx+=("$a/1"); done
for b in $betas; do approx+=("1/$b"); done
for ab in $approx_extra; do
  [[ $ab =~ ^[0-9.]+/[0-9.]+$ ]] || die "APPROX_EXTRA: '$ab' is not alpha/beta"
  approx+=("$ab")
done
akey() { echo "a${1%/*}-b${1#*/}"; } # alpha/beta -> the name of the run
alabel() { # alpha/beta -> "α=0.9, β=0.8" (a value of 1 left out)
  local a=${1%/*} b=${1#*/} l=""
  [ "$a" != 1 ] && l="α=$a"
  [ "$b" != 1 ] && l="${l:+$l, }β=$b"
  echo "${l:-exact}"
}
for qs in $qsets; do
  for k in $ks; do
    if [ $lucene_ok = 1 ]; then
      lucene_search exhaustive "$qs" "$k"
      lucene_search bmw "$qs" "$k"
      # both Lucene modes are exact: the same scores per rank, the same documents up to ties
      if awk -f "$root/tests/mpi/reorder_cmp.awk" "$out/$qs-k$k-lucene-exhaustive.run" "$out/$qs-k$k-lucene-bmw.run" > "$out/$qs-k$k-lucene-cmp.txt"; then
        LAGREE[$qs,$k]=yes
      else
        LAGREE[$qs,$k]="no ($(head -1 "$out/$qs-k$k-lucene-cmp.txt"))"
        log "WARNING: Lucene's two exact modes differ: ${LAGREE[$qs,$k]}"
      fi
    fi
    spire_search exhaustive "$ix/dump.h5" "$qs" "$k" --algorithm exhaustive
    spire_search bmp "$ix/dump.h5" "$qs" "$k" --algorithm bmp
    cmp "$out/$qs-k$k-exhaustive.run" "$out/$qs-k$k-bmp.run" > /dev/null || {
      { diff "$out/$qs-k$k-exhaustive.run" "$out/$qs-k$k-bmp.run" || true; } | head -10 >&2
      die "exact BMP differs from exhaustive search ($qs queries, k = $k): $out/$qs-k$k-{exhaustive,bmp}.run"
    }
    exact=$out/$qs-k$k-bmp.run
    awk '{ print $1, 0, $3, 1 }' "$exact" > "$out/$qs-k$k-exact.qrels"
    if [ $lucene_ok = 1 ]; then # how much of Lucene's exact top k spire's exact top k holds
      awk '{ print $1, 0, $3, 1 }' "$out/$qs-k$k-lucene-exhaustive.run" > "$out/$qs-k$k-lucene.qrels"
      REC[$qs,$k,lucene]=$(recall_at "$out/$qs-k$k-lucene.qrels" "$exact" "$k")
    fi
    for ab in "${approx[@]}"; do
      name=$(akey "$ab")
      spire_search "$name" "$ix/dump.h5" "$qs" "$k" --algorithm bmp --alpha "${ab%/*}" --beta "${ab#*/}"
      REC[$qs,$k,$name]=$(recall_at "$out/$qs-k$k-exact.qrels" "$out/$qs-k$k-$name.run" "$k")
    done
    # document order: exact BMP on the shuffled passages, without and with BP
    for o in shuf shuf-bp; do
      spire_search "$o" "$ix/$o.h5" "$qs" "$k" --algorithm bmp
      awk -f "$root/tests/mpi/reorder_cmp.awk" "$exact" "$out/$qs-k$k-$o.run" >&2 ||
        die "exact BMP on the $o index differs from the dump order's beyond ties ($qs queries, k = $k)"
    done
  done
done

# ---------------------------------------------------------------- tables
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.1f", a / b }'; }
ms() { [ -n "$1" ] && printf '%.3f' "$1" || printf -- '-'; }
itable=$out/index_table.md
{
  md_head "<index" "build s (one thread)" "bytes" "MiB" "postings" "bytes / posting"
  if [ $lucene_ok = 1 ]; then
    j=$(tail -1 "$ix/lucene-index.json")
    awk -v n="Lucene $(jget system <<< "$j" | sed 's/^lucene-//') impact (forceMerge 1)" -v s="$(jget build_s <<< "$j")" \
      -v b="$(jget index_bytes <<< "$j")" -v p="$(jget postings <<< "$j")" \
      'BEGIN { printf "| %s | %.1f | %d | %.1f | %d | %.2f |\n", n, s, b, b / 1048576, p, b / p }'
  fi
  for i in dump shuf shuf-bp; do
    case $i in
      dump) n="spire, defaults (dump order)" ;;
      shuf) n="spire, defaults, shuffled passages" ;;
      shuf-bp) n="spire, shuffled passages, \`--reorder bp\`" ;;
    esac
    awk -v n="$n" -v s="$(cat "$ix/$i.time")" -v b="$(stat -c %s "$ix/$i.h5")" -v p="$(postings "$i")" \
      'BEGIN { printf "| %s | %.1f | %d | %.1f | %d | %.2f |\n", n, s, b, b / 1048576, p, (p > 0 ? b / p : 0) }'
  done
} > "$itable"

mtable=$out/main_table.md
{
  md_head "<queries" "k" "<system: mode" "mean ms" "p50 ms" "p99 ms" "work / query" "peak RSS MiB" "BMP exact × faster than Lucene's faster exact mode" "× than spire exhaustive" "spire's top k in Lucene's (recall@k)"
  for qs in $qsets; do
    for k in $ks; do
      best="" bestname=""
      if [ $lucene_ok = 1 ]; then
        for m in exhaustive bmw; do
          r=${R[$qs,$k,lucene-$m]}
          case $m in exhaustive) label="Lucene: no pruning" ;; bmw) label="Lucene: block-max WAND" ;; esac
          printf '| %s | %s | %s | %s | %s | %s | %s hits | %s | | | |\n' "${qname[$qs]}" "$k" "$label" \
            "$(ms "$(field "$r" 1)")" "$(ms "$(field "$r" 2)")" "$(ms "$(field "$r" 3)")" \
            "$(printf '%.0f' "${LHITS[$qs,$k,$m]}")" "$(field "$r" 6)"
          if [ -z "$best" ] || awk -v a="$(field "$r" 1)" -v b="$best" 'BEGIN { exit !(a + 0 < b + 0) }'; then
            best=$(field "$r" 1); bestname=$m
          fi
        done
      fi
      re=${R[$qs,$k,exhaustive]} rb=${R[$qs,$k,bmp]}
      printf '| %s | %s | spire: exhaustive | %s | %s | %s | all postings | %s | | | |\n' "${qname[$qs]}" "$k" \
        "$(ms "$(field "$re" 1)")" "$(ms "$(field "$re" 2)")" "$(ms "$(field "$re" 3)")" "$(field "$re" 6)"
      vl="-"
      [ -n "$best" ] && vl="$(ratio "$best" "$(field "$rb" 1)") (${bestname/bmw/BMW})"
      printf '| %s | %s | **spire: BMP exact** | **%s** | %s | %s | %s blocks | %s | **%s** | %s | %s |\n' "${qname[$qs]}" "$k" \
        "$(ms "$(field "$rb" 1)")" "$(ms "$(field "$rb" 2)")" "$(ms "$(field "$rb" 3)")" "$(field "$rb" 5)" "$(field "$rb" 6)" \
        "$vl" "$(ratio "$(field "$re" 1)" "$(field "$rb" 1)")" "${REC[$qs,$k,lucene]:--}"
    done
  done
} > "$mtable"

atable=$out/approx_table.md
{
  md_head "<queries" "k" "<BMP setting" "mean ms" "p50 ms" "p99 ms" "blocks scored / query" "recall@k vs exact top k" "× faster than exact BMP"
  for qs in $qsets; do
    for k in $ks; do
      rb=${R[$qs,$k,bmp]}
      printf '| %s | %s | exact | %s | %s | %s | %s | 1.0000 | 1.0 |\n' "${qname[$qs]}" "$k" \
        "$(ms "$(field "$rb" 1)")" "$(ms "$(field "$rb" 2)")" "$(ms "$(field "$rb" 3)")" "$(field "$rb" 5)"
      for ab in "${approx[@]}"; do
        name=$(akey "$ab"); r=${R[$qs,$k,$name]}
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${qname[$qs]}" "$k" "$(alabel "$ab")" \
          "$(ms "$(field "$r" 1)")" "$(ms "$(field "$r" 2)")" "$(ms "$(field "$r" 3)")" "$(field "$r" 5)" \
          "${REC[$qs,$k,$name]:--}" "$(ratio "$(field "$rb" 1)" "$(field "$r" 1)")"
      done
    done
  done
} > "$atable"

otable=$out/order_table.md
{
  md_head "<queries" "k" "dump order: mean ms" "blocks / query" "shuffled: mean ms" "blocks / query" "shuffled + BP: mean ms" "blocks / query" "blocks: shuffled / BP" "blocks: BP / dump"
  for qs in $qsets; do
    for k in $ks; do
      rd=${R[$qs,$k,bmp]} rs=${R[$qs,$k,shuf]} rp=${R[$qs,$k,shuf-bp]}
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${qname[$qs]}" "$k" \
        "$(ms "$(field "$rd" 1)")" "$(field "$rd" 5)" "$(ms "$(field "$rs" 1)")" "$(field "$rs" 5)" \
        "$(ms "$(field "$rp" 1)")" "$(field "$rp" 5)" \
        "$(awk -v a="$(field "$rs" 5)" -v b="$(field "$rp" 5)" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$(field "$rp" 5)" -v b="$(field "$rd" 5)" 'BEGIN { printf "%.2f", a / b }')"
    done
  done
} > "$otable"

# ---------------------------------------------------------------- the section
cmd=""
for v in DOCS_LIMIT QUERIES_LIMIT KS ALPHAS BETAS APPROX_EXTRA SKIP_LUCENE LUCENE_WARMUP LUCENE_HEAP LUCENE_UNCAPPED; do
  val=${!v:-}
  [ -n "$val" ] || continue
  [[ $val == *" "* ]] && val="\"$val\""
  cmd="$cmd$v=$val "
done
cmd="${cmd}tests/bench/wiki_bench.sh"
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(lscpu | sed -n 's/^CPU(s): *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$root" log -1 --format='%h (%cs)' 2> /dev/null || echo unknown)
[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2> /dev/null)" ] && commit="$commit with uncommitted changes in the tree"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(sub "$t_start" "$(now)")
slice=""
[ "$docs_limit" != all ] || [ "$queries_limit" != all ] && slice=" **A slice, not the headline figures.**"
lnote="Lucene: \`../shared/peers/lucene/lucene.sh\` impact index (integer weights as term frequencies, score = dot product), one IndexWriter thread then forceMerge(1); IndexSearcher without executor, $warmup warm-up query executions, then one timed pass."
if [ $lucene_ok = 1 ]; then
  if [ ${#luncap[@]} -gt 0 ]; then
    lnote="$lnote Run with \`--uncapped\`: Lucene 8's block-max pruning is off (an unbounded similarity), so the BMW rows count every hit."
  else
    lnote="$lnote Harness default weight cap: each document weight is clamped at the index's largest ($(jget max_weight <<< "$(tail -1 "$ix/lucene-index.json")")), which changes no score; query weights are boosts, never capped (\`--uncapped\` gives the same runs but turns Lucene 8's block-max pruning off)."
  fi
  agree=""
  for qs in $qsets; do for k in $ks; do agree="$agree${agree:+; }${qname[$qs]} k = $k: ${LAGREE[$qs,$k]}"; done; done
  lnote="$lnote Lucene's two modes return the same scores per rank (documents equal up to ties): $agree."
else
  lnote="Lucene: not run (SKIP_LUCENE=1, or no harness or java)."
fi
section=$out/section.md
{
  echo "<!-- wiki-bench:begin -->"
  echo "### Real data: Wikipedia passages, MS MARCO SPLADE queries (wiki-wp-dev)"
  echo
  echo "Produced by \`$cmd\` on $(date -u +%Y-%m-%d) in $elapsed s: $cpu, $cores cores, $mem; load average $load0 at the start, $load1 at the end (the machine is shared)."
  echo "spire: \`${spire#"$root"/}\` of $(date -u -r "$spire" '+%Y-%m-%d %H:%M') UTC, git commit $commit.$slice"
  echo
  echo "Data: \`../shared/data/wiki-wp-dev\` (its README.md): $ndocs Wikipedia passages as JSON vectors (BM25 weights of BERT wordpieces quantized to 1..255, no expansion, dump order), and ${nq[pp]} MS MARCO dev queries encoded by SPLADE++ ED (largest weight $(qmax "${qfile[pp]}")) and by SPLADE-v3 (largest $(qmax "${qfile[v3]}"))."
  echo "spire keeps a query whose weights are integers in [1, 255] as it is and scales any other one per query to a largest weight of 255 (u8):"
  echo "$(qscaled "${qfile[pp]}") of ${nq[pp]} SPLADE++ queries and $(qscaled "${qfile[v3]}") of ${nq[v3]} SPLADE-v3 queries are scaled; Lucene scores the integer weights as they are."
  echo "So spire's ranking of a scaled query can differ from Lucene's; the last column of the main table measures by how much (recall@k of spire's exact top k against Lucene's exhaustive top k as qrels)."
  echo
  echo "Indexes: default settings (spire: \`spire index --input docs.jsonl --output X.h5\`, block size $(block_size dump), \`OMP_NUM_THREADS=1\`, 1 rank, wall time). $lnote"
  echo "spire searches: \`OMP_NUM_THREADS=1 spire search --algorithm exhaustive|bmp\`, 1 rank, latency from spire's summary line; peak RSS is GNU time's maximum RSS of the whole process (Lucene: the JVM, heap ${LUCENE_HEAP:-6g})."
  echo "Every exact BMP run equals the exhaustive run byte for byte (checked by \`cmp\`). Work per query: Lucene's hits counted (\`avg_hits_counted\`), spire's blocks scored."
  echo
  cat "$itable"
  echo
  cat "$mtable"
  echo
  echo "Approximate BMP (\`--alpha A\`: stop when the k-th score > A × the next block's bound; \`--beta B\`: block bounds from the ceil(B × n) heaviest query terms only, blocks still scored with every term). Recall@k against the exact run's top k as qrels (\`spire eval -M k -m recall.k\`; a document tied with the k-th score counts as a miss when another one of that score was kept); speedup over exact BMP at the same k and query set."
  echo
  cat "$atable"
  echo
  echo "Document order: the passages shuffled by a fixed permutation (\`shuf --random-source=<(yes spire)\`), indexed with default settings and with \`--reorder bp\` (BP build $(cat "$ix/shuf-bp.time") s against $(cat "$ix/shuf.time") s without, one thread), searched with exact BMP. Each run has the dump order's scores at every rank and the same documents above the k-th score (\`tests/mpi/reorder_cmp.awk\`)."
  echo
  cat "$otable"
  echo "<!-- wiki-bench:end -->"
} > "$section"
cat "$section"
log "done in $elapsed s; section in $section"
if [ "${NO_DOC:-0}" = 1 ]; then
  log "NO_DOC=1: docs/benchmarks.md untouched"
  exit 0
fi
doc=$root/docs/benchmarks.md
if ! doc_replace_section "$doc" "$section" wiki-bench; then
  if [ -f "$doc" ] && grep -q '^## Block-Max Pruning' "$doc"; then
    # first run: the first subsection of the BMP section; what followed gets its own heading
    tmp=$(mktemp)
    awk -v f="$section" '
      !done && /^## Block-Max Pruning/ {
        print; print ""; while ((getline l < f) > 0) print l
        print ""; print "### Synthetic SPLADE-like collection (`tests/bench/bmp_vs_lucene.sh`)"
        done = 1; next
      }
      { print }' "$doc" > "$tmp" && cp "$tmp" "$doc" && rm -f "$tmp"
  else
    { echo; echo "## Block-Max Pruning on real data"; echo; cat "$section"; } >> "$doc"
  fi
fi
log "updated $doc"
