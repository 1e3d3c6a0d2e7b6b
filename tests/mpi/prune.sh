#!/bin/bash
# Static pruning (docs/pruning.md): every rule keeps exactly what prune_check's oracle computes from
# the unpruned index, the index records how many postings went, the file is the same for 1 and 3
# ranks, and an exact search on a pruned index runs. Usage: prune.sh PRUNE_CHECK
set -u
[ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { # np args...
  local np=$1; shift
  # shellcheck disable=SC2086
  $MPIEXEC -n "$np" $MPIFLAGS "$SPIRE" index --quiet "$@" 2> "$tmp/err" || { cat "$tmp/err"; fail "index $*"; }
}
"$SPIRE" synth --profile splade --docs 2000 --queries 30 --seed 3 --output "$tmp/c" 2> /dev/null || fail synth
run 1 --input "$tmp/c/docs.jsonl" --output "$tmp/full.h5"
for np in 1 3; do
  run $np --input "$tmp/c/docs.jsonl" --output "$tmp/d$np.h5" --prune-top-terms 40 --prune-min-weight 5
  run $np --input "$tmp/c/docs.jsonl" --output "$tmp/l$np.h5" --prune-list-max 25
done
"$check" "$tmp/full.h5" "$tmp/d1.h5" docs 40 5 || fail "document rules"
"$check" "$tmp/full.h5" "$tmp/l1.h5" lists 25 || fail "list cap"
# a rule that removes nothing must say so, and a check that cannot pass must fail
"$check" "$tmp/full.h5" "$tmp/full.h5" lists 1000000 || fail "no-op list cap"
"$check" "$tmp/full.h5" "$tmp/l1.h5" lists 26 > /dev/null 2>&1 && fail "the oracle accepts a wrong cap"
"$check" "$tmp/full.h5" "$tmp/d1.h5" docs 40 4 > /dev/null 2>&1 && fail "the oracle accepts a wrong threshold"
h5diff "$tmp/d1.h5" "$tmp/d3.h5" || fail "document rules: np 1 and 3 differ"
h5diff "$tmp/l1.h5" "$tmp/l3.h5" || fail "list cap: np 1 and 3 differ"
# the stderr summary and the header name the rules
run 1 --input "$tmp/c/docs.jsonl" --output "$tmp/all.h5" --prune-top-terms 40 --prune-min-weight 5 --prune-list-max 25
"$SPIRE" index --input "$tmp/c/docs.jsonl" --output "$tmp/all2.h5" --prune-list-max 25 2>&1 | grep -q "static pruning removed" \
  || fail "no pruning summary on stderr"
h5dump -a /pruning "$tmp/all.h5" | grep -q 'top_terms=40; min_weight=5; list_max=25' || fail "pruning attribute"
"$SPIRE" inspect "$tmp/all.h5" --verify > /dev/null || fail "pruned index does not verify"
# exact BMP equals exhaustive on the pruned index
"$SPIRE" search --index "$tmp/all.h5" --queries "$tmp/c/queries.jsonl" --k 50 --output "$tmp/b.run" --quiet || fail search
"$SPIRE" search --index "$tmp/all.h5" --queries "$tmp/c/queries.jsonl" --k 50 --algorithm exhaustive --output "$tmp/e.run" --quiet \
  || fail search
cmp "$tmp/b.run" "$tmp/e.run" || fail "bmp differs from exhaustive on a pruned index"
"$SPIRE" index --input "$tmp/c/docs.jsonl" --output "$tmp/x.h5" --prune-top-terms -1 2> /dev/null && fail "negative accepted"
echo "prune: ok"
