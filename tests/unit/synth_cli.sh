#!/bin/bash
# spire synth end to end: identical bytes across runs, thread counts and rank counts; qrels point
# at existing documents; usage errors exit 2 with one line.
set -u
. "$(dirname "$0")/../lib.sh"
spr_setup # SPIRE, tmp, fail
args=(--profile known-item --docs 300 --queries 50 --seed 11)
spr_synth_everywhere "$tmp" "corpus.jsonl queries.tsv qrels.txt README.md" -- "${args[@]}"
[ "$(wc -l < "$tmp/a/corpus.jsonl")" -eq 300 ] || fail "document count"
[ "$(wc -l < "$tmp/a/queries.tsv")" -eq 50 ] || fail "query count"
[ "$(wc -l < "$tmp/a/qrels.txt")" -eq 50 ] || fail "qrels count"
ls -A "$tmp/a" | grep -q tmp && fail "temporary file left behind"
while read -r qid zero doc grade; do
  grep -q "^{\"id\": \"$doc\"" "$tmp/a/corpus.jsonl" || fail "qrel $qid -> $doc not in corpus"
  [ "$zero $grade" = "0 1" ] || fail "bad qrels line"
  grep -q "^$qid	" "$tmp/a/queries.tsv" || fail "qrel $qid has no query"
done < "$tmp/a/qrels.txt"
"$SPIRE" synth "${args[@]}" --seed 12 --output "$tmp/d" || fail "synth d"
cmp -s "$tmp/a/corpus.jsonl" "$tmp/d/corpus.jsonl" && fail "seed has no effect"
for bad in "--docs x" "--profile bogus" "--bogus 1" "--vocab 5" "--doc-terms 100"; do
  # shellcheck disable=SC2086
  "$SPIRE" synth "${args[@]}" $bad --output "$tmp/e" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "'$bad' exited $rc, not 2"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "'$bad' did not print one line"
done
"$SPIRE" synth --help | grep -q -- "--profile" || fail "--help"
echo "synth cli: ok"
