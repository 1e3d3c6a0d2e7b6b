#!/usr/bin/env bash
# make_index_seeds.sh SPIRE [OUTDIR]: write the seed inputs of index_fuzz (tests/fuzz/corpus/index):
# small valid indexes built by spire from tests/data/tiny.jsonl (uncompressed and zstd, block
# sizes 8 and 16), plus copies damaged at fixed offsets (truncated, bytes flipped in the middle).
set -euo pipefail
spire=$1
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/corpus/index}
data=$here/../data
mkdir -p "$out"
work=$(mktemp -d /tmp/spr-index-seeds-XXXXXX)
trap 'rm -rf "$work"' EXIT
export SPR_QUIET=1 OMP_NUM_THREADS=1
"$spire" index --input "$data/tiny.jsonl" --output "$work/raw8.h5" --zstd-level 0 --block-size 8 --quiet
"$spire" index --input "$data/tiny.jsonl" --output "$work/zstd16.h5" --zstd-level 3 --block-size 16 --quiet
"$spire" index --input "$data/tiny.tsv" --output "$work/tsv8.h5" --zstd-level 0 --block-size 8 --bits 4 --quiet
cp "$work/raw8.h5" "$out/valid-raw-bs8"
cp "$work/zstd16.h5" "$out/valid-zstd-bs16"
cp "$work/tsv8.h5" "$out/valid-tsv-bits4"
size=$(stat -c %s "$work/raw8.h5")
head -c $((size / 2)) "$work/raw8.h5" > "$out/truncated-half"
head -c $((size - 100)) "$work/zstd16.h5" > "$out/truncated-tail"
# flip one byte at a few offsets (metadata near the start, data further in)
for at in 600 $((size / 3)) $((size * 2 / 3)) $((size - 200)); do
  cp "$work/raw8.h5" "$out/flip-$at"
  printf '\xA5' | dd of="$out/flip-$at" bs=1 seek="$at" conv=notrunc status=none
done
ls -l "$out"
