# tests/lib.sh: shell helpers sourced by the shell tests (tests/<area>/*.sh), as
#   . "$(dirname "$0")/../lib.sh"
# Sourcing only defines functions; each says which variables it reads or sets.
# shellcheck shell=bash
# shellcheck disable=SC2154 # np, work, want_rc, SPIRE, MPIEXEC, MPIFLAGS: set by the caller

# spr_tmpdir VAR [TEMPLATE]: a fresh folder (mktemp -d [TEMPLATE]) in $VAR, removed when the
# script exits (this sets the EXIT trap).
spr_tmpdir() {
  local d
  d=$(mktemp -d ${2:+"$2"}) || exit 1
  printf -v "$1" '%s' "$d"
  # shellcheck disable=SC2064 # the path is known now
  trap "rm -rf '$d'" EXIT
}

# spr_setup: the usual start of a spire test: exit 1 unless $SPIRE is an executable; tmp = a
# temporary folder removed at exit; fail MESSAGE prints "FAIL: MESSAGE" and exits 1.
spr_setup() {
  [ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
  spr_tmpdir tmp
  fail() { echo "FAIL: $*"; exit 1; }
}

# spr_usage_setup: spr_setup for tests of many cases: the working folder is $tmp, and fail MESSAGE
# prints "FAIL: MESSAGE" and counts it in $fails instead of exiting.
spr_usage_setup() {
  [ -x "${SPIRE:-}" ] || { echo "SPIRE not set"; exit 1; }
  spr_tmpdir tmp
  cd "$tmp" || exit 1
  fails=0
  fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
}

# spr_usage CMD MESSAGE ARGS...: `spire CMD ARGS...` exits 2, prints exactly the line
# "spire CMD: error: MESSAGE (see spire CMD --help)" on stderr and nothing on stdout (calls fail).
spr_usage() {
  local cmd=$1 want=$2; shift 2
  "$SPIRE" "$cmd" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || { fail "$cmd $*: exit $rc, not 2"; return; }
  [ "$(cat "$tmp/err")" = "spire $cmd: error: $want (see spire $cmd --help)" ] ||
    fail "$cmd $*: got '$(cat "$tmp/err")', want '$want'"
  [ -s "$tmp/out" ] && fail "$cmd $*: wrote to stdout"
}

# spr_known_item_job FILE OUTPUT [NAME]: a job file for the known-item collection at c/ (next to
# FILE) with outputs in the folder OUTPUT, [job] name NAME (default OUTPUT), top 100.
spr_known_item_job() {
  cat > "$1" <<INI
[job]
name = ${3:-$2}
output = $2
[corpus]
path = c/corpus.jsonl
queries = c/queries.tsv
qrels = c/qrels.txt
[search]
k = 100
INI
}

# spr_synth_everywhere DIR FILES -- SYNTH_ARGS...: spire synth with SYNTH_ARGS into DIR/a (1 thread),
# DIR/b (2 threads) and DIR/c (mpiexec -n 2); each of FILES (space-separated) must be non-empty
# and the same bytes in all three. Reads SPIRE, MPIEXEC, MPIFLAGS; calls the caller's fail.
spr_synth_everywhere() {
  local dir=$1 files=$2 f
  shift 3
  OMP_NUM_THREADS=1 "$SPIRE" synth "$@" --output "$dir/a" || fail "synth a"
  OMP_NUM_THREADS=2 "$SPIRE" synth "$@" --output "$dir/b" || fail "synth b"
  # shellcheck disable=SC2086
  $MPIEXEC -n 2 $MPIFLAGS "$SPIRE" synth "$@" --output "$dir/c" || fail "synth under mpiexec"
  for f in $files; do
    [ -s "$dir/a/$f" ] || fail "missing $f"
    cmp "$dir/a/$f" "$dir/b/$f" || fail "$f differs across thread counts"
    cmp "$dir/a/$f" "$dir/c/$f" || fail "$f differs under mpiexec"
  done
}

# spr_trec_eval_golden: G = the trec_eval golden folder ($SPR_SHARED_DIR/golden/trec_eval) and
# MEAS = its measure list; exits 77 (skip) when the folder has no runs.
# shellcheck disable=SC2034 # G and MEAS are for the caller
spr_trec_eval_golden() {
  G="${SPR_SHARED_DIR:-/nonexistent}/golden/trec_eval"
  if [ ! -d "$G/runs" ]; then
    echo "skip: no golden data in $G"
    exit 77
  fi
  read -r -a MEAS < "$G/MEASURES"
}

# spr_error_cases NP TEMPLATE: the start of a script of spr_expect_error cases: np = NP, work = a
# temporary folder (mktemp -d TEMPLATE) removed at exit, SPR_QUIET=1 exported, fails = 0.
# shellcheck disable=SC2034 # np and fails are for the caller
spr_error_cases() {
  np=$1
  spr_tmpdir work "$2"
  export SPR_QUIET=1
  fails=0
}

# spr_mpi_spire ARGS...: spire ARGS on $np ranks, killed after 60 s (exit 124: a hang).
# Reads np, SPIRE, MPIEXEC, MPIFLAGS.
spr_mpi_spire() {
  # shellcheck disable=SC2086
  timeout 60 "$MPIEXEC" -np "$np" $MPIFLAGS "$SPIRE" "$@"
}

# spr_expect_error NAME PATTERN OUTPUT -- ARGS...: spr_mpi_spire ARGS must fail, print exactly one
# "error:" line, match PATTERN, and leave nothing named OUTPUT* (not checked when OUTPUT is empty).
# Two functions of the caller say what failing means: `spr_error_ok RC` (0 when the exit status RC
# is an acceptable failure; want_rc describes it for the message) and `spr_error_lines FILE` (the
# lines of stderr that PATTERN and the one-error-line rule look at). Prints "ok NAME: LINE", or
# "FAIL NAME: ..." and counts it in fails. Output goes to $work/stdout.log and $work/err.log.
spr_expect_error() {
  local name=$1 pattern=$2 out=$3
  shift 4
  spr_mpi_spire "$@" > "$work/stdout.log" 2> "$work/err.log"
  local rc=$?
  local err
  err=$(spr_error_lines "$work/err.log" || true)
  if ! spr_error_ok "$rc"; then
    echo "FAIL $name: exit $rc (want $want_rc)"; cat "$work/err.log"; fails=$((fails + 1)); return; fi
  if ! grep -q -- "$pattern" <<< "$err"; then
    echo "FAIL $name: message does not match '$pattern':"; echo "$err"; fails=$((fails + 1)); return; fi
  if [ "$(grep -c 'error:' <<< "$err")" -ne 1 ]; then
    echo "FAIL $name: want exactly one error line, got:"; echo "$err"; fails=$((fails + 1)); return; fi
  if [ -n "$out" ] && compgen -G "$out*" > /dev/null; then
    echo "FAIL $name: output left: $(ls "$out"*)"; fails=$((fails + 1)); return; fi
  echo "ok $name: $(grep 'error:' <<< "$err")"
}
