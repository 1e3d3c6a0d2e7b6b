#!/usr/bin/env bash
# SPLADE encoding benchmark (by hand, not ctest): spire's forward pass on a BERT-base-shaped random
# model beside the sgemm peak and, when Debian's python3-torch is installed, PyTorch on the same
# weights. Usage: tests/bench/encode_bench.sh BUILD_DIR [DOCS] [MODEL_DIR]
#        REAL=500 [ROUNDS=3] tests/bench/encode_bench.sh BUILD_DIR - [MODEL_DIR]
# Prints a Markdown table (the one in docs/benchmarks.md between the encode markers).
#
# REAL=N [LAYERS=6]: real texts instead (docs/benchmarks.md, "SPLADE encoding at reduced precision"): N/2
# passages each of SciFact and TIME (../shared/data, natural lengths, at most 256 tokens), the
# same random BERT-base weights with the bert-base-uncased vocabulary; spire at f32 and
# --precision int8 (tests/bench/encode_real.c, rounds interleaved, median of ROUNDS) against
# PyTorch f32 in padded batches of 32 with an attention mask, at 1 and 2 threads; ROUNDS (default
# 3) alternate spire and PyTorch runs so that a busy machine slows both alike.
set -euo pipefail
B=${1:?usage: encode_bench.sh BUILD_DIR [DOCS] [MODEL_DIR]}
DOCS=${2:-8}
M=${3:-/tmp/spr-bench-bert-base}
BENCH=$(find "$B" -name spr_encode_bench -type f | head -1)
[ -x "$BENCH" ] || { echo "build spr_encode_bench first (cmake --build $B --target spr_encode_bench)"; exit 1; }
if [ -n "${REAL:-}" ]; then
  REALB=$(find "$B" -name spr_encode_real -type f | head -1)
  SPIRE=$(find "$B" -maxdepth 1 -name spire -type f | head -1)
  S=${SPR_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}/data
  W=$(mktemp -d)
  trap 'rm -rf "$W"' EXIT
  [ -f "$M/model.safetensors" ] || "$BENCH" "$M" --docs 1 --lengths 8 --threads 1 > /dev/null
  mkdir "$W/m"
  ln -s "$M/model.safetensors" "$W/m/"
  # LAYERS=6: the first 6 layers only, DistilBERT-base's shape (same matrices, half the layers)
  /usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); n = int(sys.argv[3] or 0)
if n: c["num_hidden_layers"] = n
json.dump(c, open(sys.argv[2], "w"))' "$M/config.json" "$W/m/config.json" "${LAYERS:-}"
  ln -s "$S/bert-base-uncased-vocab.txt" "$W/m/vocab.txt"
  { head -n $((REAL / 2)) "$S/scifact/corpus.jsonl"; head -n $((REAL - REAL / 2)) "$S/time/corpus.jsonl"; } > "$W/texts.jsonl"
  "$SPIRE" tokenize --vocab "$W/m/vocab.txt" --input "$W/texts.jsonl" --output "$W/tok.jsonl" --max-length 256
  echo "| threads | spire f32 docs/s | spire int8 docs/s | PyTorch f32 docs/s | int8 / f32 | f32 / PyTorch | int8 / PyTorch | int8 top-32 overlap (mean, min) | int8 rel. L2 (mean, max) |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for T in 1 2; do
    for r in $(seq "${ROUNDS:-3}"); do
      "$REALB" "$W/m" "$W/texts.jsonl" --max-length 256 --threads $T --reps 1 --precisions f32,int8 >> "$W/spire$T"
      OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T /usr/bin/python3 "$(dirname "$0")/encode_bench_torch.py" "$W/m" \
        --tokens "$W/tok.jsonl" --docs "$REAL" --threads $T --batch 32 >> "$W/torch$T"
    done
    med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    F=$(awk -F'|' '$2 ~ /^ f32 / {print $4}' "$W/spire$T" | med)
    I=$(awk -F'|' '$2 ~ /^ int8 / {print $4}' "$W/spire$T" | med)
    P=$(awk '{print $3}' "$W/torch$T" | med)
    FID=$(awk -F'|' '$2 ~ /^ int8 / {o=$9; m=$10; r=$7; x=$8} END {gsub(/ /,"",o); gsub(/ /,"",m); gsub(/ /,"",r); gsub(/ /,"",x); print o ", " m " | " r ", " x}' "$W/spire$T")
    awk -v t=$T -v f="$F" -v i="$I" -v p="$P" -v fid="$FID" 'BEGIN {printf "| %d | %.2f | %.2f | %.3f | %.2fx | %.2fx | %.2fx | %s |\n", t, f, i, p, i/f, f/p, i/p, fid}'
  done
  exit 0
fi
OUT=$("$BENCH" "$M" --docs "$DOCS" --lengths 128,256 --threads 1,2)
PY=/usr/bin/python3
if $PY -c 'import torch, numpy' 2>/dev/null; then
  # Debian's torch multiplies through OpenBLAS, whose pool ignores torch.set_num_threads: pin both.
  TORCH=$(for T in 1 2; do OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T $PY "$(dirname "$0")/encode_bench_torch.py" \
    "$M" --docs "$DOCS" --lengths 128,256 --threads $T --batch "$DOCS"; done)
  TV=$($PY -c 'import torch; print(torch.__version__)')
else
  TORCH=""
  TV="not installed"
fi
echo "$OUT" | head -1
echo "PyTorch: $TV (fp32, one batch of $DOCS documents, torch.inference_mode)"
echo
echo "| tokens/doc | threads | docs/s | tokens/s | GFLOP/s (all) | GFLOP/s (encoder) | sgemm peak GFLOP/s | encoder / peak | PyTorch docs/s | spire / PyTorch |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "$OUT" | grep -E '^\| [0-9]' | while IFS='|' read -r _ L T N DS TS GA GE PK EP _; do
  L=$(echo $L); T=$(echo $T); DS=$(echo $DS)
  TD=$(echo "$TORCH" | awk -v l="$L" -v t="$T" '$2==l && $3==t {print $4}')
  if [ -n "$TD" ]; then R=$(awk -v a="$DS" -v b="$TD" 'BEGIN{printf "%.2fx", a/b}'); else TD="-"; R="-"; fi
  echo "| $L | $T | $DS | $(echo $TS) | $(echo $GA) | $(echo $GE) | $(echo $PK) | $(echo $EP) | $TD | $R |"
done
