#!/usr/bin/env python3
"""PyTorch throughput of the same SPLADE encoder as encode_bench.c (reference for the ratio in
docs/benchmarks.md). Plain torch modules (no transformers): BertForMaskedLM's arithmetic, fp32,
inference mode, one padded-free batch of N documents of exactly L tokens.

    encode_bench_torch.py DIR --docs N --lengths 128,256 --threads 1,2
Prints one line per (L, T): "torch L T docs_per_s tokens_per_s". Needs python3-torch, python3-numpy
(Debian); used by tests/bench/encode_bench.sh only."""
import argparse, json, math, struct, time
import numpy as np
import torch

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--docs", type=int, default=8)
ap.add_argument("--lengths", default="128,256")
ap.add_argument("--threads", default="1,2")
ap.add_argument("--batch", type=int, default=8, help="documents per forward pass")
ap.add_argument("--tokens", help="real texts: JSONL of input_ids (spire tokenize), encoded in input order in "
                "padded batches of --batch with an attention mask, as Hugging Face users do")
a = ap.parse_args()

cfg = json.load(open(f"{a.dir}/config.json"))
raw = open(f"{a.dir}/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
base = 8 + n
W = {}
for k, v in hdr.items():
    if k == "__metadata__":
        continue
    b, e = v["data_offsets"]
    W[k] = torch.from_numpy(np.frombuffer(raw, dtype=np.float32, count=(e - b) // 4, offset=base + b).reshape(v["shape"]).copy())

H, NH, NL = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
eps = cfg["layer_norm_eps"]
F = torch.nn.functional

def lin(x, p):
    return F.linear(x, W[p + ".weight"], W[p + ".bias"])

def ln(x, p):
    return F.layer_norm(x, (H,), W[p + ".weight"], W[p + ".bias"], eps)

def splade(ids, mask=None):
    B, L = ids.shape
    h = W["bert.embeddings.word_embeddings.weight"][ids] + W["bert.embeddings.position_embeddings.weight"][:L] \
        + W["bert.embeddings.token_type_embeddings.weight"][0]
    h = ln(h, "bert.embeddings.LayerNorm")
    d = H // NH
    for i in range(NL):
        p = f"bert.encoder.layer.{i}."
        q = lin(h, p + "attention.self.query").view(B, L, NH, d).transpose(1, 2)
        k = lin(h, p + "attention.self.key").view(B, L, NH, d).transpose(1, 2)
        v = lin(h, p + "attention.self.value").view(B, L, NH, d).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(d)
        if mask is not None:
            s = s + (1.0 - mask[:, None, None, :]) * torch.finfo(s.dtype).min
        s = torch.softmax(s, dim=-1)
        c = (s @ v).transpose(1, 2).reshape(B, L, H)
        h1 = ln(lin(c, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
        h = ln(lin(F.gelu(lin(h1, p + "intermediate.dense")), p + "output.dense") + h1, p + "output.LayerNorm")
    t = ln(F.gelu(lin(h, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm")
    logits = F.linear(t, W["bert.embeddings.word_embeddings.weight"], W["cls.predictions.bias"])
    w = torch.log1p(torch.relu(logits))
    if mask is not None:
        w = w * mask[:, :, None]
    return w.amax(dim=1)

if a.tokens:
    seqs = [json.loads(l)["input_ids"] for l in open(a.tokens)][: a.docs]
    batches = []
    for s in range(0, len(seqs), a.batch):
        chunk = seqs[s:s + a.batch]
        L = max(map(len, chunk))
        ids = torch.zeros(len(chunk), L, dtype=torch.long)
        mask = torch.zeros(len(chunk), L)
        for i, x in enumerate(chunk):
            ids[i, :len(x)] = torch.tensor(x)
            mask[i, :len(x)] = 1
        batches.append((ids, mask))
    for T in map(int, a.threads.split(",")):
        torch.set_num_threads(T)
        with torch.inference_mode():
            splade(*batches[0])  # warm-up
            t0 = time.perf_counter()
            for ids, mask in batches:
                splade(ids, mask)
            dt = time.perf_counter() - t0
        print(f"torch-real {T} {len(seqs) / dt:.3f} {sum(map(len, seqs)) / dt:.1f}", flush=True)
    raise SystemExit

g = torch.Generator().manual_seed(1)
for L in map(int, a.lengths.split(",")):
    ids = torch.randint(5, cfg["vocab_size"], (a.docs, L), generator=g)
    for T in map(int, a.threads.split(",")):
        torch.set_num_threads(T)
        with torch.inference_mode():
            splade(ids[: min(a.batch, a.docs)])  # warm-up
            t0 = time.perf_counter()
            for s in range(0, a.docs, a.batch):
                splade(ids[s:s + a.batch])
            dt = time.perf_counter() - t0
        print(f"torch {L} {T} {a.docs / dt:.3f} {a.docs * L / dt:.1f}", flush=True)
