#!/usr/bin/env bash
# SPLADE encoding benchmark (by hand, not ctest): spire's forward pass on a BERT-base-shaped random
# model beside the sgemm peak and, when Debian's python3-torch is installed, PyTorch on the same
# weights. Usage: tests/bench/encode_bench.sh BUILD_DIR [DOCS] [MODEL_DIR]
# Prints a Markdown table (the one in docs/benchmarks.md between the encode markers).
set -euo pipefail
B=${1:?usage: encode_bench.sh BUILD_DIR [DOCS] [MODEL_DIR]}
DOCS=${2:-8}
M=${3:-/tmp/spr-bench-bert-base}
BENCH=$(find "$B" -name spr_encode_bench -type f | head -1)
[ -x "$BENCH" ] || { echo "build spr_encode_bench first (cmake --build $B --target spr_encode_bench)"; exit 1; }
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
