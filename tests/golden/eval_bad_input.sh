#!/usr/bin/env bash
# spire eval on bad input: exit status 1 (2 for usage errors), one error line naming FILE:LINE,
# and no --json file (nor temporary) left behind. Self-contained: needs no shared data.
# Env: SPIRE.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

printf 'q1 0 d1 1\nq1 0 d2 2\nq2 0 d3 1\n' > "$tmp/good.qrels"
printf 'q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 1.5 t\nq2 Q0 d3 1 1.0 t\n' > "$tmp/good.run"
printf 'q1 0 d1 1\nq1 0 d2\n' > "$tmp/short.qrels"
printf 'q1 0 d1 1\nq1 0 d2 two\n' > "$tmp/grade.qrels"
printf '# header\nq1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 1.5\n' > "$tmp/short.run"
printf 'q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 x1.5 t\n' > "$tmp/score.run"
printf 'q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 1.5 t\nq1 Q0 d1 3 0.5 t\n' > "$tmp/dup.run"

# expect STATUS PATTERN ARGS...: spire eval ARGS exits STATUS, stderr is one line matching
# PATTERN (grep -E), and $tmp/out.json does not exist afterwards.
expect() {
  local want=$1 pat=$2
  shift 2
  rm -f "$tmp/out.json"
  "$SPIRE" eval "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: exit $got (want $want): spire eval $*"
    cat "$tmp/stderr"
    fail=1
  fi
  if [ "$(wc -l < "$tmp/stderr")" != 1 ] || ! grep -qE "$pat" "$tmp/stderr"; then
    echo "FAIL: stderr does not match '$pat' in one line: spire eval $*"
    cat "$tmp/stderr"
    fail=1
  fi
  if [ -e "$tmp/out.json" ] || ls "$tmp" | grep -q 'out\.json\.tmp'; then
    echo "FAIL: --json output left behind: spire eval $*"
    fail=1
  fi
}

J=(--json "$tmp/out.json")
expect 1 "^spire eval: error: $tmp/missing.qrels: cannot open qrels file" \
  --qrels "$tmp/missing.qrels" --run "$tmp/good.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/missing.run: cannot open run file" \
  --qrels "$tmp/good.qrels" --run "$tmp/missing.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/short.qrels:2: malformed qrels line" \
  --qrels "$tmp/short.qrels" --run "$tmp/good.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/grade.qrels:2: malformed qrels line: grade 'two'" \
  --qrels "$tmp/grade.qrels" --run "$tmp/good.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/short.run:3: malformed run line" \
  --qrels "$tmp/good.qrels" --run "$tmp/short.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/score.run:2: malformed run line: score 'x1.5'" \
  --qrels "$tmp/good.qrels" --run "$tmp/score.run" "${J[@]}"
expect 1 "^spire eval: error: $tmp/dup.run:3: duplicate document 'd1' for query 'q1'" \
  --qrels "$tmp/good.qrels" --run "$tmp/dup.run" "${J[@]}"
# A bad second run: nothing written for the good first one either.
expect 1 "^spire eval: error: $tmp/dup.run:3: duplicate" \
  --qrels "$tmp/good.qrels" --run "$tmp/good.run" --run "$tmp/dup.run" "${J[@]}"
# Usage errors: status 2.
expect 2 "^spire eval: error: --qrels and --run are required" --run "$tmp/good.run" "${J[@]}"
expect 2 "^spire eval: error: --qrels and --run are required" --qrels "$tmp/good.qrels" "${J[@]}"
expect 2 "^spire eval: error: unknown measure 'bogus'" \
  --qrels "$tmp/good.qrels" --run "$tmp/good.run" --metrics map,bogus "${J[@]}"
expect 2 "^spire eval: error: -M must be an integer in \[1, " \
  --qrels "$tmp/good.qrels" --run "$tmp/good.run" -M 0 "${J[@]}"
expect 2 "^spire eval: error: unknown argument '--frobnicate'" \
  --qrels "$tmp/good.qrels" --run "$tmp/good.run" --frobnicate "${J[@]}"

# The good case writes the JSON file (and nothing else next to it).
if ! "$SPIRE" eval --qrels "$tmp/good.qrels" --run "$tmp/good.run" "${J[@]}" > "$tmp/stdout"; then
  echo "FAIL: good input failed"
  fail=1
elif [ ! -s "$tmp/out.json" ] || ls "$tmp" | grep -q 'out\.json\.tmp'; then
  echo "FAIL: good input: json missing or temporary left"
  fail=1
elif ! grep -q "^map                   	all	1.0000$" "$tmp/stdout"; then
  echo "FAIL: good input: unexpected output"
  cat "$tmp/stdout"
  fail=1
fi
# --help documents the interface.
if ! "$SPIRE" eval --help > "$tmp/help" || ! grep -q -- '--metrics' "$tmp/help" ||
  ! grep -q '# run: PATH' "$tmp/help"; then
  echo "FAIL: spire eval --help"
  fail=1
fi

[ "$fail" = 0 ] || exit 1
echo "eval_bad_input: ok"
