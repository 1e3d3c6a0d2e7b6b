#!/usr/bin/env bash
# Block-Max Pruning (spire) beside Lucene 8 impact search on a SPLADE-like synthetic collection
# (issue 3): one command that generates the collection, builds both indexes, runs every search
# single-threaded at k = 10 and k = 1000, measures recall@10 of the approximate settings against
# the exact top 10, and writes a Markdown section into docs/benchmarks.md.
#
#   usage: tests/bench/bmp_vs_lucene.sh [BUILD_DIR]            (default: build)
#
# Environment (all optional):
#   DOCS=1000000 QUERIES=1000 SEED=1   the collection: spire synth --profile splade
#   QUERY_TERMS=44                     terms per query (7: the inference-free shape)
#   BLOCK=32                           spire index --block-size
#   KS="10 1000"                       the k values
#   APPROX="alpha=0.9 alpha=0.8 beta=0.5"   approximate BMP settings (alpha=A, beta=B, or both
#                                      joined by '/': alpha=0.9/beta=0.5)
#   LUCENE_HEAP (harness default 6g)   JVM heap of the Lucene harness
#   LUCENE_WARMUP=1000                 warm-up query executions before Lucene's timed pass
#   WORK=DIR                           keep everything in DIR (and reuse a collection and
#                                      indexes already there); default: a temporary folder
#   NO_DOC=1                           do not touch docs/benchmarks.md (the section is printed
#                                      and left in WORK/section.md)
#   SKIP_LUCENE=1 / SKIP_SPIRE=1       leave one side out
#   INDEX_THREADS=1                    OpenMP threads of spire index (Lucene indexes on one thread)
# The spire rows need `spire index` on JSON vectors and `spire search --algorithm bmp`; a step
# that fails is reported as "spire: not available" and the rest still runs.
# Timings come from the systems themselves: Lucene's harness (one JSON line per step, latency per
# query after warm-up) and spire search's summary line on stderr. Never run from ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
spire=$build/spire
[ -x "$spire" ] || { echo "no $spire (build first, or pass BUILD_DIR)" >&2; exit 1; }
shared=${SPR_SHARED_DIR:-$root/../shared}
lucene=$shared/peers/lucene/lucene.sh
docs=${DOCS:-1000000}
queries=${QUERIES:-1000}
seed=${SEED:-1}
qterms=${QUERY_TERMS:-44}
block=${BLOCK:-32}
ks=${KS:-10 1000}
approx=${APPROX:-alpha=0.9 alpha=0.8 beta=0.5}
warmup=${LUCENE_WARMUP:-1000}
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/spire-bench-bmp-XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
log() { echo "[bmp-vs-lucene] $*" >&2; }
# shellcheck source=tests/bench/run_lib.sh
. "$(dirname "$0")/run_lib.sh" # now, sub, jget (harness JSON fields), spire_summary, doc_replace_section

# ---------------------------------------------------------------- the collection
coll=$work/splade-$docs-$queries-$seed-$qterms
if [ -s "$coll/README.md" ]; then
  log "reusing $coll"
else
  log "spire synth --profile splade --docs $docs --queries $queries --seed $seed --query-terms $qterms"
  t0=$(now)
  "$spire" synth --profile splade --docs "$docs" --queries "$queries" --seed "$seed" \
    --query-terms "$qterms" --output "$coll"
  log "synth: $(sub "$t0" "$(now)") s, $(du -m "$coll/docs.jsonl" | cut -f1) MB of documents"
fi

# rows of the search table: system|algorithm|setting|k|mean|p50|p99|qps|run-file-or-empty|note
rows=$work/rows.txt
: > "$rows"
index_rows=$work/index_rows.txt
: > "$index_rows"
postings=""

# ---------------------------------------------------------------- Lucene
if [ "${SKIP_LUCENE:-0}" = 1 ]; then
  log "Lucene skipped (SKIP_LUCENE=1)"
elif [ ! -x "$lucene" ] && [ ! -f "$lucene" ]; then
  log "no $lucene: Lucene rows skipped"
elif ! command -v java > /dev/null; then
  log "no java: Lucene rows skipped"
else
  lidx=$work/lucene-index
  if [ -s "$work/lucene-index.json" ] && [ -d "$lidx" ]; then
    log "reusing $lidx"
  else
    rm -rf "$lidx"
    log "lucene impact-index ($docs documents)"
    bash "$lucene" impact-index --vectors "$coll/docs.jsonl" --index "$lidx" > "$work/lucene-index.json"
  fi
  j=$(tail -1 "$work/lucene-index.json")
  postings=$(jget postings <<< "$j")
  lbytes=$(jget index_bytes <<< "$j")
  echo "Lucene $(jget system <<< "$j" | sed 's/^lucene-//') impact|$(jget build_s <<< "$j")|$lbytes|$postings|" >> "$index_rows"
  for k in $ks; do
    for mode in pruned exhaustive; do
      ex=(); [ $mode = exhaustive ] && ex=(--exhaustive)
      run=$work/lucene-$mode-k$k.run
      log "lucene impact-search k=$k $mode"
      bash "$lucene" impact-search --index "$lidx" --queries "$coll/queries.jsonl" --run "$run" \
        --k "$k" --warmup-queries "$warmup" "${ex[@]}" > "$work/lucene-$mode-k$k.json"
      j=$(tail -1 "$work/lucene-$mode-k$k.json")
      setting="block-max WAND"; [ $mode = exhaustive ] && setting="no pruning"
      echo "Lucene|$setting (exact)|-|$k|$(jget mean_ms <<< "$j")|$(jget p50_ms <<< "$j")|$(jget p99_ms <<< "$j")|$(jget qps <<< "$j")|$run|" >> "$rows"
    done
  done
fi

# ---------------------------------------------------------------- spire
spire_ok=0
sidx=$work/spire-b$block.h5
mktag() { printf '%s' "$2-$3-k$1" | tr -c 'a-zA-Z0-9.=-' '_'; }
spire_search() { # k algorithm setting [extra args...] -> one row
  local k=$1 alg=$2 setting=$3; shift 3
  local tag
  tag=$(mktag "$k" "$alg" "$setting")
  local run=$work/spire-$tag.run err=$work/spire-$tag.log
  log "spire search k=$k $alg $setting"
  if OMP_NUM_THREADS=1 /usr/bin/env time -f 'maxrss_kb %M' -o "$work/spire-$tag.rss" "$spire" search \
       --index "$sidx" --queries "$coll/queries.jsonl" --k "$k" --output "$run" --algorithm "$alg" \
       "$@" 2> "$err"; then
    local lat
    lat=$(spire_summary "$err" | cut -d'|' -f1-4 || true)
    if [ -n "$lat" ]; then
      echo "spire|$alg|$setting|$k|$lat|$run|" >> "$rows"
      return 0
    fi
    log "no summary line in $err"
  else
    log "$(grep -m1 -i error "$err" || tail -1 "$err")"
  fi
  echo "spire|$alg|$setting|$k||||||spire: not available" >> "$rows"
  return 1
}
if [ "${SKIP_SPIRE:-0}" = 1 ]; then
  log "spire skipped (SKIP_SPIRE=1)"
else
  if [ -s "$sidx" ] && [ -s "$work/spire-index.time" ]; then
    log "reusing $sidx"
    spire_ok=1
  else
    rm -f "$sidx"
    log "spire index --block-size $block"
    t0=$(now)
    if OMP_NUM_THREADS=${INDEX_THREADS:-1} "$spire" index --input "$coll/docs.jsonl" --output "$sidx" --block-size "$block" 2> "$work/spire-index.log"; then
      sub "$t0" "$(now)" > "$work/spire-index.time"
      spire_ok=1
    else
      log "spire index failed: $(grep -m1 -i error "$work/spire-index.log" || tail -1 "$work/spire-index.log")"
    fi
  fi
  if [ $spire_ok = 1 ]; then
    sp=$(sed -n 's/.*, \([0-9]*\) postings,.*/\1/p' "$work/spire-index.log" | tail -1)
    [ -n "$sp" ] && postings=$sp
    echo "spire (b = $block)|$(cat "$work/spire-index.time")|$(stat -c %s "$sidx")|${sp:-$postings}|" >> "$index_rows"
    for k in $ks; do
      spire_search "$k" exhaustive "-" || true
      spire_search "$k" bmp "α=1 (exact)" --alpha 1 || true
      for s in $approx; do
        args=(); label=""
        for part in ${s//\// }; do
          key=${part%%=*}; val=${part#*=}
          args+=("--$key" "$val")
          [ "$key" = alpha ] && label="${label:+$label, }α=$val"
          [ "$key" = beta ] && label="${label:+$label, }β=$val"
        done
        spire_search "$k" bmp "$label" "${args[@]}" || true
      done
    done
    rss=$(sed -n 's/maxrss_kb //p' "$work/spire-$(mktag 10 exhaustive -).rss" 2> /dev/null | tail -1 || true)
  else
    echo "spire (b = $block)|||||spire: not available" >> "$index_rows"
    for k in $ks; do
      for s in exhaustive "bmp|α=1 (exact)" $approx; do
        case $s in
          exhaustive) echo "spire|exhaustive|-|$k||||||spire: not available" >> "$rows" ;;
          bmp*) echo "spire|bmp|α=1 (exact)|$k||||||spire: not available" >> "$rows" ;;
          *) echo "spire|bmp|$(echo "$s" | sed 's/alpha=/α=/; s/beta=/β=/; s/\//, /')|$k||||||spire: not available" >> "$rows" ;;
        esac
      done
    done
  fi
fi

# ---------------------------------------------------------------- recall and effectiveness
# The exact top 10: spire's exhaustive run when there is one, else Lucene's unpruned run.
ref=""
if grep -q "^spire|exhaustive|-|10|[0-9]" "$rows"; then
  ref=$work/spire-$(mktag 10 exhaustive -).run
elif grep -q "^Lucene|no pruning (exact)|-|10|[0-9]" "$rows"; then
  ref=$work/lucene-exhaustive-k10.run
fi
exact_qrels=$work/exact-top10.qrels
if [ -n "$ref" ]; then
  # the exact run as qrels: its top 10 per query (by the rank column) are the relevant documents
  awk '$4 <= 10 { print $1, 0, $3, 1 }' "$ref" > "$exact_qrels"
  log "recall@10 against $(basename "$ref")"
fi
metric() { # qrels run measure printed-name -> value (empty on failure)
  { "$spire" eval --qrels "$1" --run "$2" -M 10 -m "$3" 2> /dev/null || true; } |
    awk -v m="$4" '$1 == m && $2 == "all" { print $3 }'
}
table=$work/table.md
{
  echo "| system | algorithm | setting | k | mean ms | p50 ms | p99 ms | queries/s | recall@10 vs exact | MRR@10 (synth qrels) | × faster than Lucene's fastest exact |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$table"
best_lucene() { # k -> the smaller mean of Lucene's two exact modes
  awk -F'|' -v k="$1" '$1 == "Lucene" && $4 == k && $5 != "" { if (b == "" || $5 + 0 < b + 0) b = $5 } END { print b }' "$rows"
}
while IFS='|' read -r sys alg setting k mean p50 p99 qps run note; do
  if [ -z "$mean" ]; then
    printf '| %s | %s | %s | %s | %s | | | | | | |\n' "$sys" "$alg" "$setting" "$k" "${note:-not available}" >> "$table"
    continue
  fi
  rec="-"; mrr="-"; speed="-"
  if [ -n "$ref" ] && [ -s "$run" ]; then rec=$(metric "$exact_qrels" "$run" recall.10 recall_10); fi
  if [ -s "$run" ]; then mrr=$(metric "$coll/qrels.txt" "$run" recip_rank recip_rank); fi
  bl=$(best_lucene "$k")
  [ -n "$bl" ] && speed=$(awk -v a="$bl" -v b="$mean" 'BEGIN { printf "%.1f", a / b }')
  printf '| %s | %s | %s | %s | %.3f | %.3f | %.3f | %.0f | %s | %s | %s |\n' "$sys" "$alg" "$setting" "$k" \
    "$mean" "$p50" "$p99" "$qps" "${rec:--}" "${mrr:--}" "$speed" >> "$table"
done < "$rows"
itable=$work/index_table.md
{
  echo "| index | build s | size MiB | postings | bytes / posting |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  while IFS='|' read -r name secs bytes post note; do
    if [ -z "$bytes" ]; then echo "| $name | ${note:-not available} | | | |"; continue; fi
    awk -v n="$name" -v s="$secs" -v b="$bytes" -v p="$post" \
      'BEGIN { printf "| %s | %.1f | %.1f | %d | %.2f |\n", n, s, b / 1048576, p, (p > 0 ? b / p : 0) }'
  done < "$index_rows"
} > "$itable"

# ---------------------------------------------------------------- targets (issue 3)
summary=$work/summary.md
{
  get_mean() { awk -F'|' -v s="$1" -v a="$2" -v t="$3" -v k="$4" '$1 == s && $2 == a && $3 == t && $4 == k { print $5 }' "$rows"; }
  get_col() { awk -F'|' -v s="$1" -v a="$2" -v t="$3" -v k="$4" -v c="$5" '$1 == s && $2 == a && $3 == t && $4 == k { print $c }' "$rows"; }
  ex10=$(get_mean spire exhaustive - 10); bmp10=$(get_mean spire bmp "α=1 (exact)" 10)
  bmp1000=$(get_mean spire bmp "α=1 (exact)" 1000)
  p50=$(get_col spire bmp "α=1 (exact)" 10 6); p99=$(get_col spire bmp "α=1 (exact)" 10 7)
  l10=$(best_lucene 10); l1000=$(best_lucene 1000)
  check() { # label value target
    if [ -z "$2" ]; then echo "- $1: not measured (target $3)"; return; fi
    awk -v l="$1" -v v="$2" -v t="$3" 'BEGIN { printf "- %s: %.1f (target %s) %s\n", l, v, t, (v + 0 >= substr(t, 4) + 0 ? "**met**" : "**missed**") }'
  }
  ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; fi; }
  echo "Targets (issue 3):"
  check "exact BMP vs the exhaustive oracle at k = 10, × faster" "$(ratio "$ex10" "$bmp10")" ">= 20"
  if [ -n "$p50" ] && [ -n "$p99" ]; then
    awk -v a="$p99" -v b="$p50" 'BEGIN { r = a / b; printf "- exact BMP p99 / p50 at k = 10: %.2f (target < 5) %s\n", r, (r < 5 ? "**met**" : "**missed**") }'
  else
    echo "- exact BMP p99 / p50 at k = 10: not measured (target < 5)"
  fi
  check "exact BMP vs Lucene's fastest exact mode at k = 10, × faster" "$(ratio "$l10" "$bmp10")" ">= 30"
  check "exact BMP vs Lucene's fastest exact mode at k = 1000, × faster" "$(ratio "$l1000" "$bmp1000")" ">= 10"
  if [ -n "${rss:-}" ] && [ -n "$postings" ]; then
    awk -v r="$rss" -v p="$postings" 'BEGIN { printf "- spire search peak RSS (exhaustive, k = 10): %.0f MiB; postings x 5 bytes (u32 docid + u8 impact): %.0f MiB\n", r / 1024, p * 5 / 1048576 }'
  fi
} > "$summary"

# ---------------------------------------------------------------- the section
machine="$(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
section=$work/section.md
{
  echo "<!-- bmp-vs-lucene:begin -->"
  echo "Produced by \`DOCS=$docs QUERIES=$queries tests/bench/bmp_vs_lucene.sh\` on $(date -u +%Y-%m-%d) ($machine)."
  echo "Collection: \`spire synth --profile splade --docs $docs --queries $queries --seed $seed --query-terms $qterms\`"
  echo "(SPLADE-like: about 120 non-zeros per document and $qterms per query, u8 weights, topical clusters in"
  echo "docid order). Both indexes are built on one thread (spire: \`OMP_NUM_THREADS=${INDEX_THREADS:-1}\`, 1 rank; Lucene: one"
  echo "IndexWriter thread, then forceMerge(1)). Every search runs on one thread (spire: \`OMP_NUM_THREADS=1\`, 1 rank; Lucene:"
  echo "IndexSearcher without executor, $warmup warm-up queries), latency per query over all $queries queries."
  echo "Recall@10 is against the exact top 10 ($( [ -n "$ref" ] && basename "$ref" .run || echo "none") as qrels, via \`spire eval -M 10 -m recall.10\`);"
  echo "MRR@10 against the synthetic qrels (the query's source document)."
  echo
  cat "$itable"
  echo
  cat "$table"
  echo
  cat "$summary"
  echo "<!-- bmp-vs-lucene:end -->"
} > "$section"
cat "$section"
if [ "${NO_DOC:-0}" = 1 ]; then
  log "NO_DOC=1: docs/benchmarks.md untouched; section in $section"
  exit 0
fi
doc=$root/docs/benchmarks.md
if ! doc_replace_section "$doc" "$section" bmp-vs-lucene; then
  { echo; echo "## Block-Max Pruning beside Lucene 8 (SPLADE-like vectors)"; echo; cat "$section"; } >> "$doc"
fi
log "updated $doc"
