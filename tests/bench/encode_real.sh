#!/usr/bin/env bash
# SPLADE encoding of real passages (by hand, not ctest): the first N passages of SciFact and of TIME
# (../shared/data) through `spire encode` at 1 and 2 threads, one text per pass and packed
# (--batch-tokens 2048), with wall and user CPU time (the steadier figure on a shared machine).
# MODEL_DIR: e.g. the BERT-base-shaped model encode_bench writes, with the real vocab.txt copied in
# (cp ../shared/data/bert-base-uncased-vocab.txt DIR/vocab.txt). Prints a Markdown table; keeps the
# outputs in OUT_DIR (default a temp folder) for byte comparisons between builds.
# Usage: tests/bench/encode_real.sh SPIRE MODEL_DIR [N] [MAX_LENGTH] [OUT_DIR]
set -euo pipefail
SPIRE=${1:?usage: encode_real.sh SPIRE MODEL_DIR [N] [MAX_LENGTH] [OUT_DIR]}
M=${2:?model dir}
N=${3:-50}
LEN=${4:-256}
D="${SPR_SHARED_DIR:-../shared}/data"
OUT=${5:-$(mktemp -d)}
mkdir -p "$OUT"
{ head -n "$N" "$D/scifact/corpus.jsonl"; head -n "$N" "$D/time/corpus.jsonl"; } > "$OUT/passages.jsonl"
docs=$(wc -l < "$OUT/passages.jsonl")
echo "| threads | --batch-tokens | wall s | docs/s (wall) | user CPU s | docs per CPU second |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for T in 1 2; do
  for BT in 0 2048; do
    t=$( { OMP_NUM_THREADS=$T /usr/bin/time -f '%e %U' "$SPIRE" encode --model "$M" --input "$OUT/passages.jsonl" \
           --output "$OUT/T$T-bt$BT.jsonl" --max-length "$LEN" --batch-tokens "$BT" --quiet; } 2>&1 | tail -1)
    echo "$t" | awk -v T="$T" -v B="$BT" -v n="$docs" '{printf "| %d | %d | %.1f | %.2f | %.1f | %.2f |\n", T, B, $1, n/$1, $2, n/$2}'
  done
done
echo "outputs: $OUT"
