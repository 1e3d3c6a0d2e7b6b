#!/usr/bin/env bash
# spire eval under mpirun with 2 ranks: rank 0 alone prints (output still byte-identical to
# trec_eval's, printed once), --json is written once; a bad input makes mpirun fail with one
# error line and no --json file. Env: SPIRE, MPIEXEC, MPIFLAGS, SPR_SHARED_DIR (skip without).
set -u
. "$(dirname "$0")/../lib.sh"
spr_trec_eval_golden # G, MEAS; skip without
spr_tmpdir tmp
fail=0
run="$G/runs/cranfield.ties.run"
qrels="$SPR_SHARED_DIR/data/cranfield/qrels.txt"
# shellcheck disable=SC2086
if ! "$MPIEXEC" -n 2 $MPIFLAGS "$SPIRE" eval --qrels "$qrels" --run "$run" -q "${MEAS[@]}" \
  --json "$tmp/out.json" > "$tmp/out" 2> "$tmp/err"; then
  echo "FAIL: mpirun spire eval failed"
  cat "$tmp/err"
  fail=1
elif ! cmp -s "$tmp/out" "$G/expected/cranfield.ties.q.txt"; then
  echo "FAIL: output under mpirun differs from trec_eval's"
  diff "$tmp/out" "$G/expected/cranfield.ties.q.txt" | head
  fail=1
elif [ ! -s "$tmp/out.json" ]; then
  echo "FAIL: no --json under mpirun"
  fail=1
fi
rm -f "$tmp/out.json"
printf 'q1 Q0 d1 1 2.5 t\nq1 Q0 d2\n' > "$tmp/bad.run"
# shellcheck disable=SC2086
if "$MPIEXEC" -n 2 $MPIFLAGS "$SPIRE" eval --qrels "$qrels" --run "$tmp/bad.run" \
  --json "$tmp/out.json" > "$tmp/out" 2> "$tmp/err"; then
  echo "FAIL: bad run accepted under mpirun"
  fail=1
fi
if [ "$(grep -c '^spire eval: error: .*bad.run:2: malformed run line' "$tmp/err")" != 1 ]; then
  echo "FAIL: expected exactly one error line naming bad.run:2"
  cat "$tmp/err"
  fail=1
fi
if [ -e "$tmp/out.json" ]; then
  echo "FAIL: --json left behind after an error under mpirun"
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "eval_mpi: ok"
