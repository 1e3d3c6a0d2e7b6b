#!/usr/bin/env bash
# Bad input to index, search and run: one error line naming the file and line, a non-zero exit,
# no partial output, and no hang (every rank agrees on the error). Usage: bad_input.sh NP
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
spr_error_cases "${1:-1}" /tmp/spire-bad-XXXXXX # np, work, SPR_QUIET, fails
run() { spr_mpi_spire "$@"; }
# any failure but a timeout; stderr without mpirun's own lines
# shellcheck disable=SC2034 # read by spr_expect_error
want_rc="non-zero, no timeout"
spr_error_ok() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }
spr_error_lines() {
  grep -v '^\(---\|Primary job\|a non-zero\|mpirun\|  Process\|  Exit code\|^$\|Per user\|process returned\|terminated\|was:\|The first\)' "$1" | grep -v '^ *$'
}
# expect NAME PATTERN OUTPUT_THAT_MUST_NOT_EXIST -- spire args...
expect() { spr_expect_error "$@"; }
good=$SPR_TEST_DATA/tiny.jsonl
q=$SPR_TEST_DATA/tiny-queries.tsv
printf '{"id": "a", "text": "fine"}\n{"id": "b", "text": "also fine"}\n{"id": "c", "text": "broken\n{"id": "d", "text": "x"}\n' > "$work/malformed.jsonl"
printf '{"id": "a", "text": "fine"}\n{"text": "no id"}\n' > "$work/noid.jsonl"
: > "$work/empty.jsonl"
printf '\n\n' > "$work/blank.jsonl"
printf 'q1\tfine\nq2 no tab here\n' > "$work/notab.tsv"
printf 'd1\tfine\nd2 no tab\n' > "$work/notab-corpus.tsv"

printf '{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n{"id": "a", "text": "again"}\n' > "$work/dup.jsonl"
printf '{"id": "a", "text": "one"}\n{"id": "b", "text": "bad \377 byte"}\n' > "$work/utf8.jsonl"
printf '{"id": "a", "text": "one"}\n{"id": "b", "text": "nul \\u0000 here"}\n' > "$work/nul.jsonl"
printf 'a\tone\nb\tnul \000 raw\n' > "$work/nul.tsv"
printf '{"id": "a", "vector": {"x": 1}}\n{"id": "b", "vector": {"x": -2}}\n' > "$work/negw.jsonl"
printf '{"id": "a", "vector": {"x": 1}}\n{"id": "b", "vector": {"x": "heavy"}}\n' > "$work/strw.jsonl"
printf '{"id": "a", "text": "%s"}\n' "$(printf '%0300d' 7)" > "$work/long.jsonl"
expect duplicate-id "dup.jsonl:3: duplicate document id 'a' (first at line 1)" "$work/i.h5" -- index --input "$work/dup.jsonl" --output "$work/i.h5"
expect invalid-utf8 "utf8.jsonl:2: invalid UTF-8 at column" "$work/i.h5" -- index --input "$work/utf8.jsonl" --output "$work/i.h5"
expect json-nul "nul.jsonl:2: NUL character" "$work/i.h5" -- index --input "$work/nul.jsonl" --output "$work/i.h5"
expect raw-nul "nul.tsv:2: NUL byte at column 7" "$work/i.h5" -- index --input "$work/nul.tsv" --output "$work/i.h5"
expect negative-weight "negw.jsonl:2: weight of \"x\" must be a number >= 0" "$work/i.h5" -- index --input "$work/negw.jsonl" --output "$work/i.h5"
expect string-weight "strw.jsonl:2: weight of \"x\" must be a number >= 0" "$work/i.h5" -- index --input "$work/strw.jsonl" --output "$work/i.h5"
expect too-long "long.jsonl:1: record of 323 bytes exceeds max_record_bytes = 100" "$work/i.h5" -- index --input "$work/long.jsonl" --output "$work/i.h5" --max-record-bytes 100
# on_error = skip: bad records are counted by reason and left out, good ones kept
cat "$work/dup.jsonl" "$work/utf8.jsonl" "$work/nul.jsonl" > "$work/mixed.jsonl"
printf '{"id": "z", "text": "last one"}\n' >> "$work/mixed.jsonl"
run index --input "$work/mixed.jsonl" --output "$work/skip.h5" --on-error skip > /dev/null 2> "$work/skip.log" || { echo "FAIL skip: exit $?"; cat "$work/skip.log"; fails=$((fails+1)); }
if grep -q "skipped 5 record(s): invalid UTF-8 1 NUL byte 1 duplicate id 3" "$work/skip.log" &&
   "$SPIRE" inspect "$work/skip.h5" | grep -q "documents       3"; then echo "ok skip: $(grep skipped "$work/skip.log")"
else echo "FAIL skip:"; cat "$work/skip.log"; "$SPIRE" inspect "$work/skip.h5"; fails=$((fails+1)); fi
expect missing-corpus "$work/nope.jsonl: cannot open" "$work/i.h5" -- index --input "$work/nope.jsonl" --output "$work/i.h5"
expect malformed-json "malformed.jsonl:3: malformed JSON" "$work/i.h5" -- index --input "$work/malformed.jsonl" --output "$work/i.h5"
expect missing-id "noid.jsonl:2: missing or empty \"id\"" "$work/i.h5" -- index --input "$work/noid.jsonl" --output "$work/i.h5"
expect empty-corpus "empty.jsonl: no documents" "$work/i.h5" -- index --input "$work/empty.jsonl" --output "$work/i.h5"
expect blank-corpus "blank.jsonl: no documents" "$work/i.h5" -- index --input "$work/blank.jsonl" --output "$work/i.h5"
expect tsv-no-tab "notab-corpus.tsv:2: expected id<TAB>text" "$work/i.h5" -- index --input "$work/notab-corpus.tsv" --output "$work/i.h5"
expect bad-option "unknown or incomplete option" "" -- index --input "$good" --output "$work/i.h5" --frobnicate 1
run index --input "$good" --output "$work/good.h5" 2>/dev/null || { echo "FAIL: good index"; exit 1; }
expect queries-no-tab "notab.tsv:2: expected qid<TAB>text" "$work/r.trec" -- search --index "$work/good.h5" --queries "$work/notab.tsv" --k 10 --output "$work/r.trec"
expect missing-queries "nope.tsv: cannot open" "$work/r.trec" -- search --index "$work/good.h5" --queries "$work/nope.tsv" --k 10 --output "$work/r.trec"
expect missing-index "nope.h5" "$work/r.trec" -- search --index "$work/nope.h5" --queries "$q" --k 10 --output "$work/r.trec"
printf 'not an hdf5 file\n' > "$work/fake.h5"
expect not-an-index "fake.h5" "$work/r.trec" -- search --index "$work/fake.h5" --queries "$q" --k 10 --output "$work/r.trec"
expect bad-k "--k must be" "" -- search --index "$work/good.h5" --queries "$q" --k 0 --output "$work/r.trec"
printf '[job]\nname = x\noutput = out\n[corpus]\npath = %s\nqueries = %s\ncolour = blue\n' "$good" "$q" > "$work/unknown-key.ini"
expect unknown-job-key "unknown-key.ini:7: unknown key 'colour'" "$work/out" -- run "$work/unknown-key.ini"
printf '[job]\noutput = out2\n[corpus]\npath = %s\nqueries = %s\n' "$work/malformed.jsonl" "$q" > "$work/badcorpus.ini"
expect run-malformed-corpus "malformed.jsonl:3: malformed JSON" "$work/out2/index.h5" -- run "$work/badcorpus.ini"
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all bad-input cases ok at np $np"
