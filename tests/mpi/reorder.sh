#!/usr/bin/env bash
# Document reordering (spire index --reorder bp, docs/reorder.md):
# - a shuffled splade collection reordered with np 1, 2, 3 and 4 gives equal indexes (h5diff and the
#   decoded postings and permutation), which inspect --verify accepts;
# - /docs/input_docid is a permutation that is not the identity, and the reordered index is smaller;
# - exact search (BMP and exhaustive, k 10 and 100) on the reordered index equals the search on the
#   unreordered one: per query the same scores and the same documents above the k-th score (documents
#   with equal scores may swap: ties break by docid); the comparator is shown to catch a difference;
# - a text corpus (BM25) reorders the same with np 1 and 3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/spire-reorder-XXXXXX)
trap 'rm -rf "$work"' EXIT
mpi() { local np=$1; shift; "$MPIEXEC" -np "$np" $MPIFLAGS "$@"; }
export HDF5_PLUGIN_PATH=$SPR_BUILD_DIR/plugins SPR_QUIET=1
cmp_runs() { awk -f "$here/reorder_cmp.awk" "$1" "$2"; }

"$SPIRE" synth --profile splade --docs 3000 --queries 60 --seed 11 --shuffle --output "$work/c" >/dev/null
corpus=$work/c/docs.jsonl; queries=$work/c/queries.jsonl
"$SPIRE" index --input "$corpus" --output "$work/plain.h5"
for np in 1 2 3 4; do
  mpi $np "$SPIRE" index --input "$corpus" --output "$work/bp$np.h5" --reorder bp --bp-iterations 12
done
"$SPIRE" inspect "$work/bp1.h5" --verify >/dev/null
for np in 2 3 4; do
  h5diff "$work/bp1.h5" "$work/bp$np.h5" || { echo "reordered index built with np $np differs from np 1"; exit 1; }
  for d in /postings/encoded /docs/input_docid /docs/ids; do
    diff <(h5dump -d $d "$work/bp1.h5" | sed 1d) <(h5dump -d $d "$work/bp$np.h5" | sed 1d) >/dev/null ||
      { echo "np $np: $d differs"; exit 1; }
  done
done
# the permutation: every input docid once, not in input order
h5dump -w 0 -y -d /docs/input_docid "$work/bp1.h5" | awk '/DATA \{/ && !done { on = 1; next } on && /\}/ { on = 0; done = 1 }
  on { gsub(/[ ,]/, " "); for (i = 1; i <= NF; i++) { v[n++] = $i } }
  END { if (n != 3000) { print "input_docid has " n " entries"; exit 1 }
        for (i = 0; i < n; i++) { if (seen[v[i]]++ || v[i] < 0 || v[i] >= n) { print "not a permutation at " i; exit 1 }; if (v[i] != i) moved++ }
        if (moved < n / 2) { print "hardly reordered: " moved; exit 1 } }'
h5dump -d /docs/input_docid "$work/plain.h5" >/dev/null 2>&1 && { echo "an unreordered index has /docs/input_docid"; exit 1; }
s0=$(stat -c %s "$work/plain.h5"); s1=$(stat -c %s "$work/bp1.h5")
[ "$s1" -lt "$s0" ] || { echo "reordered index not smaller: $s1 >= $s0 bytes"; exit 1; }
# exact search: the same documents and scores
for alg in bmp exhaustive; do
  for k in 10 100; do
    "$SPIRE" search --index "$work/plain.h5" --queries "$queries" --k $k --algorithm $alg --output "$work/p.trec"
    mpi 2 "$SPIRE" search --index "$work/bp1.h5" --queries "$queries" --k $k --algorithm $alg --output "$work/r.trec"
    [ "$(wc -l < "$work/p.trec")" -ge $((60 * k / 2)) ] || { echo "short run"; exit 1; }
    cmp_runs "$work/p.trec" "$work/r.trec" || { echo "$alg k=$k: reordered run differs"; exit 1; }
  done
done
# the comparator fails on a changed document above the k-th score and on a changed score
awk 'NR == 1 { $3 = "nosuchdoc" } { print }' "$work/r.trec" > "$work/bad1.trec"
awk 'NR == 2 { $5 = $5 + 1 } { print }' "$work/r.trec" > "$work/bad2.trec"
for b in bad1 bad2; do
  if cmp_runs "$work/p.trec" "$work/$b.trec" >/dev/null; then echo "comparator missed $b"; exit 1; fi
done
# a text corpus through BM25
"$SPIRE" synth --profile known-item --docs 1500 --queries 40 --seed 5 --shuffle --output "$work/t" >/dev/null
"$SPIRE" index --input "$work/t/corpus.jsonl" --output "$work/tplain.h5"
mpi 1 "$SPIRE" index --input "$work/t/corpus.jsonl" --output "$work/tbp1.h5" --reorder bp --bp-min-docs 16
mpi 3 "$SPIRE" index --input "$work/t/corpus.jsonl" --output "$work/tbp3.h5" --reorder bp --bp-min-docs 16
h5diff "$work/tbp1.h5" "$work/tbp3.h5" || { echo "BM25: np 3 differs from np 1"; exit 1; }
"$SPIRE" search --index "$work/tplain.h5" --queries "$work/t/queries.tsv" --k 50 --algorithm bmp --output "$work/tp.trec"
"$SPIRE" search --index "$work/tbp3.h5" --queries "$work/t/queries.tsv" --k 50 --algorithm bmp --output "$work/tr.trec"
cmp_runs "$work/tp.trec" "$work/tr.trec" || { echo "BM25: reordered run differs"; exit 1; }
echo "ok: reordered indexes equal for np 1-4; exact runs equal up to ties; index $s0 -> $s1 bytes"
