#!/bin/bash
# Query formats (docs/queries.md): the same weighted queries as JSON vectors, as Anserini-style TSV
# with repeated tokens (auto on a vectors index, and --query-format tokens) and as PISA's
# `qid:tok tok` give byte-identical runs; bad lines name file and line; --query-format checks.
set -u
[ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$SPIRE" synth --profile splade --docs 1500 --queries 25 --seed 11 --output "$tmp/c" 2> /dev/null || fail synth
"$SPIRE" index --input "$tmp/c/docs.jsonl" --output "$tmp/i.h5" --quiet || fail index
# {"id": "q1", "vector": {"tok": 3, ...}} -> q1<TAB>tok tok tok ... and q1:... (tokens in reverse)
awk '{ id = $0; sub(/^\{"id": "/, "", id); sub(/".*/, "", id)
       v = $0; sub(/^.*"vector": \{/, "", v); sub(/\}\}$/, "", v)
       n = split(v, e, ", "); out = ""; rev = ""
       for (k = 1; k <= n; k++) {
         split(e[k], kv, ": "); t = kv[1]; gsub(/"/, "", t)
         for (r = 0; r < kv[2] + 0; r++) { out = out (out == "" ? "" : " ") t; rev = t (rev == "" ? "" : " ") rev }
       }
       print id "\t" out > "'"$tmp"'/q.tsv"; print id ":" rev > "'"$tmp"'/q.pisa" }' "$tmp/c/queries.jsonl"
[ "$(wc -l < "$tmp/q.tsv")" -eq 25 ] || fail "conversion"
s() { "$SPIRE" search --index "$tmp/i.h5" --k 100 --quiet "$@"; }
s --queries "$tmp/c/queries.jsonl" --output "$tmp/json.run" || fail "json"
s --queries "$tmp/q.tsv" --output "$tmp/tsv.run" || fail "tsv auto"
s --queries "$tmp/q.tsv" --query-format tokens --output "$tmp/tok.run" || fail "tokens"
s --queries "$tmp/q.pisa" --output "$tmp/pisa.run" || fail "pisa auto"
s --queries "$tmp/q.pisa" --query-format pisa --output "$tmp/pisa2.run" || fail "pisa"
[ -s "$tmp/json.run" ] || fail "empty run"
for r in tsv tok pisa pisa2; do cmp "$tmp/json.run" "$tmp/$r.run" || fail "$r run differs from the JSON vectors run"; done
# a weight that differs must change the run (the comparison above can fail)
sed '1s/\t\([^ ]*\) /\t\1 \1 \1 \1 \1 \1 \1 \1 /' "$tmp/q.tsv" > "$tmp/q2.tsv"
s --queries "$tmp/q2.tsv" --output "$tmp/q2.run" || fail "tsv 2"
cmp -s "$tmp/json.run" "$tmp/q2.run" && fail "repetitions do not weigh"
# errors: file and line
printf 'q1:a b\nno colon here\n' > "$tmp/bad.pisa"
s --queries "$tmp/bad.pisa" --output "$tmp/bad.run" 2> "$tmp/err" && fail "bad pisa accepted"
grep -q "bad.pisa:2:" "$tmp/err" || { cat "$tmp/err"; fail "bad pisa message"; }
[ -e "$tmp/bad.run" ] && fail "partial run"
s --queries "$tmp/q.tsv" --query-format vectors --output "$tmp/bad.run" 2> "$tmp/err" && fail "tsv as vectors accepted"
grep -q "q.tsv:1:" "$tmp/err" || { cat "$tmp/err"; fail "vectors message"; }
s --queries "$tmp/q.tsv" --query-format nope --output "$tmp/bad.run" 2> /dev/null && fail "unknown format accepted"
echo "query formats: ok"
