#!/usr/bin/env bash
# slurm/multinode-stop.sh: stop the multi-node test cluster of slurm/multinode-start.sh (same
# SPR_MN_DIR and SPR_MN_NET) and remove everything it made: the processes in its namespaces
# (daemons and the jobs they run), munged, the namespaces with their veth pairs, the bridge, and
# the folder (SPR_MN_KEEP=1 keeps the folder and its logs). Idempotent.
#
#   slurm/multinode-stop.sh               the whole cluster
#   slurm/multinode-stop.sh --kill node2  one node dies: its link goes down first (no goodbye
#                                         packets), then its slurmd and every process of its jobs
#                                         get SIGKILL. slurm/multinode-start.sh --node node2 brings
#                                         it back.
# Only processes inside this cluster's network namespaces (which this cluster's daemons started)
# and the munged whose PID the start script recorded are signalled.
set -euo pipefail
dir=${SPR_MN_DIR:-/tmp/spire-mn}
dir=${dir%/}
net=${SPR_MN_NET:-1}
br=sprmn$net
ns=spire-mn$net
kill_node=
case "${1:-}" in
  --kill) kill_node=${2:?--kill NODE} ;;
  '') ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "multinode-stop.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac
say() { echo "spire multinode: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "spire multinode: error: must run as root" >&2; exit 1; }

# live PIDS...: those of PIDS still running (not zombies)
live() {
  local p st
  for p in "$@"; do
    st=$(sed 's/^.*) //' "/proc/$p/stat" 2> /dev/null | cut -d' ' -f1) || continue
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && echo "$p"
  done
  return 0
}
# end_ns NETNS SIG: signal every process in the namespace; SIGTERM waits up to 5 s, then SIGKILLs
end_ns() {
  local n=$1 sig=$2 pids i
  pids=$(ip netns pids "$n" 2> /dev/null || true)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -"$sig" $pids 2> /dev/null || true
  for i in $(seq 1 50); do
    # shellcheck disable=SC2086
    [ -z "$(live $(ip netns pids "$n" 2> /dev/null))" ] && return 0
    [ "$sig" = TERM ] && [ "$i" = 40 ] && { sig=KILL; kill -KILL $(ip netns pids "$n" 2> /dev/null) 2> /dev/null || true; }
    sleep 0.1
  done
  # shellcheck disable=SC2046
  kill -KILL $(ip netns pids "$n" 2> /dev/null) 2> /dev/null || true
}

if [ -n "$kill_node" ]; then
  ip netns list | grep -qw "$ns-$kill_node" || { echo "spire multinode: error: no node $kill_node (namespace $ns-$kill_node)" >&2; exit 1; }
  i=${kill_node#node}
  ip link set "${br}h$i" down 2> /dev/null || true   # the node drops off the network at once
  end_ns "$ns-$kill_node" KILL
  say "$kill_node killed (link down, slurmd and its jobs' processes SIGKILLed)"
  exit 0
fi

stopped=()
for n in $(ip netns list | awk '{print $1}' | grep "^$ns-" || true); do
  case "$n" in "$ns-ctl") continue ;; esac
  [ -n "$(ip netns pids "$n" 2> /dev/null)" ] && stopped+=("${n#"$ns-"}")
  end_ns "$n" TERM
done
if ip netns list | grep -qw "$ns-ctl"; then
  [ -n "$(ip netns pids "$ns-ctl" 2> /dev/null)" ] && stopped+=(slurmctld)
  end_ns "$ns-ctl" TERM
fi
pid=$( [ -s "$dir/munged.pid" ] && cat "$dir/munged.pid" || true)
if [ -n "$pid" ] && [ -n "$(live "$pid")" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "munged.*$dir"; then
  kill -TERM "$pid" 2> /dev/null || true
  for i in $(seq 1 50); do [ -z "$(live "$pid")" ] && break; sleep 0.1; done
  [ -n "$(live "$pid")" ] && kill -KILL "$pid" 2> /dev/null
  stopped+=(munged)
fi
# deleting a namespace deletes the veth pair whose one end is in it
for n in $(ip netns list | awk '{print $1}' | grep "^$ns-" || true); do ip netns del "$n"; done
ip link show "$br" > /dev/null 2>&1 && ip link del "$br"
if [ ${#stopped[@]} -eq 0 ]; then say "nothing was running (SPR_MN_NET=$net)"; else say "stopped ${stopped[*]}"; fi
if [ -d "$dir" ]; then
  # the nodes' bind mounts live in their own mount namespaces, gone with their processes; never
  # remove a folder with a mount under it (it could reach a shared folder)
  if grep -q " $dir/" /proc/self/mountinfo; then
    echo "spire multinode: error: mounts remain under $dir: not removed" >&2; exit 1
  fi
  if [ "${SPR_MN_KEEP:-0}" = 1 ]; then say "kept $dir (logs: $dir/slurmctld.log, $dir/nodes/*/slurmd.log)"
  else rm -rf --one-file-system "$dir"; fi
fi
