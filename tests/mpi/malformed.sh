#!/usr/bin/env bash
# A generated corpus of malformed inputs (>= 200): corpora (JSONL, TSV, vectors), queries, qrels,
# runs, job specs, model files and index files. Each must end with exit code 1 or 2 (no signal, no
# hang), one error line naming the file and a position (file:line, a byte offset, a JSON key, a
# dataset; the file name alone where no position exists, e.g. an empty file), and no output file
# or .tmp left. Usage: malformed.sh SET_ATTR_TOOL DAMAGE_TOOL   (tests/mpi/malformed.cmake)
set -uo pipefail
set_attr=$1 damage=$2
work=$(mktemp -d /tmp/spire-malformed-XXXXXX)
trap 'rm -rf "$work"' EXIT
export SPR_QUIET=1
fails=0 n=0
# check NAME FILE POS OUT -- spire args...: FILE is the bad file's name (basename) the message must
# name, POS a grep -E pattern for the position right after it ('' = the file name alone)
check() {
  local name=$1 file=$2 pos=$3 out=$4; shift 5
  n=$((n + 1))
  [ -n "$out" ] && rm -rf "$out" "$out.tmp"
  timeout 60 "$SPIRE" "$@" > "$work/stdout.log" 2> "$work/err.log"
  local rc=$?
  local err; err=$(grep -a 'error:' "$work/err.log" || true)
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
    echo "FAIL $name: exit $rc (want 1 or 2; >128 = signal, 124 = hang)"; head -5 "$work/err.log"; fails=$((fails+1)); return; fi
  if [ "$(grep -ac . <<< "$err")" -ne 1 ]; then
    echo "FAIL $name: want one error line:"; head -5 "$work/err.log"; fails=$((fails+1)); return; fi
  if ! grep -aqF -- "$file" <<< "$err" || { [ -n "$pos" ] && ! grep -aqE -- "$pos" <<< "$err"; }; then
    echo "FAIL $name: message lacks '$file' + /$pos/: $err"; fails=$((fails+1)); return; fi
  if [ -n "$out" ] && compgen -G "$out*" > /dev/null; then
    echo "FAIL $name: output left: $(ls "$out"*)"; fails=$((fails+1)); rm -rf "$out"*; return; fi
  echo "ok $name: $err"
}
line=':[0-9]+'                 # file:LINE
# check_line NAME PATH OUT -- spire args...: check, the message naming PATH's file and a line
check_line() {
  local f; f=$(basename "$2")
  check "$1" "$f" "$f$line" "${@:3}"
}
good='{"id": "g%d", "text": "good words here"}\n'
vgood='{"id": "v%d", "vector": {"alpha": 3, "beta": 1}}\n'

# ---- corpora: each bad record at the first, a middle and the last line (no newline after it)
jsonl_bad=(
  '{"id": "x", "text": "unterminated'
  '{"id": "x" "text": "missing comma"}'
  '["not", "an", "object"]'
  '"just a string"'
  '{"text": "no id"}'
  '{"id": "", "text": "empty id"}'
  '{"id": null, "text": "null id"}'
  '{"id": "x", "text": "bad \xff byte"}'
  '{"id": "x", "text": "overlong \xc0\xaf"}'
  '{"id": "x", "text": "surrogate \xed\xa0\x80"}'
  '{"id": "x", "text": "cut \xe2\x82"}'
  '{"id": "x\xfe", "text": "bad id byte"}'
  '{"id": "x", "text": "escaped nul \\u0000"}'
  '{"id": "x", "text": "raw nul \000 here"}'
  '{"id": "x", "text": "lone surrogate \\ud800"}'
  '{"id": "x", "text": "bad escape \\q"}'
  '{"id": "x", "text": 42}'
  '{"id": "g1", "text": "duplicate of line 1"}'
  '{'
  '}'
  'null'
)
i=0
for rec in "${jsonl_bad[@]}"; do
  i=$((i + 1))
  for where in first middle last; do
    f=$work/c$i-$where.jsonl
    case $where in
      first) { printf "$rec"; printf '\n'; printf "$good" 1 2; } > "$f" ;;
      middle) { printf "$good" 1 2; printf "$rec"; printf '\n'; printf "$good" 3; } > "$f" ;;
      last) { printf "$good" 1 2; printf "$rec"; } > "$f" ;;
    esac
    [ "$i" -eq 17 ] && [ $where = first ] && continue   # a duplicate needs an earlier line
    check_line "jsonl#$i@$where" "$f" "$work/o.h5" -- index --input "$f" --output "$work/o.h5"
  done
done
# BOM: one at the start of the file is skipped (a BOM-only file is empty)
printf '\xef\xbb\xbf\n' > "$work/bom-only.jsonl"
check "jsonl bom only" bom-only.jsonl "" "$work/o.h5" -- index --input "$work/bom-only.jsonl" --output "$work/o.h5"
printf '\xfe\xff\x00{\x00"\x00i\x00d\x00"\n' > "$work/utf16.jsonl"
check "jsonl utf-16" utf16.jsonl "utf16.jsonl$line" "$work/o.h5" -- index --input "$work/utf16.jsonl" --output "$work/o.h5"
# records over --max-record-bytes, at several sizes
for sz in 65 200 5000 100000; do
  printf '{"id": "big", "text": "%s"}\n' "$(head -c $sz /dev/zero | tr '\0' a)" > "$work/big$sz.jsonl"
  check "jsonl record over limit ($sz)" "big$sz.jsonl" "big$sz.jsonl:1" "$work/o.h5" -- index --input "$work/big$sz.jsonl" --output "$work/o.h5" --max-record-bytes 64
done
# empty corpora: no position exists
: > "$work/empty.jsonl"; printf '\n\n\n' > "$work/blank.jsonl"; printf '\n' > "$work/nl.tsv"; : > "$work/empty.tsv"
for f in empty.jsonl blank.jsonl nl.tsv empty.tsv; do
  check "empty corpus $f" "$f" "" "$work/o.h5" -- index --input "$work/$f" --output "$work/o.h5"
done
check "missing corpus" nope.jsonl "" "$work/o.h5" -- index --input "$work/nope.jsonl" --output "$work/o.h5"
# TSV corpora
tsv_bad=('no tab at all' '\tempty id' 'd1\tdup of line 1' 'x\tbad \xff byte' 'x\tnul \000 byte' 'x\tcut \xe2\x82')
i=0
for rec in "${tsv_bad[@]}"; do
  i=$((i + 1))
  for where in middle last; do
    f=$work/t$i-$where.tsv
    { printf 'd1\tfirst doc\nd2\tsecond doc\n'; printf "$rec"; [ $where = middle ] && printf '\nd9\tafter\n'; } > "$f"
    check_line "tsv#$i@$where" "$f" "$work/o.h5" -- index --input "$f" --output "$work/o.h5"
  done
done
# vector corpora: weights must be numbers >= 0 (finite), terms non-empty strings
vec_bad=('{"alpha": -1}' '{"alpha": "heavy"}' '{"alpha": null}' '{"alpha": true}' '{"alpha": [1]}'
  '{"alpha": {"b": 1}}' '{"alpha": 1e999}' '{"alpha": -1e999}' '{"": 2}' '[1, 2]' '"alpha"' '{"alpha": NaN}'
  '{"alpha": 1,}' '{"al\xffpha": 1}' '{"alpha": -0.5}')
i=0
for v in "${vec_bad[@]}"; do
  i=$((i + 1))
  f=$work/v$i.jsonl
  { printf "$vgood" 1; printf '{"id": "bad", "vector": %s}\n' "$v"; printf "$vgood" 2; } > "$f"
  check_line "vectors#$i $v" "$f" "$work/o.h5" -- index --input "$f" --output "$work/o.h5"
done
# under mpirun on 2 ranks, the bad record in the second rank's part
big=$work/np2.jsonl
{ for k in $(seq 1 40); do printf "$good" $k; done; printf '{"id": "x", "text": "bad \xff"}\n'; } > "$big"
n=$((n + 1))
timeout 60 "$MPIEXEC" -np 2 $MPIFLAGS "$SPIRE" index --input "$big" --output "$work/o.h5" > /dev/null 2> "$work/err.log"
rc=$?
if { [ $rc -eq 1 ] || [ $rc -eq 2 ]; } && grep -q 'error:.*np2.jsonl:41:' "$work/err.log" && ! compgen -G "$work/o.h5*" > /dev/null; then
  echo "ok np2 corpus: $(grep error: "$work/err.log")"
else echo "FAIL np2 corpus: exit $rc"; cat "$work/err.log"; fails=$((fails+1)); fi

# ---- an index to search with, and queries
"$SPIRE" index --input "$SPR_TEST_DATA/tiny.jsonl" --output "$work/i.h5" --block-size 8 2> "$work/err.log" || {
  echo "FAIL: good index"; cat "$work/err.log"; exit 1; }
"$SPIRE" index --input "$SPR_TEST_DATA/tiny-vectors.jsonl" --output "$work/iv.h5" 2> "$work/err.log" || {
  echo "FAIL: good vector index"; cat "$work/err.log"; exit 1; }
q_bad=('q1 no tab' '\tempty qid' 'q1\tbad \xff byte' 'q1\tnul \000 byte' 'q2\tcut \xe2\x82')
i=0
for rec in "${q_bad[@]}"; do
  i=$((i + 1))
  for where in first last; do
    f=$work/q$i-$where.tsv
    if [ $where = first ]; then { printf "$rec"; printf '\nq9\tfine words\n'; } > "$f"
    else { printf 'q9\tfine words\n'; printf "$rec"; } > "$f"; fi
    check_line "queries tsv#$i@$where" "$f" "$work/r.trec" -- \
      search --index "$work/i.h5" --queries "$f" --k 10 --output "$work/r.trec"
  done
done
: > "$work/noq.tsv"
check "empty queries" noq.tsv "" "$work/r.trec" -- search --index "$work/i.h5" --queries "$work/noq.tsv" --k 10 --output "$work/r.trec"
qv_bad=('{"id": "q1", "vector": {"alpha": -1}}' '{"id": "q1", "vector": {"alpha": "x"}}' '{"id": "", "vector": {"a": 1}}'
  '{"id": "q1", "vector": [1]}' '{"id": "q1", "vector": {"a": 1}' '{"vector": {"a": 1}}' '{"id": "q1", "vector": {"a": 1e999}}'
  '{"id": "q1", "vector": {"\xff": 1}}')
i=0
for rec in "${qv_bad[@]}"; do
  i=$((i + 1))
  f=$work/qv$i.jsonl
  { printf '{"id": "q0", "vector": {"alpha": 2}}\n'; printf "$rec"; printf '\n'; } > "$f"
  check_line "queries vectors#$i" "$f" "$work/r.trec" -- \
    search --index "$work/iv.h5" --queries "$f" --k 10 --output "$work/r.trec"
done

# ---- qrels and runs (spire eval)
printf 'q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\n' > "$work/good.qrels"
printf 'q1 Q0 d1 1 9.5 t\nq1 Q0 d2 2 3 t\nq2 Q0 d3 1 2 t\n' > "$work/good.run"
qrels_bad=('q1 0 d1' 'q1 0 d1 1 extra' 'q1 0 d1 two' 'q1 0 d1 1.5' 'q1 0 d1 99999999999999999999'
  'q1 0 d1 \000' 'q1 0 d1 -' 'q3 0 d1 1 1 1 1')
run_bad=('q1 Q0 d1 1' 'q1 Q0 d1 1 abc t' 'q1 Q0 d1 1 nan t' 'q1 Q0 \000 1 1 t' 'q1')
# check_eval_lines KIND BEFORE AFTER RECORD...: for each RECORD a KIND file (qrels or run) holding
# the printf formats BEFORE, RECORD and AFTER; spire eval with it and the good file of the other
# kind must fail naming it and a line
check_eval_lines() {
  local kind=$1 before=$2 after=$3 rec i=0 f q r
  shift 3
  for rec in "$@"; do
    i=$((i + 1)); f=$work/$kind$i.$kind
    { printf "$before"; printf "$rec"; printf "$after"; } > "$f"
    q=$work/good.qrels r=$work/good.run
    if [ "$kind" = qrels ]; then q=$f; else r=$f; fi
    check_line "$kind#$i" "$f" "$work/e.json" -- eval --qrels "$q" --run "$r" --json "$work/e.json"
  done
}
check_eval_lines qrels 'q1 0 d9 1\n' '\nq2 0 d8 1\n' "${qrels_bad[@]}"
check_eval_lines run 'q1 Q0 d9 1 1 t\n' '\nq2 Q0 d8 1 1 t\n' "${run_bad[@]}"

# ---- job specs (spire run)
c=$SPR_TEST_DATA/tiny.jsonl; qq=$SPR_TEST_DATA/tiny-queries.tsv
spec_bad=(
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\ncolour = blue\n"
  "[job]\nname = x\noutput = OUT\n[colours]\npath = $c\n"
  "[job]\nname = x\noutput = OUT\n[corpus\npath = $c\n"
  "[job]\nname = x\noutput = OUT\njust a line\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[search]\nk = many\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[search]\nk = 0\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[search]\nk = 99999999999999999999\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[search]\nalpha = -1\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[corpus]\npath = $c\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = \${NO_SUCH_VAR_SPIRE}\nqueries = $qq\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n[index]\nblock_size = 3\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\non_error = sometimes\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\n\xff = 1\n"
  "[job]\nname = x\noutput = OUT\n[corpus]\npath = $c\nqueries = $qq\nname\000 = 1\n"
)
i=0
for s in "${spec_bad[@]}"; do
  i=$((i + 1)); f=$work/spec$i.ini
  printf "${s//OUT/$work/out$i}" > "$f"
  check_line "job spec#$i" "$f" "$work/out$i" -- run "$f"
done

# ---- model folders (spire encode): config.json, vocab.txt, model.safetensors headers
cfg='{"model_type": "bert", "vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 8, "max_position_embeddings": 16, "type_vocab_size": 2}'
cfg_bad=('{"vocab_size": 8' '[]' '' '{"model_type": "gpt2", "vocab_size": 8}' '{"hidden_size": 4}'
  '{"model_type": "bert", "vocab_size": -8, "hidden_size": 4}' '{"model_type": "bert", "vocab_size": "8"}'
  '{"model_type": "bert", "vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 8, "hidden_act": "relu"}'
  '\xff\xfe' '{"vocab_size": 8,, }')
mkmodel() { # DIR CONFIG VOCAB SAFETENSORS_BYTES(printf format)
  mkdir -p "$1"; printf '%s' "$2" > "$1/config.json"; printf "$3" > "$1/vocab.txt"; printf "$4" > "$1/model.safetensors"
}
# check_model NAME FILE PATTERN DIR CONFIG VOCAB SAFETENSORS: the model folder DIR (mkmodel), with
# which spire encode must fail as check wants (FILE and PATTERN in the error line)
check_model() {
  mkmodel "$4" "$5" "$6" "$7"
  check "$1" "$2" "$3" "$work/enc.jsonl" -- \
    encode --model "$4" --input "$SPR_TEST_DATA/tiny.jsonl" --output "$work/enc.jsonl"
}
vocab='[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\n'
st_empty='\x02\x00\x00\x00\x00\x00\x00\x00{}'
i=0
for cj in "${cfg_bad[@]}"; do
  i=$((i + 1))
  check_model "model config#$i" config.json '(config.json: |config.json:[0-9]|byte|"[a-z_]+")' "$work/m$i" \
    "$(printf "$cj")" "$vocab" "$st_empty"
done
st_bad=('' '\x01' '\xff\xff\xff\xff\xff\xff\xff\xff{}' '\x10\x00\x00\x00\x00\x00\x00\x00{"a": 1}' '\x02\x00\x00\x00\x00\x00\x00\x00[]'
  '\x0a\x00\x00\x00\x00\x00\x00\x00{"a": 1,,}' '\x02\x00\x00\x00\x00\x00\x00\x00{}'
  '\x3c\x00\x00\x00\x00\x00\x00\x00{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 99]}}')
i=0
for sb in "${st_bad[@]}"; do
  i=$((i + 1))
  check_model "safetensors#$i" model.safetensors '(model.safetensors: |byte|offset|tensor )' "$work/s$i" \
    "$cfg" "$vocab" "$sb"
done
voc_bad=('' 'a\nb\n' '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\nd\ne\nf\n' '[PAD]\n\xff\n')
i=0
for vb in "${voc_bad[@]}"; do
  i=$((i + 1))
  check_model "vocab#$i" vocab.txt '(vocab.txt:|tokens|line)' "$work/w$i" "$cfg" "$vb" "$st_empty"
done

# ---- index files: truncated, damaged datasets, unknown format version
size=$(stat -c %s "$work/i.h5")
for cut in 0 7 100 512 1024 2048 4096 8192 16384 $((size / 2)) $((size - 4096)) $((size - 1)); do
  head -c $cut "$work/i.h5" > "$work/cut$cut.h5"
  check "index truncated at $cut" "cut$cut.h5" '' "$work/r.trec" -- \
    search --index "$work/cut$cut.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --output "$work/r.trec"
done
for target in "/terms/bytes 0 90" "/terms/offsets 1 200" "/terms/df 2 99" "/terms/max_impact 0 0" "/terms/posting_offsets 1 255" \
  "/terms/posting_blocks 1 9" "/terms/kth_impact 0 1" "/docs/ids 0 90" "/docs/id_offsets 1 77" "/docs/length 3 250" \
  "/postings/block_offsets 1 99" "/postings/block_last 0 200" "/postings/encoded 0 40" "/terms/kth_impact 2 255"; do
  set -- $target
  b=$work/dmg$(tr / _ <<< "$1").h5
  cp "$work/i.h5" "$b"
  "$damage" "$b" "$1" "$2" "$3" || { echo "FAIL: cannot damage $1"; fails=$((fails+1)); continue; }
  check "index damaged $1" "$(basename "$b")" "/(terms|docs|postings)" "$work/r.trec" -- \
    search --index "$b" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --output "$work/r.trec"
done
for v in 0 1 4 99; do
  cp "$work/i.h5" "$work/ver$v.h5"
  "$set_attr" "$work/ver$v.h5" format_version $v || { echo "FAIL: cannot set format_version"; fails=$((fails+1)); continue; }
  check "index format version $v" "ver$v.h5" "format version $v, this spire reads versions 2 and 3" "$work/r.trec" -- \
    search --index "$work/ver$v.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --output "$work/r.trec"
done
printf 'not an hdf5 file at all\n' > "$work/text.h5"
check "index not hdf5" text.h5 '' "$work/r.trec" -- search --index "$work/text.h5" --queries "$SPR_TEST_DATA/tiny-queries.tsv" --k 10 --output "$work/r.trec"

echo "$n malformed inputs, $fails failure(s)"
[ "$n" -ge 200 ] || { echo "FAIL: only $n cases (want >= 200)"; exit 1; }
[ $fails -eq 0 ]
