#!/bin/bash
# Options of index, search, encode and tokenize, made from the table of settings
# (jobs/spr_settings.c): every option --help lists is accepted, bad values give one usage error
# line of one form and exit status 2, range bounds are accepted, and a job spec refuses what the
# options refuse (one range per setting).
set -u
. "$(dirname "$0")/../lib.sh"
spr_usage_setup
usage() { spr_usage "$@"; }
I=(--input "$tmp/none.jsonl" --output "$tmp/i.h5")
S=(--index "$tmp/none.h5" --queries "$tmp/q.tsv" --output "$tmp/r.trec")
E=(--model "$tmp/m" --input "$tmp/none.jsonl" --output "$tmp/v.jsonl")
T=(--vocab "$tmp/vocab.txt" --input "$tmp/none.jsonl" --output "$tmp/t.jsonl")
usage index "--k1 must be a number in [0, 100], not '101'" "${I[@]}" --k1 101
usage index "--b must be a number in [0, 1], not 'x'" "${I[@]}" --b x
usage index "--block-size must be an integer in [4, 256], not '3'" "${I[@]}" --block-size 3
usage index "--bits must be an integer in [1, 8], not '1.5'" "${I[@]}" --bits 1.5
usage index "--max-length must be an integer in [2, 1048576], not '1'" "${I[@]}" --max-length 1
usage index "--max-record-bytes must be an integer in [0, 2147483647], not '-1'" "${I[@]}" --max-record-bytes -1
usage index "--format must be auto, jsonl, json, tsv, vectors or ciff, not 'xml'" "${I[@]}" --format xml
usage index "--reorder must be none or bp, not 'random'" "${I[@]}" --reorder random
usage index "--on-error must be fail or skip, not 'ignore'" "${I[@]}" --on-error ignore
usage index "--analyzer must be english or standard, not 'french'" "${I[@]}" --analyzer french
usage index "--input and --output are required" --input "$tmp/none.jsonl"
usage index "unknown or incomplete option '--frobnicate'" "${I[@]}" --frobnicate 1
usage index "unknown or incomplete option '--k1'" "${I[@]}" --k1
usage index "unexpected argument 'extra'" "${I[@]}" extra
usage search "--k must be an integer in [1, 100000], not '0'" "${S[@]}" --k 0
usage search "--alpha must be a number in [1e-09, 1], not '0'" "${S[@]}" --alpha 0
usage search "--serving must be partitioned or replicated, not 'both'" "${S[@]}" --serving both
usage search "--query-format must be auto, tsv, vectors, tokens or pisa, not 'csv'" "${S[@]}" --query-format csv
usage search "--tag must be one word, not 'a b'" "${S[@]}" --tag "a b"
usage search "--alpha and --beta apply to --algorithm bmp" "${S[@]}" --algorithm exhaustive --beta 0.5
usage search "--queries, --index and --output are required" --index "$tmp/none.h5"
usage encode "--top-n must be an integer in [0, 1073741824], not '-1'" "${E[@]}" --top-n -1
usage encode "--min-weight must be a number in [0, 1e+30], not 'inf'" "${E[@]}" --min-weight inf
usage encode "--format must be auto, jsonl, json or tsv, not 'ciff'" "${E[@]}" --format ciff
usage encode "--model bm25 is not available in encode (use spire index)" "${E[@]}" --model bm25
usage tokenize "--max-length must be an integer in [2, 1048576], not '1048577'" "${T[@]}" --max-length 1048577
usage tokenize "--input, --output and --vocab are required" --input "$tmp/none.jsonl"

# Every option in --help is accepted (the failure is the missing input, exit 1, not a usage error),
# and values at the range bounds too.
accepted() {
  local cmd=$1; shift
  "$SPIRE" "$cmd" "$@" > /dev/null 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 1 ] || fail "$cmd $*: exit $rc, not 1: $(cat "$tmp/err")"
}
for cmd in index search encode tokenize; do
  case $cmd in index) base=("${I[@]}") ;; search) base=("${S[@]}") ;; encode) base=("${E[@]}") ;; tokenize) base=("${T[@]}") ;; esac
  n=0
  while read -r opt arg; do
    n=$((n + 1))
    case $opt in --help) continue ;; esac
    case $arg in
      N|K|MB|M) v=8 ;; X|W|A|B) v=0.5 ;; F) v=auto ;; P) v=fail ;; R) v=none ;; E) v=bm25 ;; *) v=x ;;
    esac
    [ "$cmd $opt" = "search --algorithm" ] && v=bmp
    [ "$cmd $opt" = "search --serving" ] && v=replicated
    [ "$cmd $opt" = "index --analyzer" ] && v=standard
    [ "$opt" = "--precision" ] && v=int8
    [ "$cmd $opt" = "encode --model" ] && v="$tmp/m"
    if [ -z "$arg" ]; then accepted "$cmd" "${base[@]}" "$opt"
    else accepted "$cmd" "${base[@]}" "$opt" "$v"; fi
  done < <("$SPIRE" "$cmd" --help | sed -n 's/^  \(--[a-z0-9-]*\) \{0,1\}\([A-Z]*\).*/\1 \2/p')
  [ $n -ge 3 ] || fail "$cmd --help lists $n options"
done
accepted index "${I[@]}" --k1 100 --b 0 --bits 1 --block-size 256 --max-length 2 --max-record-bytes 0 --format json --quiet
accepted search "${S[@]}" --k 100000 --alpha 1e-9 --beta 1 --quiet
accepted tokenize "${T[@]}" --max-length 1048576

# A job spec takes the same ranges (the rows are the same).
printf '[corpus]\npath = none.jsonl\nqueries = q.tsv\n[encode]\nk1 = 101\n' > "$tmp/k1.ini"
"$SPIRE" run "$tmp/k1.ini" > /dev/null 2> "$tmp/err"
grep -q "k1.ini:5: \[encode\] k1: 101 is out of range \[0, 100\]" "$tmp/err" || fail "job k1 range: $(cat "$tmp/err")"
printf '[corpus]\npath = none.jsonl\nqueries = q.tsv\n[search]\ntag = a b\n' > "$tmp/tag.ini"
"$SPIRE" run "$tmp/tag.ini" > /dev/null 2> "$tmp/err"
grep -q "tag.ini:5: \[search\] tag: 'a b' is not one word" "$tmp/err" || fail "job tag: $(cat "$tmp/err")"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli options: ok"
