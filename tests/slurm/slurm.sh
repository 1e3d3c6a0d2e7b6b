#!/usr/bin/env bash
# On a real Slurm (slurm/cluster-start.sh; SLURM_CONF, default /tmp/spire-slurm/slurm.conf; started
# here and stopped after if it is not running): sbatch --wait slurm/spire.sbatch on a small synthetic
# collection and check the report; then jobs stopped as at the time limit (SIGTERM to the batch
# script, what --signal=B:TERM@120 sends) in the search and the index stage, requeued by the
# script itself (SPIRE_REQUEUE=1) or resubmitted by hand, must finish with the outputs of the uninterrupted
# job; last, a job array over two job files. Usage: slurm.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: slurm.sh SOURCE_DIR}
command -v sbatch > /dev/null && command -v slurmctld > /dev/null || { echo "no Slurm installed: skip"; exit 77; }
export SLURM_CONF=${SLURM_CONF:-/tmp/spire-slurm/slurm.conf}
started=
work=$(mktemp -d /tmp/spire-slurm-test-XXXXXX)
chmod 0755 "$work"
cleanup() {
  # cancel only this test's jobs (by name), stop the cluster only if this test started it
  squeue -h -o '%i %j' 2> /dev/null | awk -v p="spire-t$$-" 'index($2, p) == 1 { print $1 }' | xargs -r scancel 2> /dev/null || true
  [ -n "$started" ] && SPR_SLURM_DIR=$started bash "$src/slurm/cluster-stop.sh" > /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" failed"' ERR
if ! sinfo -h > /dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "no cluster at $SLURM_CONF and not root to start one: skip"; exit 77; }
  started=$(dirname "$SLURM_CONF")
  SPR_SLURM_DIR=$started bash "$src/slurm/cluster-start.sh"
fi
fail() { echo "FAIL: $*"; for f in "$work"/*.out; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done; exit 1; }
. "$(dirname "$0")/../lib.sh"
t0=$(date +%s)
export SPIRE SPR_QUIET=1
cd "$work"
"$SPIRE" synth --profile known-item --docs 3000 --queries 60 --seed 5 --output "$work/c" > /dev/null
job() { spr_known_item_job "$work/$1.ini" "$1"; }  # job NAME
# sub NAME [sbatch options] -- [script args]: sbatch --wait the spire script, exit status in $rc
sub() {
  local name=$1; shift
  rc=0
  sbatch --wait --job-name="spire-t$$-$name" --output="$work/$name.out" "$@" > /dev/null || rc=$?
}
stable_json() { grep -v '"created"\|_seconds"\|"latency_\|"queries_per_second"\|"reused"\|"job_file"\|"path"\|"run"\|"corpus"\|"queries"\|"qrels"\|"job"' "$1"; }
num() { sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([-0-9.e+]*\).*/\1/p" "$1" | head -1; }
same_as_ref() {  # same_as_ref DIR
  cmp "$work/ref/run.trec" "$work/$1/run.trec" || fail "$1: run.trec differs from the uninterrupted job"
  h5diff "$work/ref/index.h5" "$work/$1/index.h5" || fail "$1: index differs (h5diff)"
  cmp "$work/ref/index.h5" "$work/$1/index.h5" || fail "$1: index bytes differ"
  diff <(stable_json "$work/ref/report.json") <(stable_json "$work/$1/report.json") || fail "$1: report.json differs"
  [ -z "$(find "$work/$1" -name '*.tmp')" ] || fail "$1: temporary files left: $(find "$work/$1" -name '*.tmp')"
}
# stop_at NAME POINT [VAR=value...]: submit with the pause hook in the background, wait for the
# pause, and send SIGTERM to the batch script only (what --signal=B:TERM@120 does near the time
# limit). Then finish NAME: $bg is the background sbatch --wait, $jobid the job.
stop_at() {
  local name=$1 point=$2; shift 2
  job "$name"
  ( r=0
    env "$@" SPR_TEST_PAUSE=$point SPR_TEST_PAUSE_FILE="$work/$name.paused" \
      sbatch --wait --job-name="spire-t$$-$name" --output="$work/$name.out" -n 2 "$src/slurm/spire.sbatch" "$name.ini" > /dev/null || r=$?
    echo $r > "$work/$name.rc" ) &
  bg=$!
  local i
  for i in $(seq 1 1200); do [ -e "$work/$name.paused" ] && break; kill -0 $bg 2> /dev/null || break; sleep 0.1; done
  [ -e "$work/$name.paused" ] || fail "$name: the job never reached $point"
  jobid=$(squeue -h -n "spire-t$$-$name" -o %i | head -1)
  [ -n "$jobid" ] || fail "$name: job not found in squeue"
  scancel --batch --signal=TERM "$jobid"
}
finish() {  # finish NAME: wait for the background sbatch --wait; $rc is the job's status
  wait $bg || true
  rc=$(cat "$work/$1.rc")
}

# 1. the demo job, uninterrupted
job ref
sub ref -n 2 "$src/slurm/spire.sbatch" ref.ini
[ $rc -eq 0 ] || fail "sbatch --wait spire.sbatch exited $rc"
r=$work/ref/report.json
[ -s "$r" ] && [ -s "$work/ref/report.md" ] || fail "no report"
grep -q '"ranks":[[:space:]]*2' "$r" || fail "report does not say 2 ranks"
[ "$(num "$r" documents)" = 3000 ] || fail "documents $(num "$r" documents), want 3000"
[ "$(num "$r" queries)" = 60 ] || fail "queries $(num "$r" queries), want 60"
awk -v m="$(num "$r" map)" -v n="$(num "$r" ndcg_cut_10)" -v rr="$(num "$r" recip_rank)" \
  'BEGIN { exit !(m > 0.3 && m <= 1 && n > 0.3 && n <= 1 && rr >= m - 1e-9 && rr <= 1) }' ||
  fail "implausible metrics: map $(num "$r" map), ndcg_cut_10 $(num "$r" ndcg_cut_10), recip_rank $(num "$r" recip_rank)"
echo "ok sbatch --wait: report with map $(num "$r" map), nDCG@10 $(num "$r" ndcg_cut_10) on 3000 documents, 2 ranks"

# 2. stopped in the search stage; the script requeues the job (SPIRE_REQUEUE=1). Slurm holds a
# requeued job for about two minutes (its BeginTime); the test lets it start at once.
stop_at auto search.begin SPIRE_REQUEUE=1
# sbatch --wait may return while the job is requeued: follow the job itself until its second run ends
released=0 info= st=
for i in $(seq 1 3000); do
  info=$(scontrol show job "$jobid" 2> /dev/null || true)
  st=$(grep -o 'JobState=[A-Z_]*' <<< "$info" | cut -d= -f2 || true)
  restarts=$(grep -o 'Restarts=[0-9]*' <<< "$info" | cut -d= -f2 || true)
  # not in the second of the first run's kill: slurmd refuses to launch a job whose credential is
  # not newer (in whole seconds) than that job's revocation ("already killed, do not launch")
  if [ "$st" = PENDING ] && [ $released = 0 ]; then sleep 2; scontrol update JobId="$jobid" StartTime=now && released=1; fi
  # the first run's end may show as a terminal state for a moment: count only after PENDING
  case "$st" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)
    [ $released = 1 ] && [ "${restarts:-0}" -ge 1 ] && break ;;
  esac
  sleep 0.2
done
finish auto
rc=$(grep -o ' ExitCode=[0-9]*' <<< "$info" | cut -d= -f2 || true)
[ "$st" = COMPLETED ] && [ "$rc" = 0 ] || fail "auto: the requeued job ended $st, exit ${rc:-?}"
grep -q "stopped cleanly" "$work/auto.out" || fail "auto: no clean stop in the log"
grep -q "requeueing job" "$work/auto.out" || fail "auto: not requeued"
grep -q "index: .* up to date, skipped" "$work/auto.out" || fail "auto: the requeued job redid the index"
grep -q "spire run exited with status 0" "$work/auto.out" || fail "auto: the requeued job did not finish"
same_as_ref auto
echo "ok stopped in search, requeued itself, resumed at search, outputs identical"

# 3. stopped between the index's rename and its manifest; resubmitted by hand
stop_at manual index.commit
finish manual
[ "$rc" = 75 ] || fail "manual: exit $rc, want 75"
[ ! -e "$work/manual/.spire/index.manifest" ] && [ ! -e "$work/manual/run.trec" ] || fail "manual: unexpected state after the stop"
[ -z "$(find "$work/manual" -name '*.tmp')" ] || fail "manual: temporary files after SIGTERM"
sub manual -n 2 "$src/slurm/spire.sbatch" manual.ini
[ $rc -eq 0 ] || fail "manual: resubmission exited $rc"
same_as_ref manual
echo "ok stopped in index (exit 75), resubmitted by hand, outputs identical"

# 4. a job array over two job files (one per array task)
job a1; job a2
printf '# job files, one per array task\n%s\n\n%s\n' "$work/a1.ini" a2.ini > "$work/jobs.txt"
rc=0
sbatch --wait --array=1-2 --job-name="spire-t$$-array" --output="$work/array-%a.out" -n 1 \
  "$src/slurm/spire-array.sbatch" jobs.txt > /dev/null || rc=$?
[ $rc -eq 0 ] || fail "array: exited $rc"
for a in a1 a2; do
  cmp "$work/ref/run.trec" "$work/$a/run.trec" || fail "array: $a/run.trec differs"
  [ -s "$work/$a/report.json" ] || fail "array: no $a report"
done
echo "ok job array of 2 job files"
echo "ok: slurm tests took $(( $(date +%s) - t0 )) s"
