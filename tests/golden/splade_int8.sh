#!/usr/bin/env bash
# spire encode --precision int8 on ../shared/golden/splade-tiny: fidelity against the float64
# reference vectors.jsonl over the 41 texts without a NUL: mean top-32 overlap >= 0.95 (every text
# >= 0.90) and relative L2 error <= 0.04 for every text (measured: overlap mean 0.988, min 0.94;
# rel. L2 mean 0.022, max 0.026; docs/encode.md "Precision"); identical bytes at 1 and 2 ranks and
# with --batch-tokens (integer sums are exact, so int8 vectors do not depend on the batch); spire
# index --precision int8 builds; an unknown precision is a usage error. Without AVX512-VNNI spire
# must say it falls back to f32 and give the f32 bytes. Exits 77 without the shared folder or python3.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
G="${SPR_SHARED_DIR:-../shared}/golden/splade-tiny"
if [ ! -d "$G" ] || ! command -v python3 >/dev/null; then echo "skip: $G or python3 absent"; exit 77; fi
spr_setup
T=$tmp
grep -v '\\u0000' "$G/texts.jsonl" > "$T/texts.jsonl" # a NUL is an input error (docs/input.md)
"$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/f32.jsonl" --quiet
"$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/i1.jsonl" --precision int8 2> "$T/err1"
"$MPIEXEC" -n 2 $MPIFLAGS "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/i2.jsonl" \
  --precision int8 --quiet
"$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/ib.jsonl" --precision int8 --batch-tokens 4096 --quiet
cmp "$T/i1.jsonl" "$T/i2.jsonl"
cmp "$T/i1.jsonl" "$T/ib.jsonl"
if grep -q "needs AVX512-VNNI" "$T/err1"; then
  cmp "$T/i1.jsonl" "$T/f32.jsonl"
  echo "int8: this CPU has no AVX512-VNNI: fell back to f32 as it said"
  exit 0
fi
grep -q "int8 products" "$T/err1" || { cat "$T/err1"; echo "encode did not report int8"; exit 1; }
if "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/x.jsonl" --precision int4 2> "$T/err"; then
  echo "--precision int4 accepted"; exit 1
fi
grep -q "int4" "$T/err" || { cat "$T/err"; exit 1; }
"$SPIRE" index --input "$T/texts.jsonl" --output "$T/i.h5" --encoder "$G" --precision int8 --quiet

python3 - "$G" "$T" <<'PY'
import json, math, sys
G, T = sys.argv[1], sys.argv[2]
load = lambda p: {r["id"]: r["vector"] for r in map(json.loads, open(p, encoding="utf-8"))}
ref, got = load(f"{G}/vectors.jsonl"), load(f"{T}/i1.jsonl")
top = lambda v: set(sorted(v, key=lambda k: (-v[k], k))[:32])
rels, ovs = [], []
for i, g in got.items():
    r = ref[i]
    d = math.sqrt(sum((g.get(k, 0.0) - r.get(k, 0.0)) ** 2 for k in set(g) | set(r)))
    n = math.sqrt(sum(x * x for x in r.values()))
    rels.append(d / n)
    tr = top(r)
    ovs.append(len(tr & top(g)) / len(tr))
mo = sum(ovs) / len(ovs)
print(f"int8 vs float64 reference, {len(got)} texts: rel. L2 mean {sum(rels)/len(rels):.4f} max {max(rels):.4f}; "
      f"top-32 overlap mean {mo:.4f} min {min(ovs):.4f}")
ok = mo >= 0.95 and min(ovs) >= 0.90 and max(rels) <= 0.04
sys.exit(0 if ok else 1)
PY
echo "splade int8 golden: ok"
