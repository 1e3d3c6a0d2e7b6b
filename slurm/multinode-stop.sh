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
[ -s "$dir/net" ] && net=$(cat "$dir/net")   # the network the start script chose
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
# end_ns SIG NETNS...: signal every process in the namespaces; after SIGTERM wait up to 5 s, then
# SIGKILL what is left; wait until all are gone (zombies aside)
end_ns() {
  local sig=$1 n i left; shift
  ns_pids() { local n; for n in "$@"; do ip netns pids "$n" 2> /dev/null || true; done; }
  # shellcheck disable=SC2046
  kill -"$sig" $(ns_pids "$@") 2> /dev/null || true
  for i in $(seq 1 100); do
    # shellcheck disable=SC2046
    left=$(live $(ns_pids "$@"))
    [ -z "$left" ] && return 0
    # shellcheck disable=SC2086
    [ "$i" = 50 ] && kill -KILL $left 2> /dev/null
    sleep 0.1
  done
  echo "spire multinode: warning: processes still alive in $*: $left" >&2
}

if [ -n "$kill_node" ]; then
  ip netns list | grep -qw "$ns-$kill_node" || { echo "spire multinode: error: no node $kill_node (namespace $ns-$kill_node)" >&2; exit 1; }
  i=${kill_node#node}
  ip link set "${br}h$i" down 2> /dev/null || true   # the node drops off the network at once
  end_ns KILL "$ns-$kill_node"
  say "$kill_node killed (link down, slurmd and its jobs' processes SIGKILLed)"
  exit 0
fi

stopped=()
nodes_ns=()
for n in $(ip netns list | awk '{print $1}' | grep "^$ns-" || true); do
  case "$n" in "$ns-ctl") continue ;; esac
  [ -n "$(ip netns pids "$n" 2> /dev/null)" ] && stopped+=("${n#"$ns-"}")
  nodes_ns+=("$n")
done
[ ${#nodes_ns[@]} -eq 0 ] || end_ns TERM "${nodes_ns[@]}"
if ip netns list | grep -qw "$ns-ctl"; then
  [ -n "$(ip netns pids "$ns-ctl" 2> /dev/null)" ] && stopped+=(slurmctld)
  end_ns TERM "$ns-ctl"
fi
pid=$( [ -s "$dir/munged.pid" ] && cat "$dir/munged.pid" || true)
if [ -n "$pid" ] && [ -n "$(live "$pid")" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "munged.*$dir"; then
  kill -TERM "$pid" 2> /dev/null || true
  for i in $(seq 1 50); do [ -z "$(live "$pid")" ] && break; sleep 0.1; done
  [ -n "$(live "$pid")" ] && kill -KILL "$pid" 2> /dev/null
  stopped+=(munged)
fi
# The veth pairs first, by their host ends: a namespace outlives its name while something holds it
# (a killed node's orphaned TCP sockets retransmit to it for minutes), and its veth with it.
for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^${br}h[0-9]*$" || true); do
  ip link del "$l" 2> /dev/null || true
done
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
