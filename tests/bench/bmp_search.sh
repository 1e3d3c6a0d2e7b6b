#!/bin/sh
# bmp_search.sh: single-thread latency of `spire search` on one index: exhaustive, exact BMP and
# approximate BMP settings at k = 10 and 1000, recall@10 of every run against the exhaustive top 10,
# peak RSS. Each configuration runs REPEAT times; the table shows every run's mean/p50/p99 (the
# machine is shared, so repeat and compare). Not a test (timings); docs/bmp.md.
#   tests/bench/bmp_search.sh SPIRE INDEX.h5 QUERIES.jsonl [WORKDIR]
# Environment: KS ("10 1000"), REPEAT (2), APPROX ("--alpha=0.9 --alpha=0.8,--beta=0.5").
set -eu
SPIRE=$1 INDEX=$2 QUERIES=$3 WORK=${4:-$(mktemp -d)}
KS=${KS:-"10 1000"} REPEAT=${REPEAT:-2} APPROX=${APPROX:-"--alpha=0.9 --alpha=0.8,--beta=0.5"}
mkdir -p "$WORK"
lat() { sed -n 's/.*latency mean \([0-9.]*\) ms p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\1 \2 \3/p' "$1"; }
run() { # name k args...
  name=$1 k=$2; shift 2
  i=1; cells=""
  while [ "$i" -le "$REPEAT" ]; do
    OMP_NUM_THREADS=1 /usr/bin/time -f "%M" -o "$WORK/$name-$k.rss" "$SPIRE" search --index "$INDEX" \
      --queries "$QUERIES" --k "$k" --output "$WORK/$name-$k.run" "$@" 2>"$WORK/$name-$k.log"
    l=$(lat "$WORK/$name-$k.log"); cells="$cells$(echo "$l" | awk '{printf "%s / %s / %s<br>", $1, $2, $3}')"
    i=$((i + 1))
  done
  [ -f "$WORK/exact-$k.qrels" ] || awk '$4 <= 10 {print $1, 0, $3, 1}' "$WORK/$name-$k.run" > "$WORK/exact-$k.qrels"
  rec=$("$SPIRE" eval --qrels "$WORK/exact-$k.qrels" --run "$WORK/$name-$k.run" -M 10 -m recall.10 | awk '$2 == "all" {print $3}')
  same=$(cmp -s "$WORK/exhaustive-$k.run" "$WORK/$name-$k.run" && echo yes || echo no)
  echo "| $k | $name ($*) | ${cells%<br>} | $rec | $same | $(($(cat "$WORK/$name-$k.rss") / 1024)) |"
}
echo "| k | algorithm | mean / p50 / p99 ms (each run) | recall@10 vs exact | run identical to exhaustive | peak RSS MiB |"
echo "| ---: | --- | --- | ---: | --- | ---: |"
for k in $KS; do
  run exhaustive "$k" --algorithm exhaustive
  run bmp "$k" --algorithm bmp
  n=0
  for a in $APPROX; do
    n=$((n + 1))
    # shellcheck disable=SC2046
    run "approx$n" "$k" --algorithm bmp $(echo "$a" | tr ',=' '  ')
  done
done
