#!/usr/bin/env bash
# spire tokenize / spire encode end to end on ../shared/golden/splade-tiny: token ids equal to
# tokens.jsonl at max_length 512 and 32, vectors within 1e-5 of vectors.jsonl with the same
# non-zero set (BF16 and F16 weights against their own files), identical bytes at 1 and 2 ranks,
# --top-n / --min-weight pruning, inference-free --query with an idf.json, and a clear error for a
# missing tensor. Exits 77 without the shared folder or python3 (used only to compare JSON).
# Usage: splade_cli.sh [GOLDEN_FOLDER [MISSING_TENSOR]] (default splade-tiny and a BERT tensor;
# splade_distil.sh runs it on splade-distil-tiny).
set -euo pipefail
G="${SPR_SHARED_DIR:-../shared}/golden/${1:-splade-tiny}"
MISSING=${2:-bert.encoder.layer.1.output.dense.bias}
[ -d "$G" ] || { echo "skip: $G absent"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 absent"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() { if [ "$1" = 1 ]; then "${@:2}"; else "$MPIEXEC" -n "$1" $MPIFLAGS "${@:2}"; fi; }
# A NUL character (escaped \u0000) in a corpus is an error under the default input policy
# (docs/input.md); the golden text holding one is left out here (the API test covers it).
grep -v '\\u0000' "$G/texts.jsonl" > "$T/texts.jsonl"

run 1 "$SPIRE" tokenize --vocab "$G/vocab.txt" --input "$T/texts.jsonl" --output "$T/tok512.jsonl"
run 2 "$SPIRE" tokenize --vocab "$G/vocab.txt" --input "$T/texts.jsonl" --output "$T/tok32.jsonl" --max-length 32
run 1 "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/v1.jsonl" --quiet
run 2 "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/v2.jsonl" --quiet
cmp "$T/v1.jsonl" "$T/v2.jsonl"
run 1 "$SPIRE" encode --model "$G" --weights model.bf16.safetensors --input "$T/texts.jsonl" --output "$T/vbf16.jsonl" --quiet
run 2 "$SPIRE" encode --model "$G" --weights model.f16.safetensors --input "$T/texts.jsonl" --output "$T/vf16.jsonl" --quiet
run 1 "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/vtop.jsonl" --top-n 20 --min-weight 0.05 --quiet

# Inference-free queries: a model folder (links to the golden files) with an idf.json.
mkdir "$T/m"
for f in config.json vocab.txt model.safetensors; do ln -s "$G/$f" "$T/m/$f"; done
printf '{"hello": 2.5, "world": 1.25, "[CLS]": 9, "zzzunknown": 3}\n' > "$T/m/idf.json"
printf 'q1\tHello, world! hello\nq2\tnothing here\n' > "$T/q.tsv"
run 2 "$SPIRE" encode --model "$T/m" --query --input "$T/q.tsv" --output "$T/q.jsonl" --quiet

python3 - "$G" "$T" <<'PY'
import json, sys
G, T = sys.argv[1], sys.argv[2]
load = lambda p: [json.loads(l) for l in open(p, encoding="utf-8")]
toks, texts = load(f"{G}/tokens.jsonl"), load(f"{G}/texts.jsonl")
bad = 0
# texts holding U+0000 were left out of the input (a NUL is an input error)
nul = {t["id"] for t in texts if "\x00" in t["text"]}
toks = [t for t in toks if t["id"] not in nul]
for name, key in (("tok512", "input_ids_512"), ("tok32", "input_ids_32")):
    got = load(f"{T}/{name}.jsonl")
    assert [g["id"] for g in got] == [t["id"] for t in toks], name
    for g, t in zip(got, toks):
        if t["id"] not in nul and g["input_ids"] != t[key]:
            print(f"{name} {t['id']}: {g['input_ids'][:20]} != {t[key][:20]}"); bad += 1
def check(vf, ref):
    global bad
    got, exp = load(f"{T}/{vf}"), [e for e in load(f"{G}/{ref}") if e["id"] not in nul]
    assert [g["id"] for g in got] == [e["id"] for e in exp], vf
    worst = 0.0
    for g, e in zip(got, exp):
        if e["id"] in nul: continue
        a, b = g["vector"], e["vector"]
        if set(a) != set(b):
            print(f"{vf} {e['id']}: non-zero sets differ by {len(set(a) ^ set(b))}"); bad += 1
        d = max(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))
        worst = max(worst, d)
        if d > 1e-5: print(f"{vf} {e['id']}: max abs diff {d:.3g}"); bad += 1
    print(f"{vf} vs {ref}: max abs diff {worst:.3g}")
check("v1.jsonl", "vectors.jsonl")
check("vbf16.jsonl", "vectors.bf16.jsonl")
check("vf16.jsonl", "vectors.f16.jsonl")
full = {g["id"]: g["vector"] for g in load(f"{T}/v1.jsonl")}
for g in load(f"{T}/vtop.jsonl"):
    v, f = g["vector"], full[g["id"]]
    want = sorted((w for w in f.values() if w >= 0.05), reverse=True)[:20]
    if sorted(v.values(), reverse=True) != want:
        print(f"top-n {g['id']}: {len(v)} kept"); bad += 1
q = {g["id"]: g["vector"] for g in load(f"{T}/q.jsonl")}
if q != {"q1": {"hello": 2.5, "world": 1.25}, "q2": {}}:
    print(f"idf queries: {q}"); bad += 1
sys.exit(1 if bad else 0)
PY

# A missing tensor: a clear error naming the file and the tensor, no output file.
python3 - "$G/model.safetensors" "$T/bad/model.safetensors" "$MISSING" <<'PY'
import json, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dst))
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
del h[sys.argv[3]]
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
open(dst, "wb").write(struct.pack("<Q", len(hb)) + hb + b[8 + n:])
PY
ln -s "$G/config.json" "$T/bad/config.json"; ln -s "$G/vocab.txt" "$T/bad/vocab.txt"
if run 2 "$SPIRE" encode --model "$T/bad" --input "$T/texts.jsonl" --output "$T/bad.jsonl" --quiet 2> "$T/err"; then
  echo "encode with a missing tensor succeeded"; exit 1
fi
grep -q "missing tensor '$MISSING'" "$T/err" || { cat "$T/err"; exit 1; }
[ ! -e "$T/bad.jsonl" ] || { echo "partial output left behind"; exit 1; }
ls "$T" | grep -q part && { echo "part files left behind"; exit 1; }
echo "splade CLI golden ($(basename "$G")): ok"
