#!/usr/bin/env bash
# Kill safety of `spire run`: a job killed by SIGTERM or SIGKILL in each stage (index, search,
# report; at the stage's start and between its rename and its manifest) and run again finishes
# with the same outputs as an uninterrupted run: run.trec byte for byte, the index by h5diff and
# byte for byte, report.json but for its time-dependent fields. The kill points are hit with the
# SPR_TEST_PAUSE hook of jobs/cmd_run.c (no timing). A half-written temporary file of the stage is
# planted before each kill, as a kill in the middle of a write would leave it: SIGTERM must remove
# it, and after SIGKILL the rerun must, and must not mistake it for an output.
# Usage: resume.sh NP TERM|KILL
set -euo pipefail
np=${1:-2}
sig=${2:-TERM}
work=$(mktemp -d /tmp/spire-resume-XXXXXX)
pid=
cleanup() {
  # only the processes this script started: the mpiexec and its children, by PID
  if [ -n "$pid" ]; then for c in $(children "$pid") "$pid"; do kill -KILL "$c" 2> /dev/null || true; done; fi
  rm -rf "$work"
}
trap cleanup EXIT
export SPR_QUIET=1
mpi() { "$MPIEXEC" -np "$np" $MPIFLAGS "$@"; }
fail() { echo "FAIL ($sig, $point): $*"; exit 1; }
. "$(dirname "$0")/../lib.sh"
# children PID: the PIDs whose parent is PID (from /proc, no procps needed)
children() {
  local s
  for s in /proc/[0-9]*/stat; do
    local f; f=$(sed 's/^.*) //' "$s" 2> /dev/null) || continue
    [ "$(cut -d' ' -f2 <<< "$f")" = "$1" ] && basename "$(dirname "$s")"
  done
  return 0
}

"$SPIRE" synth --profile known-item --docs 3000 --queries 60 --seed 3 --output "$work/c" > /dev/null
job() {  # job NAME: a job file whose outputs go to $work/NAME (every job named resume)
  spr_known_item_job "$work/$1.ini" "$1" resume
}
# report.json without what legitimately changes between runs (time, speed, reuse)
stable_json() { grep -v '"created"\|_seconds"\|"latency_\|"queries_per_second"\|"reused"\|"job_file"\|"path"\|"run"\|"corpus"\|"queries"\|"qrels"' "$1"; }
tmps() { find "$1" -name '*.tmp'; }

job ref
mpi "$SPIRE" run "$work/ref.ini" > /dev/null 2> "$work/ref.log" || { cat "$work/ref.log"; echo "FAIL: uninterrupted run"; exit 1; }
point=reference
[ -s "$work/ref/run.trec" ] && [ -s "$work/ref/index.h5" ] && [ -s "$work/ref/report.json" ] || fail "reference outputs missing"
[ -z "$(tmps "$work/ref")" ] || fail "temporary files after a clean run: $(tmps "$work/ref")"

for point in index.begin index.commit search.begin search.commit report.begin; do
  name=${point/./-}
  job "$name"
  out=$work/$name
  mark=$work/$name.paused
  # mpiexec itself in the background (not through a function: $! would be a subshell)
  SPR_TEST_PAUSE=$point SPR_TEST_PAUSE_FILE=$mark "$MPIEXEC" -np "$np" $MPIFLAGS "$SPIRE" run "$work/$name.ini" \
    > /dev/null 2> "$work/$name.killed.log" &
  pid=$!
  for i in $(seq 1 1200); do [ -e "$mark" ] && break; kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  [ -e "$mark" ] || { cat "$work/$name.killed.log"; fail "the run never reached $point"; }
  # a half-written output of the stage, as a kill in the middle of its write leaves it
  case $point in
    index.*) planted=$out/index.h5.tmp ;;
    search.*) planted=$out/run.trec.tmp ;;
    report.*) planted=$out/report.json.tmp ;;
  esac
  head -c 1000 /dev/urandom > "$planted"
  if [ "$sig" = TERM ]; then
    kill -TERM "$pid"  # mpiexec forwards it to every rank, as srun does under Slurm
  else
    for c in $(children "$pid"); do kill -KILL "$c" 2> /dev/null || true; done
    kill -KILL "$pid" 2> /dev/null || true
  fi
  rc=0; wait "$pid" || rc=$?
  pid=
  [ $rc -ne 0 ] || fail "the killed run exited 0"
  # what a kill at this point must leave
  stage=${point%.*}
  case $point in
    *.begin) [ ! -e "$out/.spire/$stage.manifest" ] || fail "$stage manifest present before its stage ran" ;;
    *.commit)
      [ ! -e "$out/.spire/$stage.manifest" ] || fail "$stage manifest written before the pause"
      [ "$stage" = index ] && { [ -s "$out/index.h5" ] || fail "index not renamed into place"; }
      [ "$stage" = search ] && { [ -s "$out/run.trec" ] || fail "run not renamed into place"; } ;;
  esac
  [ ! -e "$out/report.json" ] || fail "report.json exists after a kill before the report"
  if [ "$sig" = TERM ]; then
    [ -z "$(tmps "$out")" ] || fail "SIGTERM left temporary files: $(tmps "$out")"
  else
    [ -e "$planted" ] || fail "planted file vanished under SIGKILL?"
  fi
  # run again: resumes at the unfinished stage
  mpi "$SPIRE" run "$work/$name.ini" > /dev/null 2> "$work/$name.rerun.log" || { cat "$work/$name.rerun.log"; fail "rerun failed"; }
  case $point in
    search.*|report.*) grep -q "index: .* up to date, skipped" "$work/$name.rerun.log" || fail "rerun redid the finished index stage" ;;
    *) ! grep -q "index: .* up to date" "$work/$name.rerun.log" || fail "rerun skipped the unfinished index stage" ;;
  esac
  case $point in
    report.*) grep -q "search: .* up to date, skipped" "$work/$name.rerun.log" || fail "rerun redid the finished search stage" ;;
    *) ! grep -q "search: .* up to date" "$work/$name.rerun.log" || fail "rerun skipped the unfinished search stage" ;;
  esac
  cmp "$work/ref/run.trec" "$out/run.trec" || fail "run.trec differs from the uninterrupted run"
  h5diff "$work/ref/index.h5" "$out/index.h5" || fail "index differs (h5diff) from the uninterrupted run"
  diff <(h5dump -d /postings/encoded "$work/ref/index.h5" | tail -n +2) <(h5dump -d /postings/encoded "$out/index.h5" | tail -n +2) > /dev/null ||
    fail "decoded postings differ from the uninterrupted run"
  cmp "$work/ref/index.h5" "$out/index.h5" || fail "index file bytes differ from the uninterrupted run"
  diff <(stable_json "$work/ref/report.json") <(stable_json "$out/report.json") || fail "report.json differs"
  [ -s "$out/report.md" ] || fail "no report.md"
  [ -z "$(tmps "$out")" ] || fail "temporary files left after the rerun: $(tmps "$out")"
  if [ "$sig" = KILL ]; then
    grep -q "removed $planted" "$work/$name.rerun.log" || fail "the rerun did not report removing $planted"
  fi
  echo "ok $sig at $point: killed (exit $rc), rerun resumed and matches the uninterrupted run"
done
