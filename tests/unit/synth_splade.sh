#!/bin/bash
# spire synth --profile splade end to end: identical bytes across runs, thread counts and rank
# counts; file counts; mean non-zeros near the targets; integer weights in [1, 255]; qrels point at
# existing documents and queries; the inference-free shape; --vocab-file; usage errors.
set -u
. "$(dirname "$0")/../lib.sh"
spr_setup # SPIRE, tmp, fail
args=(--profile splade --docs 3000 --queries 200 --seed 5)
spr_synth_everywhere "$tmp" "docs.jsonl queries.jsonl qrels.txt README.md" -- "${args[@]}"
ls -A "$tmp/a" | grep -q tmp && fail "temporary file left behind"
[ "$(wc -l < "$tmp/a/docs.jsonl")" -eq 3000 ] || fail "document count"
[ "$(wc -l < "$tmp/a/queries.jsonl")" -eq 200 ] || fail "query count"
[ "$(wc -l < "$tmp/a/qrels.txt")" -eq 200 ] || fail "qrels count"
head -1 "$tmp/a/docs.jsonl" | grep -q '^{"id": "d0000001", "vector": {"' || fail "document line format"
head -1 "$tmp/a/queries.jsonl" | grep -q '^{"id": "q1", "vector": {"' || fail "query line format"
# Entries: "token": integer. Mean non-zeros and the weight range, with awk over the entries.
stats() {
  awk '{ line = $0; sub(/^\{"id": "[^"]*", "vector": \{/, "", line); sub(/\}\}$/, "", line)
         n = split(line, e, ", ")
         for (k = 1; k <= n; k++) {
           if (e[k] !~ /^"[^"]+": [0-9]+$/) { print "bad entry: " e[k]; exit 1 }
           w = e[k]; sub(/.*": /, "", w); if (w + 0 < 1 || w + 0 > 255) { print "bad weight " w; exit 1 }
         }
         total += n; if (n < min || NR == 1) min = n; if (n > max) max = n }
       END { printf "%.2f %d %d\n", total / NR, min, max }' "$1"
}
read -r mean min max <<< "$(stats "$tmp/a/docs.jsonl")" || fail "docs.jsonl entries"
echo "documents: mean non-zeros $mean ($min-$max)"
awk -v m="$mean" 'BEGIN { exit !(m > 115 && m < 125) }' || fail "document mean non-zeros $mean"
read -r mean min max <<< "$(stats "$tmp/a/queries.jsonl")" || fail "queries.jsonl entries"
echo "queries: mean non-zeros $mean ($min-$max)"
awk -v m="$mean" 'BEGIN { exit !(m > 41 && m < 47) }' || fail "query mean non-zeros $mean"
# every qrel: "qid 0 docid 1", an existing query and document
awk 'FILENAME == ARGV[1] { match($0, /"id": "[^"]*"/); docs[substr($0, RSTART + 7, RLENGTH - 8)] = 1; next }
     FILENAME == ARGV[2] { match($0, /"id": "[^"]*"/); qs[substr($0, RSTART + 7, RLENGTH - 8)] = 1; next }
     { if (NF != 4 || $2 != "0" || $4 != "1" || !($3 in docs) || !($1 in qs)) { print "bad qrel: " $0; bad = 1 } }
     END { exit bad }' "$tmp/a/docs.jsonl" "$tmp/a/queries.jsonl" "$tmp/a/qrels.txt" || fail "qrels"
if command -v python3 > /dev/null; then # strict JSON, unique keys
  python3 - "$tmp/a/docs.jsonl" "$tmp/a/queries.jsonl" << 'PY' || fail "not valid JSON"
import json, sys
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
        vec = dict(pairs)["vector"]
        assert len(vec) == len(dict(vec)), "duplicate token"
        assert all(isinstance(w, int) and 1 <= w <= 255 for _, w in vec)
PY
fi
"$SPIRE" synth "${args[@]}" --seed 6 --output "$tmp/d" || fail "synth d"
cmp -s "$tmp/a/docs.jsonl" "$tmp/d/docs.jsonl" && fail "seed has no effect"
# inference-free shape: 6-7 terms per query; documents unchanged
"$SPIRE" synth "${args[@]}" --query-terms 7 --output "$tmp/e" || fail "synth --query-terms 7"
cmp "$tmp/a/docs.jsonl" "$tmp/e/docs.jsonl" || fail "--query-terms changed the documents"
read -r mean min max <<< "$(stats "$tmp/e/queries.jsonl")"
[ "$min" -ge 6 ] && [ "$max" -le 7 ] || fail "inference-free queries have $min-$max terms"
# a vocabulary file: specials skipped, '"' and '\' escaped; the shared BERT vocabulary if present
{ echo "[PAD]"; echo "[unused0]"; echo '"'; echo '\'; echo "naïve"; seq 1 1200 | sed 's/^/w/'; } > "$tmp/vocab.txt"
"$SPIRE" synth "${args[@]}" --docs 300 --doc-terms 60 --cluster-terms 100 --vocab-file "$tmp/vocab.txt" \
  --output "$tmp/f" || fail "--vocab-file"
grep -q '\[PAD\]\|unused' "$tmp/f/docs.jsonl" && fail "special tokens written"
grep -q '"w[0-9]*": [0-9]' "$tmp/f/docs.jsonl" || fail "vocabulary file tokens not used"
if command -v python3 > /dev/null; then
  python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' \
    "$tmp/f/docs.jsonl" || fail "--vocab-file output is not valid JSON"
fi
bert=${SPR_SHARED_DIR:-/nonexistent}/data/bert-base-uncased-vocab.txt
if [ -f "$bert" ]; then
  "$SPIRE" synth "${args[@]}" --docs 200 --vocab-file "$bert" --output "$tmp/g" || fail "BERT vocabulary"
  grep -q '"##' "$tmp/g/docs.jsonl" || fail "BERT vocabulary: no ## pieces"
fi
# file errors: one line naming the file, exit 1, no partial output
printf 'a\na\n' > "$tmp/dup.txt"
seq 1 2000 >> "$tmp/dup.txt"
"$SPIRE" synth "${args[@]}" --vocab-file "$tmp/dup.txt" --output "$tmp/h" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "duplicate vocabulary exited $rc"
grep -q "dup.txt:2: duplicate token 'a'" "$tmp/err" || fail "duplicate message: $(cat "$tmp/err")"
[ -e "$tmp/h/docs.jsonl" ] && fail "output left behind after an error"
"$SPIRE" synth "${args[@]}" --vocab-file "$tmp/missing.txt" --output "$tmp/h" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "missing.txt" "$tmp/err" || fail "missing vocabulary file"
# usage errors exit 2 with one line
for bad in "--docs x" "--profile bogus" "--min-len 3" "--vocab 5" "--doc-terms 0" "--query-terms 99999" \
           "--cluster-docs 100000" "--vocab 30522 --vocab-file $tmp/vocab.txt"; do
  # shellcheck disable=SC2086
  "$SPIRE" synth "${args[@]}" $bad --output "$tmp/e2" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "'$bad' exited $rc, not 2"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "'$bad' did not print one line"
done
"$SPIRE" synth --profile known-item --docs 10 --queries 1 --doc-terms 5 --output "$tmp/e3" 2> "$tmp/err"
[ $? -eq 2 ] || fail "--doc-terms accepted for known-item"
"$SPIRE" synth --help | grep -q -- "--query-terms" || fail "--help"
echo "synth splade cli: ok"
