#!/usr/bin/env bash
# Label multinode: spire on a 3-node Slurm on this machine (slurm/multinode-start.sh: a slurmd per
# network, UTS and mount namespace). Usage: multinode.sh PART SOURCE_DIR, PART one of
#   start     start the cluster (the CTest fixture's setup; exit 77 where namespaces are refused)
#   cluster   3 nodes with their own hostname, address, network namespace and /tmp, a shared folder,
#             no route out; MPI cannot use shared memory between nodes; the skip path (exit 77)
#   job       sbatch -N 3 --ntasks-per-node 2 of slurm/spire.sbatch (srun --mpi=pmix, spills to the
#             nodes' /tmp) and mpirun inside an allocation (btl self,tcp) both equal np 1
#   nodefail  a node dies (link down, its slurmd and ranks SIGKILLed) under a job in its index
#             stage and one in its search stage: both end within the bound, say why in their logs,
#             leave no partial output; Slurm requeues them and they finish equal to np 1
#   stop      stop the cluster; nothing may be left (processes, namespaces, links, folder)
# Environment (tests/multinode/multinode.cmake): SPR_MN_DIR, SPR_MN_NET=auto, SPR_MN_SHARE, SPIRE.
set -euo pipefail
part=${1:?usage: multinode.sh start|cluster|job|nodefail|stop SOURCE_DIR}
src=${2:?usage: multinode.sh PART SOURCE_DIR}
dir=${SPR_MN_DIR:?SPR_MN_DIR not set}
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
fail() {
  echo "FAIL: $*"
  for f in "${work:-/nonexistent}"/*.out; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done
  for f in "$dir"/slurmctld.log "$dir"/nodes/*/slurmd.log; do [ -e "$f" ] && { echo "== $f (last lines)"; tail -n 15 "$f"; }; done
  exit 1
}
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" failed"' ERR

case "$part" in
  start)
    [ "$(id -u)" -eq 0 ] || { echo "skip: the multi-node cluster needs root"; exit 77; }
    command -v slurmctld > /dev/null || { echo "skip: no Slurm installed (slurm-wlm)"; exit 77; }
    rc=0; bash "$src/slurm/multinode-start.sh" --nodes 3 || rc=$?
    echo "multinode start: $(elapsed) s"
    exit $rc ;;
  stop)
    [ -d "$dir" ] || { echo "no cluster in $dir"; exit 0; }
    net=$(cat "$dir/net" 2> /dev/null || echo none)
    bash "$src/slurm/multinode-stop.sh"
    left=$(ip netns list | awk '{print $1}' | grep "^spire-mn$net-" || true)
    [ -z "$left" ] || fail "namespaces left: $left"
    ! ip link show "sprmn$net" > /dev/null 2>&1 || fail "bridge sprmn$net left"
    [ -z "$(ip -o link | grep "sprmn${net}h" || true)" ] || fail "veths left: $(ip -o link | grep "sprmn${net}h")"
    [ ! -e "$dir" ] || fail "$dir left"
    for p in $(pgrep -f -- "$dir" || true); do
      st=$(sed 's/^.*) //' "/proc/$p/stat" 2> /dev/null | cut -d' ' -f1) || continue
      [ "$st" = Z ] || fail "process left: $p $(tr '\0' ' ' < "/proc/$p/cmdline")"
    done
    echo "ok stopped, nothing left (namespaces, links, folder, processes); $(elapsed) s"
    exit 0 ;;
esac

[ -s "$dir/env" ] || { echo "skip: no multi-node cluster in $dir (multinode_start was skipped)"; exit 77; }
# shellcheck disable=SC1091
. "$dir/env"
net=$(cat "$dir/net")
export SPIRE SPR_QUIET=1
work=$(mktemp -d "$dir/shared/$part-XXXXXX")
chmod 0755 "$work"
cleanup() {
  squeue -h -o '%i %j' 2> /dev/null | awk -v p="mn$$-" 'index($2, p) == 1 { print $1 }' | xargs -r scancel 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/../lib.sh"
cd "$work"

# js ID: "STATE RESTARTS EXITCODE" of a job
js() {
  local info
  info=$(scontrol show job "$1" 2> /dev/null || true)
  echo "$(grep -o 'JobState=[A-Z_]*' <<< "$info" | cut -d= -f2) $(grep -o 'Restarts=[0-9]*' <<< "$info" | cut -d= -f2) $(grep -o ' ExitCode=[0-9]*' <<< "$info" | cut -d= -f2)"
}
terminal() { case "$1" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) return 0 ;; esac; return 1; }
# wait_done SECONDS ID...: every job in a final state (sbatch --wait polls too slowly: up to 30 s late)
wait_done() {
  local limit=$1 id s i; shift
  for id in "$@"; do
    for i in $(seq 1 $((limit * 4))); do
      read -r s _ _ <<< "$(js "$id")"
      terminal "$s" && break
      sleep 0.25
    done
    terminal "$s" || fail "job $id still $s after $limit s"
  done
}
stable_json() { grep -v '"created"\|_seconds"\|"latency_\|"queries_per_second"\|"reused"\|"job_file"\|"path"\|"run"\|"corpus"\|"queries"\|"qrels"\|"job"\|"name"\|"host"' "$1"; }
same_as_ref() {  # same_as_ref DIR: run, index (h5diff and bytes) and report as the np 1 job's
  cmp "$work/ref/run.trec" "$work/$1/run.trec" || fail "$1: run.trec differs from np 1"
  h5diff "$work/ref/index.h5" "$work/$1/index.h5" || fail "$1: index datasets differ from np 1 (h5diff)"
  cmp "$work/ref/index.h5" "$work/$1/index.h5" || fail "$1: index bytes differ from np 1"
  diff <(stable_json "$work/ref/report.json" | grep -v '"ranks"') <(stable_json "$work/$1/report.json" | grep -v '"ranks"') ||
    fail "$1: report.json differs from np 1"
}
# job NAME [budget]: a job file for the collection in c/, outputs in NAME/; with budget, a 1 MB
# memory budget whose spills go to the node-local scratch of the sbatch scripts
job() {
  spr_known_item_job "$work/$1.ini" "$1"
  if [ -n "${2:-}" ]; then printf '[index]\nmemory_budget_mb = 1\nspill_dir = ${SPIRE_SCRATCH}\n' >> "$work/$1.ini"; fi
}
collection() {  # a small collection and the np 1 reference (spire run, 1 process, no mpirun)
  "$SPIRE" synth --profile known-item --docs 2000 --queries 40 --seed 5 --output "$work/c" > /dev/null
  job ref
  "$SPIRE" run "$work/ref.ini" > /dev/null 2>&1 || fail "the np 1 job failed"
}
# spire processes in a node's network namespace
spire_procs() { local p; for p in $(ip netns pids "spire-mn$net-$1" 2> /dev/null); do [ "$(cat "/proc/$p/comm" 2> /dev/null)" = spire ] && echo "$p"; done; return 0; }

case "$part" in
cluster)
  [ "$(sinfo -h -N -o '%N %t' | sort | tr '\n' ' ')" = "node1 idle node2 idle node3 idle " ] ||
    fail "want node1..3 idle: $(sinfo -h -N -o '%N %t' | tr '\n' ' ')"
  # each node: its hostname, address, network namespace, a /tmp of its own, the shared folder
  srun -N 3 --ntasks-per-node 1 bash -c '
    h=$(hostname); echo "$h" > /tmp/mark.'$$'; sleep 1
    echo "$h $(cat /tmp/mark.'$$') $(ip -4 -o addr show eth0 | awk "{print \$4}") $(readlink /proc/self/ns/net) route:$(ip -4 route show default | wc -l)"
    touch '"$work"'/seen.$h; rm -f /tmp/mark.'$$ > nodes.txt 2> srun.err || fail "srun -N 3: $(cat srun.err)"
  sort nodes.txt
  [ "$(awk '{print $1}' nodes.txt | sort | tr '\n' ' ')" = "node1 node2 node3 " ] || fail "hostnames: $(cat nodes.txt)"
  awk '$1 != $2 { exit 1 }' nodes.txt || fail "a node read another node's /tmp: $(cat nodes.txt)"
  [ ! -e "/tmp/mark.$$" ] || fail "a node's /tmp is the host's"
  for i in 1 2 3; do grep -q "^node$i node$i 10\.213\.$net\.$((10 + i))/24 " nodes.txt || fail "node$i: want address 10.213.$net.$((10 + i)): $(cat nodes.txt)"; done
  [ "$(awk '{print $4}' nodes.txt | sort -u | wc -l)" = 3 ] || fail "the nodes share a network namespace"
  [ "$(awk '{print $4}' nodes.txt | grep -c "$(readlink /proc/self/ns/net)" || true)" = 0 ] || fail "a node is in the host's network namespace"
  grep -q 'route:0$' nodes.txt && ! grep -qv 'route:0$' nodes.txt || fail "a node has a default route"
  seen=("$work"/seen.*)
  [ ${#seen[@]} = 3 ] || fail "the shared folder: ${seen[*]}"
  echo "ok 3 nodes: own hostname, address, network namespace and /tmp; shared $dir; no route out"
  # MPI between nodes: shared memory (vader) cannot reach a rank on another node
  rc=0
  OMPI_MCA_btl=self,vader timeout 60 srun -N 2 -n 2 --mpi=pmix "$SPIRE" synth --docs 10 --queries 2 --output "$work/v" > vader.out 2>&1 || rc=$?
  [ $rc -ne 0 ] && grep -q "unable to reach each other" vader.out && grep -q "is on host: node2" vader.out ||
    fail "btl self,vader between 2 nodes did not fail as it must (exit $rc): $(cat vader.out)"
  echo "ok shared memory does not reach between nodes (btl self,vader fails: 'unable to reach each other')"
  # where namespaces are refused (here: a user namespace without privileges) the start script skips
  if unshare --user --map-root-user true 2> /dev/null; then
    rc=0
    SPR_MN_DIR=$work/userns unshare --user --map-root-user bash "$src/slurm/multinode-start.sh" > userns.out 2>&1 || rc=$?
    [ $rc = 77 ] && grep -q "not allowed here" userns.out || fail "no namespaces: exit $rc (want 77): $(cat userns.out)"
    [ ! -e "$work/userns" ] || fail "no namespaces: the start script left $work/userns"
    echo "ok without namespaces the start script exits 77: $(cat userns.out)"
  fi
  ;;

job)
  collection
  job mn budget
  job mp
  rx0=$(cat "/sys/class/net/sprmn${net}h2/statistics/tx_bytes")
  a=$(sbatch --parsable --job-name="mn$$-srun" -o "$work/mn.out" -N 3 --ntasks-per-node 2 "$src/slurm/spire.sbatch" mn.ini)
  # mpirun inside an allocation: its daemons start through Slurm, the ranks talk TCP only
  # (--mca btl self,tcp: not even shared memory within a node)
  b=$(sbatch --parsable --job-name="mn$$-mpirun" -o "$work/mp.out" -N 3 --ntasks-per-node 2 \
    --wrap "mpirun --allow-run-as-root --bind-to none --mca btl self,tcp $SPIRE run mp.ini")
  wait_done 120 "$a" "$b"
  for j in "$a mn" "$b mp"; do
    read -r id name <<< "$j"
    read -r s _ x <<< "$(js "$id")"
    [ "$s" = COMPLETED ] && [ "$x" = 0 ] || fail "$name: job $id ended $s, exit $x"
  done
  rx=$(( $(cat "/sys/class/net/sprmn${net}h2/statistics/tx_bytes") - rx0 ))
  grep -q "(3 node(s)): 6 rank(s)" mn.out || fail "mn: not 6 ranks on 3 nodes: $(head -1 mn.out)"
  grep -q '"ranks":[[:space:]]*6' mn/report.json || fail "mn: the report does not say 6 ranks"
  grep -q "bounded memory" mn.out || fail "mn: the index did not spill"
  same_as_ref mn
  echo "ok sbatch -N 3 --ntasks-per-node 2 spire.sbatch (srun --mpi=pmix; spills in the nodes' /tmp): equal to np 1"
  grep -q '"ranks":[[:space:]]*6' mp/report.json || fail "mp: the report does not say 6 ranks"
  same_as_ref mp
  echo "ok mpirun in a 3-node allocation (btl self,tcp): equal to np 1"
  # node2's two ranks received their share of the corpus, the index and the queries over the bridge
  [ "$rx" -gt 500000 ] || fail "node2 received only $rx bytes over its link: MPI did not go over TCP?"
  echo "ok node2 received $rx bytes over its link during the two jobs"
  ;;

nodefail)
  collection
  job di; job ds
  # di pauses in the middle of its merge (the collective HDF5 write of index.h5.tmp: documents
  # written, terms not yet), ds at the start of search (rank 0 sleeps; the other ranks wait for it
  # in the next collective). di runs on node1 and node2, ds on node2 and
  # node3: node2 is a plain node of the first and the batch host (rank 0, the script) of the second.
  a=$(SPR_TEST_PAUSE=index.merge SPR_TEST_PAUSE_FILE=$work/di.paused sbatch --parsable --job-name="mn$$-di" \
    -o "$work/di.out" -w node1,node2 -N 2 --ntasks-per-node 2 "$src/slurm/spire.sbatch" di.ini)
  b=$(SPR_TEST_PAUSE=search.begin SPR_TEST_PAUSE_FILE=$work/ds.paused sbatch --parsable --job-name="mn$$-ds" \
    -o "$work/ds.out" -w node2,node3 -N 2 --ntasks-per-node 2 "$src/slurm/spire.sbatch" ds.ini)
  for i in $(seq 1 600); do [ -e di.paused ] && [ -e ds.paused ] && break; sleep 0.2; done
  [ -e di.paused ] && [ -e ds.paused ] || fail "the jobs did not reach their pause points"
  [ -e di/index.h5.tmp ] || fail "di paused in its merge without an index.h5.tmp being written"
  [ "$(spire_procs node2 | wc -l)" = 4 ] || fail "want 4 spire ranks on node2: $(spire_procs node2 | wc -l)"
  tk=$(date +%s.%N)
  bash "$src/slurm/multinode-stop.sh" --kill node2
  # the bound: every surviving rank gone and both jobs out of RUNNING
  end=
  for i in $(seq 1 480); do
    sa=$(js "$a" | cut -d' ' -f1); sb=$(js "$b" | cut -d' ' -f1)
    if [ "$sa" != RUNNING ] && [ "$sb" != RUNNING ] && [ -z "$(spire_procs node1)$(spire_procs node3)" ]; then
      end=$(awk -v a="$tk" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'); break
    fi
    sleep 0.25
  done
  [ -n "$end" ] || fail "the jobs still run 120 s after node2 died: $(js "$a") / $(js "$b")"
  awk -v e="$end" 'BEGIN { exit !(e <= 45) }' || fail "the jobs ended $end s after node2 died: over the 45 s bound"
  echo "ok node2 died (SlurmdTimeout=10): both jobs ended after $end s (bound 45 s), states $(js "$a" | cut -d' ' -f1), $(js "$b" | cut -d' ' -f1)"
  # di's log (kept by node1) says why; ds's script died with node2, so only slurmctld can
  grep -q "DUE TO NODE FAILURE" di.out || fail "di: no node failure message in the job's log"
  for j in "$a di" "$b ds"; do
    read -r id n <<< "$j"
    [ ! -e "$n/run.trec" ] || fail "$n: a run.trec exists after the failure"
    grep -q "requeue job JobId=$id due to failure of node node2" "$dir/slurmctld.log" || fail "$n: not requeued (slurmctld.log)"
  done
  [ ! -e di/index.h5 ] || fail "di: an index.h5 exists after a failure in its index stage"
  cmp ref/index.h5 ds/index.h5 || fail "ds: the index (complete before the failure) changed"
  echo "ok the logs say why (di's 'DUE TO NODE FAILURE', slurmctld's requeue of both); no partial output (di: no index, ds: its complete index, no run)"
  # node2 boots again; Slurm has requeued both jobs (--requeue in the script): start them now
  # rather than after the requeue delay
  bash "$src/slurm/multinode-start.sh" --node node2
  for id in "$a" "$b"; do
    for i in $(seq 1 240); do read -r s r _ <<< "$(js "$id")"; [ "$s" = PENDING ] && [ "${r:-0}" -ge 1 ] && break; sleep 0.25; done
    [ "$s" = PENDING ] || fail "job $id is $s, not requeued"
    sleep 1  # slurmd refuses a launch in the same second as the job's kill
    scontrol update JobId="$id" StartTime=now
  done
  wait_done 120 "$a" "$b"
  for id in "$a" "$b"; do
    read -r s _ x <<< "$(js "$id")"
    [ "$s" = COMPLETED ] && [ "$x" = 0 ] || fail "job $id ended $s, exit $x after the requeue"
  done
  grep -q "index: .* up to date, skipped" ds.out || fail "ds: the requeued job redid the index"
  grep -q "restart 1 of job $b" ds.out || fail "ds: the log does not say the job restarted"
  same_as_ref di
  same_as_ref ds
  echo "ok requeued by Slurm, node2 back: both jobs finished equal to np 1 (ds, whose batch host died, resumed at search)"
  ;;
*) fail "unknown part $part" ;;
esac
echo "ok multinode $part: $(elapsed) s"
