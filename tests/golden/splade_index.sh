#!/usr/bin/env bash
# SPLADE inside the index build: every rank encodes its documents with the golden splade-tiny
# checkpoint (or the golden folder named by $1, e.g. splade-distil-tiny); the index must be the same for np 1 and 2, hold exactly the golden vectors' terms per
# document, with impacts equal to the golden float64 weights quantized the same way (+-1 for
# weights that sit on a rounding boundary); text queries are encoded by the index's model.
set -euo pipefail
G=$SPR_SHARED_DIR/golden/${1:-splade-tiny}
[ -d "$G" ] || { echo "no $G: skip"; exit 77; }
command -v python3 >/dev/null || { echo "no python3: skip"; exit 77; }
work=$(mktemp -d /tmp/spire-splade-index-XXXXXX)
trap 'rm -rf "$work"' EXIT
export SPR_QUIET=1
# texts without NUL (cJSON stops a string at \u0000; the encoder test covers that text)
grep -v '\\u0000' "$G/texts.jsonl" > "$work/texts.jsonl"
"$MPIEXEC" -np 1 $MPIFLAGS "$SPIRE" index --input "$work/texts.jsonl" --output "$work/i1.h5" --encoder "$G"
"$MPIEXEC" -np 2 $MPIFLAGS "$SPIRE" index --input "$work/texts.jsonl" --output "$work/i2.h5" --encoder "$G"
h5diff "$work/i1.h5" "$work/i2.h5"
"$SPIRE" inspect "$work/i1.h5" --verify | grep -q "encoder         splade"
# compare the index's postings with the golden vectors through h5dump, decoding the posting lists'
# codec blocks (docs/postings.md) here
h5dump -m '%.17g' -y -w 0 -d /terms/bytes -d /terms/offsets -d /terms/posting_offsets -d /docs/ids -d /docs/id_offsets \
  -d /terms/posting_blocks -d /postings/encoded -d /postings/block_offsets \
  -a /score_max "$work/i1.h5" > "$work/dump.txt"
python3 - "$work/dump.txt" "$G/vectors.jsonl" "$work/texts.jsonl" <<'PY'
import json, re, sys
dump = open(sys.argv[1]).read()
def ds(name):
    m = re.search(r'(?:DATASET|ATTRIBUTE) "%s" \{.*?DATA \{\s*(.*?)\s*\}' % re.escape(name), dump, re.S)
    return [float(x) for x in re.findall(r'-?[0-9.eE+-]+', m.group(1))]
tb = bytes(int(x) for x in ds('/terms/bytes')); to = [int(x) for x in ds('/terms/offsets')]
terms = [tb[to[i]:to[i+1]].decode() for i in range(len(to) - 1)]
ib = bytes(int(x) for x in ds('/docs/ids')); io = [int(x) for x in ds('/docs/id_offsets')]
ids = [ib[io[i]:io[i+1]].decode() for i in range(len(io) - 1)]
enc = bytes(int(x) for x in ds('/postings/encoded')); bo = [int(x) for x in ds('/postings/block_offsets')]
pb = [int(x) for x in ds('/terms/posting_blocks')]; po = [int(x) for x in ds('/terms/posting_offsets')]
smax = ds('score_max')[0]
def block(j, n):  # width u8, first docid u32 LE, n - 1 deltas - 1 of width bits (LSB first), n impacts
    a = bo[j]; w = enc[a]; first = int.from_bytes(enc[a + 1:a + 5], 'little'); nb = ((n - 1) * w + 7) // 8
    bits = int.from_bytes(enc[a + 5:a + 5 + nb], 'little'); docs = [first]
    for i in range(n - 1): docs.append(docs[-1] + ((bits >> (i * w)) & ((1 << w) - 1)) + 1)
    assert a + 5 + nb + n == bo[j + 1], "block %d: %d bytes" % (j, bo[j + 1] - a)
    return docs, list(enc[a + 5 + nb:a + 5 + nb + n])
got = {}
for t in range(len(terms)):
    left = po[t + 1] - po[t]
    for j in range(pb[t], pb[t + 1]):
        docs, imps = block(j, min(128, left)); left -= len(docs)
        for d, i in zip(docs, imps): got.setdefault(ids[d], {})[terms[t]] = i
keep = {json.loads(l)['id'] for l in open(sys.argv[3])}
gold = {o['id']: o['vector'] for o in map(json.loads, open(sys.argv[2])) if o['id'] in keep}
gmax = max(max(v.values()) for v in gold.values())
assert abs(gmax - smax) < 1e-5, (gmax, smax)
bad = 0
for d, vec in gold.items():
    assert set(vec) == set(got.get(d, {})), "doc %s: term sets differ" % d
    for t, w in vec.items():
        q = 1 + round(w / gmax * 254)
        if abs(got[d][t] - q) > 1: bad += 1
assert bad == 0, "%d impacts off by more than 1" % bad
print("ok: %d documents, %d postings equal to the quantized golden vectors" % (len(gold), sum(map(len, gold.values()))))
PY
python3 -c "
import json
for l in open('$work/texts.jsonl'):
    o = json.loads(l); print(o['id'] + '\t' + ' '.join(o['text'].split())[:300])" > "$work/queries.tsv"
"$MPIEXEC" -np 2 $MPIFLAGS "$SPIRE" search --index "$work/i1.h5" --queries "$work/queries.tsv" --k 10 --output "$work/r2.trec"
"$SPIRE" search --index "$work/i1.h5" --queries "$work/queries.tsv" --k 10 --output "$work/r1.trec" --algorithm exhaustive
[ -s "$work/r1.trec" ]
cmp "$work/r1.trec" "$work/r2.trec"
echo "ok: splade index identical for np 1/2, text queries encoded, bmp np 2 == exhaustive np 1"
