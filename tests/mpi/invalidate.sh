#!/usr/bin/env bash
# `spire run` knows its inputs by content: a corpus edited in place with the same size and
# modification time (touch -r) makes the rerun rebuild the index; a change of a search setting
# alone reruns search (and the report) but reuses the index; the content hashes do not depend on
# the rank count (a corpus of several 16 MiB pieces, hashed at np 2, matches at np 1 and 3).
# Usage: invalidate.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
spr_setup
export SPR_QUIET=1
mpi() { local n=$1; shift; "$MPIEXEC" -np "$n" $MPIFLAGS "$@"; }
cd "$tmp"
"$SPIRE" synth --profile known-item --docs 2000 --queries 40 --seed 5 --output c > /dev/null
# 40 MiB of blank lines after the records (ignored by the reader): three hash pieces
head -c $((40 << 20)) /dev/zero | tr '\0' '\n' >> c/corpus.jsonl
spr_known_item_job job.ini out inv
run() { # run NP LOG: spire run on NP ranks, stderr to LOG
  mpi "$1" "$SPIRE" run job.ini > /dev/null 2> "$2" || { cat "$2"; fail "spire run on $1 rank(s)"; }
}
ran() { ! grep -q "run: $1: .* up to date, skipped" "$2"; }
run 2 first.log
ran index first.log && ran search first.log || fail "first run skipped a stage"
grep -q "run: index: inputs hashed: 1 file(s), 43\.[0-9] MB" first.log || fail "no hash cost line: $(cat first.log)"
grep -q "^corpus=.*/c/corpus.jsonl size=[0-9]* xxh3=[0-9a-f]\{16\}$" out/.spire/index.manifest ||
  fail "manifest has no content hash: $(head -5 out/.spire/index.manifest)"
for np in 1 3; do
  run "$np" same$np.log
  ! ran index same$np.log && ! ran search same$np.log || fail "np $np did not reuse the stages of np 2 (hash depends on ranks?)"
done
cp out/run.trec first.trec

# one byte of the first document's text changed in place: same size, same mtime
cp -p c/corpus.jsonl orig.jsonl
first=$(head -1 c/corpus.jsonl)
[ "${#first}" -gt 40 ] || fail "first document too short"
pos=$(( ${#first} - 5 ))
ch=${first:$pos:1}
[ "$ch" = x ] && new=y || new=x
printf '%s' "$new" | dd of=c/corpus.jsonl bs=1 seek="$pos" conv=notrunc status=none
touch -r orig.jsonl c/corpus.jsonl
[ "$(stat -c '%s %Y' c/corpus.jsonl)" = "$(stat -c '%s %Y' orig.jsonl)" ] || fail "size or mtime changed"
! cmp -s c/corpus.jsonl orig.jsonl || fail "the edit changed nothing"
run 2 edited.log
ran index edited.log || fail "corpus edited in place (same size and mtime): index not rebuilt"
ran search edited.log || fail "corpus edited in place: search not rerun"

# a search setting alone: search and report rerun, the index is reused
run 2 again.log
! ran index again.log && ! ran search again.log || fail "unchanged job reran a stage"
sed -i 's/^k = 100$/k = 50/' job.ini
run 2 k50.log
! ran index k50.log || fail "a search setting alone rebuilt the index"
ran search k50.log || fail "changed k: search not rerun"
[ "$(awk '$4 > 50' out/run.trec | wc -l)" -eq 0 ] && [ -s out/run.trec ] || fail "run not at k = 50"
[ out/report.json -nt out/.spire/index.manifest ] || fail "report not rewritten"
echo "invalidate: ok"
