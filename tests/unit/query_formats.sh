#!/bin/bash
# Query formats (docs/queries.md): the same weighted queries as JSON vectors, as Anserini-style TSV
# with repeated tokens (auto on a vectors index, and --query-format tokens) and as PISA's
# `qid:tok tok` give byte-identical runs; bad lines name file and line; --query-format checks.
set -u
[ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
data=${SPR_TEST_DATA:-$(dirname "$0")/../data}
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
# weights above 255 (real SPLADE++ token queries repeat a token up to 3,574 times): every format
# scales the query by one factor so that its largest weight is 255, keeping the ratios (600:300 ->
# 255:128), instead of capping each weight at 255 (255:255, a different run). Query t1: a tiny
# weight is never rounded to 0 (1 against 3000 is 0.085 after scaling and weighs 1).
rep() { awk -v t="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s%s", (i ? " " : ""), t }'; }
read -r A B C < <(head -1 "$tmp/c/queries.jsonl" | grep -o '"[^"]*": [0-9]' | sed -n '1,3s/": .*//; 1,3s/^"//p' | tr '\n' ' ')
[ -n "$C" ] || fail "tokens of q1"
v() { printf '{"id": "h1", "vector": {%s}}\n{"id": "t1", "vector": {%s}}\n' "$1" "$2" > "$tmp/$3"; }
v "\"$A\": 600, \"$B\": 300" "\"$A\": 255, \"$C\": 1" h.jsonl
v "\"$A\": 255, \"$B\": 255" "\"$A\": 255" hcap.jsonl
v "\"$A\": 200, \"$B\": 300, \"$A\": 400" "\"$C\": 1, \"$A\": 255" hdup.jsonl # a repeated key sums first
printf 'h1\t%s %s\nt1\t%s %s\n' "$(rep "$A" 600)" "$(rep "$B" 300)" "$(rep "$A" 3000)" "$C" > "$tmp/h.tsv"
printf 'h1:%s %s %s\nt1:%s %s\n' "$(rep "$B" 300)" "$(rep "$A" 300)" "$(rep "$A" 300)" "$C" "$(rep "$A" 3000)" > "$tmp/h.pisa"
for r in h hcap hdup; do s --k 1500 --queries "$tmp/$r.jsonl" --output "$tmp/$r.run" || fail "$r json"; done
s --k 1500 --queries "$tmp/h.tsv" --output "$tmp/htsv.run" || fail "h tsv"
s --k 1500 --queries "$tmp/h.pisa" --output "$tmp/hpisa.run" || fail "h pisa"
[ "$(grep -c '^h1 ' "$tmp/h.run")" -gt 0 ] && [ "$(grep -c '^t1 ' "$tmp/h.run")" -gt 0 ] || fail "empty h run"
cmp -s <(grep '^h1 ' "$tmp/h.run") <(grep '^h1 ' "$tmp/hcap.run") && fail "weights 600:300 search like 255:255"
cmp -s <(grep '^t1 ' "$tmp/h.run") <(grep '^t1 ' "$tmp/hcap.run") && fail "a weight-1 term does not count"
for r in hdup htsv hpisa; do cmp "$tmp/h.run" "$tmp/$r.run" || fail "$r: weights above 255 not scaled like JSON 600:300 (or 1:3000 not 1:255)"; done
# text on a BM25 index: a term weighs its count, scaled the same way (Flutter -> flutter, heat)
"$SPIRE" index --input "$data/tiny.jsonl" --output "$tmp/b.h5" --quiet || fail "bm25 index"
sb() { "$SPIRE" search --index "$tmp/b.h5" --k 10 --quiet "$@"; }
printf 'b1\t%s %s\n' "$(rep Flutter 600)" "$(rep heat 300)" > "$tmp/b.tsv"
printf '{"id": "b1", "vector": {"flutter": 600, "heat": 300}}\n' > "$tmp/b.jsonl"
printf '{"id": "b1", "vector": {"flutter": 255, "heat": 255}}\n' > "$tmp/bcap.jsonl"
for f in b.tsv b.jsonl bcap.jsonl; do sb --queries "$tmp/$f" --output "$tmp/$f.run" || fail "bm25 $f"; done
[ -s "$tmp/b.jsonl.run" ] || fail "empty bm25 run"
cmp -s "$tmp/b.jsonl.run" "$tmp/bcap.jsonl.run" && fail "bm25: 600:300 searches like 255:255"
cmp "$tmp/b.jsonl.run" "$tmp/b.tsv.run" || fail "bm25 text: counts above 255 not scaled like JSON 600:300"
# errors: file and line
printf 'q1:a b\nno colon here\n' > "$tmp/bad.pisa"
s --queries "$tmp/bad.pisa" --output "$tmp/bad.run" 2> "$tmp/err" && fail "bad pisa accepted"
grep -q "bad.pisa:2:" "$tmp/err" || { cat "$tmp/err"; fail "bad pisa message"; }
[ -e "$tmp/bad.run" ] && fail "partial run"
s --queries "$tmp/q.tsv" --query-format vectors --output "$tmp/bad.run" 2> "$tmp/err" && fail "tsv as vectors accepted"
grep -q "q.tsv:1:" "$tmp/err" || { cat "$tmp/err"; fail "vectors message"; }
s --queries "$tmp/q.tsv" --query-format nope --output "$tmp/bad.run" 2> /dev/null && fail "unknown format accepted"
echo "query formats: ok"
