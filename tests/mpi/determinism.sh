#!/usr/bin/env bash
# Build the same corpus with np 1, 2, 3 and 4: the index files must compare equal with h5diff
# (every dataset's values and every attribute; HDF5 may place compressed chunks at different file
# offsets depending on the writer count, so the bytes of the container may differ); search each with np 1, 2 and 4: every run must be byte-identical; inspect --verify
# must accept the file. Usage: determinism.sh tiny|vectors|synth|cranfield
set -euo pipefail
what=$1
work=$(mktemp -d /tmp/spire-determinism-XXXXXX)
trap 'rm -rf "$work"' EXIT
mpi() { local np=$1; shift; "$MPIEXEC" -np "$np" $MPIFLAGS "$@"; }
case "$what" in
  tiny) corpus=$SPR_TEST_DATA/tiny.jsonl; queries=$SPR_TEST_DATA/tiny-queries.tsv ;;
  vectors) corpus=$SPR_TEST_DATA/tiny-vectors.jsonl; queries=$SPR_TEST_DATA/tiny-vector-queries.jsonl ;;
  synth)
    "$SPIRE" synth --profile known-item --docs 3000 --queries 200 --seed 7 --output "$work/c" >/dev/null
    corpus=$work/c/corpus.jsonl; queries=$work/c/queries.tsv ;;
  cranfield)
    [ -d "$SPR_SHARED_DIR/data/cranfield" ] || { echo "no shared data: skip"; exit 77; }
    corpus=$SPR_SHARED_DIR/data/cranfield/corpus.jsonl; queries=$SPR_SHARED_DIR/data/cranfield/queries.tsv ;;
esac
export SPR_QUIET=1
for np in 1 2 3 4; do
  mpi $np "$SPIRE" index --input "$corpus" --output "$work/i$np.h5"
done
"$SPIRE" inspect "$work/i1.h5" --verify
for np in 2 3 4; do
  h5diff "$work/i1.h5" "$work/i$np.h5" || { echo "index built with np $np differs from np 1"; exit 1; }
  # h5diff alone passes when it cannot read filtered data: compare the decoded values too
  diff <(h5dump -d /postings/encoded "$work/i1.h5") <(h5dump -d /postings/encoded "$work/i$np.h5" | sed "s|i$np.h5|i1.h5|")
done
# the exhaustive oracle on one rank, then exact BMP (partitioned and replicated) and the oracle on
# 1, 2 and 4 ranks: every run must be the same bytes
"$SPIRE" search --index "$work/i1.h5" --queries "$queries" --k 1000 --output "$work/r1.trec" --algorithm exhaustive
[ -s "$work/r1.trec" ] || { echo "empty run"; exit 1; }
for np in 1 2 4; do
  for mode in "--algorithm exhaustive" "--algorithm bmp" "--algorithm bmp --serving replicated"; do
    for k in 10 1000; do
      mpi $np "$SPIRE" search --index "$work/i1.h5" --queries "$queries" --k $k --output "$work/x.trec" $mode
      "$SPIRE" search --index "$work/i1.h5" --queries "$queries" --k $k --output "$work/o.trec" --algorithm exhaustive
      cmp "$work/o.trec" "$work/x.trec" || { echo "np $np, $mode, k $k differs from the exhaustive oracle"; exit 1; }
    done
  done
done
# the run is well-formed, ranks restart at 1 per query and scores never increase within a query
awk 'NF != 6 { print "bad line " NR; exit 1 }
     $1 != q { q = $1; r = 0; s = 1e18 }
     { r++; if ($4 != r || $5 > s) { print "bad order at line " NR; exit 1 }; s = $5 }' "$work/r1.trec"
h5dump -d /terms/df "$work/i1.h5" > "$work/dump.txt"; grep -q "(0): [1-9]" "$work/dump.txt" || { echo "h5dump cannot read the impacts"; exit 1; }
# the all-to-all in rounds (as for exchanges over 2 GiB), forced with 1000-byte rounds
SPR_TEST_ALLTOALL_CHUNK=1000 mpi 3 "$SPIRE" index --input "$corpus" --output "$work/rounds.h5"
h5diff "$work/i1.h5" "$work/rounds.h5" || { echo "index built with all-to-all rounds differs"; exit 1; }
# small blocks exercise blocks that straddle rank boundaries (the default is 4; 8 and 32 are
# compared too, so that three block sizes are held to the same run)
mpi 3 "$SPIRE" index --input "$corpus" --output "$work/b8.h5" --block-size 8
mpi 3 "$SPIRE" index --input "$corpus" --output "$work/b32.h5" --block-size 32
mpi 2 "$SPIRE" search --index "$work/b32.h5" --queries "$queries" --k 1000 --output "$work/b32.trec"
cmp "$work/r1.trec" "$work/b32.trec" || { echo "block size 32 differs"; exit 1; }
mpi 2 "$SPIRE" search --index "$work/b8.h5" --queries "$queries" --k 1000 --output "$work/b8.trec"
cmp "$work/r1.trec" "$work/b8.trec" || { echo "block size 8 differs"; exit 1; }
# the BMP loader reads /postings/encoded in pieces of 32 MB: forced to pieces of ~300 bytes (one
# term's blocks when they take more), the run is the same
SPR_TEST_READ_PIECE=300 mpi 2 "$SPIRE" search --index "$work/b8.h5" --queries "$queries" --k 1000 --output "$work/b8s.trec"
cmp "$work/r1.trec" "$work/b8s.trec" || { echo "BMP loaded in small pieces differs"; exit 1; }
# at block size 8 and k <= 50 the search loads its postings document-major (docs/bmp.md, "Two
# layouts"): the same runs as the oracle, partitioned and replicated, read in small pieces too
"$SPIRE" search --index "$work/i1.h5" --queries "$queries" --k 10 --output "$work/o10.trec" --algorithm exhaustive
for mode in "" "--serving replicated"; do
  mpi 2 "$SPIRE" search --index "$work/b8.h5" --queries "$queries" --k 10 --output "$work/b8d.trec" --algorithm bmp $mode
  cmp "$work/o10.trec" "$work/b8d.trec" || { echo "block size 8, k 10 ($mode) differs from the oracle"; exit 1; }
done
SPR_TEST_READ_PIECE=300 mpi 1 "$SPIRE" search --index "$work/b8.h5" --queries "$queries" --k 10 --output "$work/b8d.trec"
cmp "$work/o10.trec" "$work/b8d.trec" || { echo "block size 8, k 10, small pieces differs from the oracle"; exit 1; }
echo "ok: $(wc -l < "$work/r1.trec") result lines identical for np 1/2/4, bmp/exhaustive, partitioned/replicated; index equal for np 1-4"
