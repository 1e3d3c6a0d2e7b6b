#!/usr/bin/env bash
# DistilBERT checkpoints against ../shared/golden/splade-distil-tiny: first everything
# golden_splade_cli checks for BERT (splade_cli.sh: token ids at 512 and 32, F32 / BF16 / F16
# vectors within 1e-5 of their own reference files with the same non-zero sets, 1 and 2 ranks
# byte-identical, pruning, idf.json queries, a missing tensor named), then: SPLADE queries (no
# idf.json) equal the documents' vectors; the projector's tying rules (an identical
# vocab_projector.weight is tolerated, a different one refused, tie_word_embeddings false requires
# it and uses it); and configs the forward pass does not implement are refused with a message
# naming what (model_type roberta and an unknown one, a RoBERTa architecture, activation relu,
# sinusoidal positions). Exits 77 without the shared folder or python3.
set -euo pipefail
G="${SPR_SHARED_DIR:-../shared}/golden/splade-distil-tiny"
[ -d "$G" ] || { echo "skip: $G absent"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 absent"; exit 77; }
bash "$(dirname "$0")/splade_cli.sh" splade-distil-tiny distilbert.transformer.layer.1.ffn.lin2.bias
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() { if [ "$1" = 1 ]; then "${@:2}"; else "$MPIEXEC" -n "$1" $MPIFLAGS "${@:2}"; fi; }
grep -v '\\u0000' "$G/texts.jsonl" > "$T/texts.jsonl"
head -3 "$T/texts.jsonl" > "$T/three.jsonl"

# SPLADE queries: without idf.json a query goes through the same forward pass as a document.
run 1 "$SPIRE" encode --model "$G" --input "$T/texts.jsonl" --output "$T/docs.jsonl" --quiet
run 2 "$SPIRE" encode --model "$G" --query --input "$T/texts.jsonl" --output "$T/queries.jsonl" --quiet
cmp "$T/docs.jsonl" "$T/queries.jsonl"
run 1 "$SPIRE" encode --model "$G" --input "$T/three.jsonl" --output "$T/three-ref.jsonl" --quiet

# A model folder NAME whose config.json is the golden one with PATCH (a JSON object) applied, and
# whose weights are the golden ones, or (PROJ = same / other) a copy with a vocab_projector.weight
# equal to the word embeddings or not.
folder() {
  mkdir "$T/$1"
  ln -s "$G/vocab.txt" "$T/$1/vocab.txt"
  python3 - "$G" "$T/$1" "$2" "${3:-}" <<'PY'
import json, struct, sys
G, D, patch, proj = sys.argv[1:5]
cfg = json.load(open(f"{G}/config.json"))
for k, v in json.loads(patch).items():
    if v is None: cfg.pop(k, None)
    else: cfg[k] = v
json.dump(cfg, open(f"{D}/config.json", "w"))
b = open(f"{G}/model.safetensors", "rb").read()
if not proj:
    open(f"{D}/model.safetensors", "wb").write(b)
    sys.exit(0)
n = struct.unpack("<Q", b[:8])[0]
h, data = json.loads(b[8:8 + n]), bytearray(b[8 + n:])
e = h["distilbert.embeddings.word_embeddings.weight"]
w = bytearray(data[e["data_offsets"][0]:e["data_offsets"][1]])
if proj == "other": w = w[4 * e["shape"][1]:] + w[:4 * e["shape"][1]]  # rows shifted by one token
h["vocab_projector.weight"] = {"dtype": "F32", "shape": e["shape"], "data_offsets": [len(data), len(data) + len(w)]}
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
open(f"{D}/model.safetensors", "wb").write(struct.pack("<Q", len(hb)) + hb + bytes(data) + bytes(w))
PY
}
# expect_refused FOLDER TEXT: spire encode fails, names TEXT, leaves no output.
expect_refused() {
  if run 1 "$SPIRE" encode --model "$T/$1" --input "$T/three.jsonl" --output "$T/$1.out" --quiet 2> "$T/err"; then
    echo "$1: encode succeeded"; exit 1
  fi
  grep -qF "$2" "$T/err" || { echo "$1: message lacks '$2':"; cat "$T/err"; exit 1; }
  [ ! -e "$T/$1.out" ] || { echo "$1: output left behind"; exit 1; }
}

folder same '{}' same
run 1 "$SPIRE" encode --model "$T/same" --input "$T/three.jsonl" --output "$T/same.jsonl" --quiet
cmp "$T/three-ref.jsonl" "$T/same.jsonl"
folder other '{}' other
expect_refused other "tensor 'vocab_projector.weight' differs from the word embeddings"
folder untied-missing '{"tie_word_embeddings": false}'
expect_refused untied-missing "missing tensor 'vocab_projector.weight'"
folder untied '{"tie_word_embeddings": false}' other
run 1 "$SPIRE" encode --model "$T/untied" --input "$T/three.jsonl" --output "$T/untied.jsonl" --quiet
if cmp -s "$T/three-ref.jsonl" "$T/untied.jsonl"; then echo "untied projector not used"; exit 1; fi

folder roberta '{"model_type": "roberta", "architectures": ["RobertaForMaskedLM"]}'
expect_refused roberta 'model_type "roberta" is not supported'
folder unknown '{"model_type": "xlm-megatron"}'
expect_refused unknown 'model_type "xlm-megatron" is not supported'
folder arch '{"architectures": ["RobertaForMaskedLM"]}'
expect_refused arch 'architecture "RobertaForMaskedLM" is not supported'
folder relu '{"activation": "relu"}'
expect_refused relu 'activation "relu" is not supported'
folder sinusoidal '{"sinusoidal_pos_embds": true}'
expect_refused sinusoidal 'sinusoidal_pos_embds true is not supported'
# model_type absent: the kind comes from architectures.
folder no-type '{"model_type": null}'
run 1 "$SPIRE" encode --model "$T/no-type" --input "$T/three.jsonl" --output "$T/no-type.jsonl" --quiet
cmp "$T/three-ref.jsonl" "$T/no-type.jsonl"
echo "splade DistilBERT golden: ok"
