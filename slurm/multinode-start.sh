#!/usr/bin/env bash
# slurm/multinode-start.sh: a real multi-node Slurm on one machine, for tests and for trying spire
# before a real cluster. Every node is a slurmd in its own network namespace (own address on a
# private bridge), UTS namespace (own hostname) and mount namespace (own /tmp and /dev/shm);
# slurmctld runs in a namespace of its own; one munged serves all (through its socket file).
# docs/slurm.md.
#
#   slurm/multinode-start.sh [--nodes N]      then   . /tmp/spire-mn/env
#   slurm/multinode-start.sh --node node2     (re)start one node, e.g. after multinode-stop.sh --kill node2
#   slurm/multinode-stop.sh [--kill NODE]
#
# Environment: SPR_MN_DIR (state folder, default /tmp/spire-mn), SPR_MN_NET (1..254, default 1:
# the subnet 10.213.NET.0/24, bridge sprmnNET, namespaces spire-mnNET-*; two clusters need two
# values; "auto" takes the first free one from 100 up, as the tests do), SPR_MN_NODES (default 3),
# SPR_MN_CPUS (CPUs each node advertises, default 4), SPR_MN_SHARE (colon-separated folders under
# /tmp that the nodes must see; see below).
#
# Addresses: the host is 10.213.NET.1 on the bridge, slurmctld ("ctl") .2, nodeI .(10+I). No
# route leaves the subnet: traffic stays between these namespaces (and each one's loopback).
# File systems: the nodes share the machine's file system (as a cluster file system would be
# shared), except /tmp: each node has its own (SPR_MN_DIR/nodes/NAME/tmp, bound over /tmp in the
# node's mount namespace), as on a real cluster. SPR_MN_DIR itself and the SPR_MN_SHARE folders
# are visible at the same path everywhere; put job files and outputs in SPR_MN_DIR/shared or
# outside /tmp (a home or project folder).
# Must run as root. Exits 77 (after saying why) where network namespaces cannot be created
# (an unprivileged container, for instance), so that tests can skip. Idempotent.
set -euo pipefail
dir=${SPR_MN_DIR:-/tmp/spire-mn}
net=${SPR_MN_NET:-1}
nodes=${SPR_MN_NODES:-3}
cpus=${SPR_MN_CPUS:-4}
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:?--nodes N}; shift 2 ;;
    --nodes=*) nodes=${1#--nodes=}; shift ;;
    --node) only=${2:?--node NAME}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "multinode-start.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { echo "spire multinode: $*"; }
die() { echo "spire multinode: error: $*" >&2; exit 1; }
skip() { echo "spire multinode: cannot run here: $*" >&2; exit 77; }
# a running cluster's (or a node restart's) network is the one it was started with
[ -s "$dir/net" ] && net=$(cat "$dir/net")
case "$net" in
  auto) ;;
  ''|*[!0-9]*) die "SPR_MN_NET=$net: want 1..254 or auto" ;;
  *) [ "$net" -ge 1 ] && [ "$net" -le 254 ] || die "SPR_MN_NET=$net: want 1..254 or auto" ;;
esac
case "$nodes" in ''|*[!0-9]*) die "--nodes $nodes: want 1..200" ;; esac
[ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] || die "--nodes $nodes: want 1..200"
case "$dir" in /*) ;; *) die "SPR_MN_DIR=$dir: want an absolute path" ;; esac
dir=${dir%/}

conf=$dir/slurm.conf
set_net() { sub=10.213.$net; br=sprmn$net; ns=spire-mn$net; }
[ "$net" = auto ] || set_net

[ "$(id -u)" -eq 0 ] || skip "must run as root (namespaces, and slurmd starts jobs as other users)"
for p in ip unshare nsenter munged slurmctld slurmd sinfo; do
  command -v "$p" > /dev/null || skip "$p not found (Debian packages iproute2, util-linux, munge, slurm-wlm)"
done
id munge > /dev/null 2>&1 || skip "no 'munge' user: install the Debian package munge"

. "$(dirname "$0")/lib.sh" # alive, pidof_ours
node_names() { local i; for i in $(seq 1 "$nodes"); do echo "node$i"; done; }

# node_state NAME: the controller's view of a node (idle, mix, alloc, down*, ...), or empty
node_state() { SLURM_CONF=$conf timeout 10 sinfo -h -N -n "$1" -o %t 2> /dev/null | head -1 || true; }
wait_ready() {  # wait_ready NAME...: every node idle/mix/alloc within 30 s
  local n s i
  for n in "$@"; do
    for i in $(seq 1 150); do
      s=$(node_state "$n")
      case "$s" in idle|mix|alloc|idle~|comp) break ;; esac
      sleep 0.2
    done
    case "$s" in idle|mix|alloc|idle~|comp) ;; *) return 1 ;; esac
  done
}

# start_in NAME NSNAME HOSTNAME CMD...: run CMD in the network namespace NSNAME, with its own
# hostname and its own mount namespace (private propagation: no mount is seen by the host), in
# which /etc/hosts names the cluster and, for nodes, /tmp is the node's own. PID in $dir/NAME.pid.
start_in() {
  local name=$1 netns=$2 host=$3; shift 3
  mkdir -p "$dir/nodes/$host/tmp"
  chmod 1777 "$dir/nodes/$host/tmp"
  # nsenter, not `ip netns exec`: that remounts /sys, hiding /sys/fs/cgroup, which slurmd needs
  setsid nsenter --net="/run/netns/$netns" unshare --uts --mount --propagation private -- \
    bash "$dir/node-init.sh" "$host" "$@" > "$dir/$name.out" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

# up_ns I: the namespace, veth pair and address of nodeI (or of ctl for I = 0); idempotent.
up_ns() {
  local i=$1 name addr hv nv
  if [ "$i" = 0 ]; then name=ctl; addr=$sub.2; else name=node$i; addr=$sub.$((10 + i)); fi
  hv=${br}h$i nv=${br}n$i
  ip netns list | grep -qw "$ns-$name" || ip netns add "$ns-$name"
  # a host end whose peer is not our eth0 (left by an earlier namespace of that name): a new pair
  if ip link show "$hv" > /dev/null 2>&1 && ! ip -n "$ns-$name" link show eth0 > /dev/null 2>&1 &&
     ! ip -n "$ns-$name" link show "$nv" > /dev/null 2>&1; then
    ip link del "$hv"
  fi
  if ! ip link show "$hv" > /dev/null 2>&1; then
    ip link add "$hv" type veth peer name "$nv"
    ip link set "$nv" netns "$ns-$name"
    ip link set "$hv" master "$br"
  fi
  ip link set "$hv" up
  ip netns exec "$ns-$name" sh -c "
    sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip link set lo up
    ip link set $nv name eth0 2>/dev/null || true
    ip addr replace $addr/24 dev eth0
    ip link set eth0 up"
}

# ---- one node: (re)start its slurmd --------------------------------------------------------------
if [ -n "$only" ]; then
  [ -s "$conf" ] || die "no cluster in $dir: start it first"
  nodes=$(cat "$dir/nodes.count")
  i=${only#node}
  case "$i" in ''|*[!0-9]*) die "--node $only: want node1..node$nodes" ;; esac
  [ "$i" -ge 1 ] && [ "$i" -le "$nodes" ] || die "--node $only: want node1..node$nodes"
  if alive "$(pidof_ours slurmd-$only)" slurmd; then say "$only already runs"; exit 0; fi
  # As a node that reboots: its /tmp starts empty, and what the jobs that died with it left in the
  # spool is gone. Slurm 22.05's slurmd does not clear it, and a requeued job (same id) that comes
  # back to this node fails on it: its batch script ("couldn't open .../job00002/slurm_script: File
  # exists"), or its pmix step ("Cannot bind() UNIX socket .../stepd.slurm.pmix.JOB.STEP: Address
  # already in use", "Cannot create directory .../pmix.JOB.STEP/: File exists"). Real nodes: clear
  # these at boot.
  grep -q " $dir/nodes/$only/" /proc/self/mountinfo && die "mounts remain under $dir/nodes/$only"
  find "$dir/nodes/$only/tmp" -mindepth 1 -delete 2> /dev/null || true
  find "$dir/nodes/$only/spool" -mindepth 1 -maxdepth 1 \( -type s -o -name 'pmix.*' -o -name 'job[0-9]*' \) \
    -exec rm -rf {} + 2> /dev/null || true
  up_ns "$i"
  start_in "slurmd-$only" "$ns-$only" "$only" slurmd -D -N "$only" -f "$conf"
  wait_ready "$only" || die "$only is '$(node_state "$only")' after 30 s; see $dir/nodes/$only/slurmd.log"
  say "$only started again ($(node_state "$only"))"
  exit 0
fi

# ---- the whole cluster ----------------------------------------------------------------------------
running=0
for d in munged slurmctld; do alive "$(pidof_ours $d)" $d && running=$((running + 1)); done
if [ -s "$dir/nodes.count" ]; then
  for n in $(nodes=$(cat "$dir/nodes.count"); node_names); do
    alive "$(pidof_ours "slurmd-$n")" slurmd && running=$((running + 1))
  done
fi
if [ $running -gt 0 ]; then
  [ "$running" -eq $(( 2 + $(cat "$dir/nodes.count" 2> /dev/null || echo 0) )) ] ||
    die "part of a cluster runs in $dir: run slurm/multinode-stop.sh first"
  nodes=$(cat "$dir/nodes.count")
  # shellcheck disable=SC2046
  wait_ready $(node_names) || die "daemons run but not every node is up; see $dir/nodes/*/slurmd.log"
  say "already running in $dir: $nodes nodes on $sub.0/24"
  say "use it with: . $dir/env"
  exit 0
fi

# Shared folders under /tmp that the nodes must see: ours, and SPR_MN_SHARE's.
shares=$dir
IFS=: read -r -a extra <<< "${SPR_MN_SHARE:-}"
for p in "${extra[@]}"; do
  [ -n "$p" ] || continue
  p=$(realpath -m "$p")
  case "$p" in
    /tmp/*) [ -d "$p" ] || die "SPR_MN_SHARE: $p is not a folder"; shares="$shares:$p" ;;
    *) ;;  # outside /tmp every node sees it anyway
  esac
done
case "$dir" in /tmp/*) ;; *) shares=${shares#"$dir"}; shares=${shares#:} ;; esac

# May we make namespaces at all? (not in an unprivileged container)
probe=spire-mn-probe$$
if ! err=$(ip netns add "$probe" 2>&1); then
  skip "network namespaces are not allowed here (ip netns add: $err)"
fi
if ! ip netns exec "$probe" unshare --uts --mount --propagation private true 2> /dev/null; then
  ip netns del "$probe" 2> /dev/null || true
  skip "mount or UTS namespaces are not allowed here (unshare --uts --mount)"
fi
ip netns del "$probe"
# free NET: no bridge, namespaces or address of that number; creating the bridge claims it (an
# atomic step: two clusters starting at once cannot both get it)
claim() {
  set_net
  ! ip netns list | grep -q "^$ns-" && ! ip -4 addr show | grep -q "inet $sub\." &&
    ! ip -o link show | grep -q ": ${br}h[0-9]*[@:]" && ip link add "$br" type bridge 2> /dev/null
}
if [ "$net" = auto ]; then
  for net in $(seq 100 254) none; do [ $net = none ] || ! claim || break; done
  [ "$net" != none ] || die "SPR_MN_NET=auto: no free 10.213.N.0/24 with N in 100..254"
elif ! claim; then
  die "the bridge $br, namespaces $ns-* or the subnet $sub.0/24 exist already (another cluster with SPR_MN_NET=$net?): stop it, or choose another SPR_MN_NET"
fi

mkdir -p "$dir/shared" "$dir/nodes" "$dir/munge" "$dir/ctld"
chmod 0755 "$dir" "$dir/nodes" "$dir/ctld"
chmod 1777 "$dir/shared"
echo "$nodes" > "$dir/nodes.count"
echo "$net" > "$dir/net"
chown munge:munge "$dir/munge"
chmod 0755 "$dir/munge"
[ -s "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$dir/munge/munge.key"
chmod 0400 "$dir/munge/munge.key"

{
  echo "127.0.0.1 localhost"
  echo "$sub.1 host"
  echo "$sub.2 ctl"
  for i in $(seq 1 "$nodes"); do echo "$sub.$((10 + i)) node$i"; done
} > "$dir/hosts"

# Runs first in every namespace the script starts (see start_in): hostname, /etc/hosts, own /tmp.
cat > "$dir/node-init.sh" <<'INIT'
# node-init.sh HOST CMD...: generated by slurm/multinode-start.sh; runs in fresh UTS and mount
# namespaces (private propagation). SHARES and DIR are filled in below.
set -eu
host=$1; shift
hostname "$host"
mount --bind "$DIR/hosts" /etc/hosts
own=$DIR/nodes/$host/tmp
IFS=:
for p in $SHARES; do
  rel=${p#/tmp/}
  mkdir -p "$own/$rel"
  mount --bind "$p" "$own/$rel"
done
unset IFS
mount --rbind "$own" /tmp
# and its own /dev/shm (Open MPI's shared-memory files): gone when the node's processes are
mount -t tmpfs -o mode=1777,size=2g spire-shm /dev/shm
cd /
exec "$@"
INIT
sed -i "1a DIR='$dir'\nSHARES='$shares'" "$dir/node-init.sh"

# Epilog (every node of a job, after it ends): as many sites do, the files of the job's user in the
# node's /dev/shm go, unless that user runs another job there. Open MPI names its shared-memory
# files after the job and step id, which a requeued job keeps, and does not remove them when its
# ranks are killed; a requeued job then met its killed run's files and crashed (SIGSEGV in rank 0).
cat > "$dir/epilog.sh" <<EPILOG
#!/bin/sh
export SLURM_CONF=$conf
[ -n "\${SLURM_JOB_UID:-}" ] || exit 0
others=\$(timeout 10 squeue -h -w "\$(hostname)" -u "\$SLURM_JOB_UID" -t R -o %i) || exit 0
[ -z "\$(echo "\$others" | grep -vx "\$SLURM_JOB_ID")" ] || exit 0
find /dev/shm -maxdepth 1 -type f -user "\$SLURM_JOB_UID" -delete
exit 0
EPILOG
chmod 0755 "$dir/epilog.sh"

cat > "$conf" <<CONF
# Generated by spire's slurm/multinode-start.sh: a $nodes-node test cluster under $dir,
# every node in its own network namespace on $sub.0/24 (docs/slurm.md).
ClusterName=spiremn$net
SlurmctldHost=ctl($sub.2)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/nodes/%n/spool
SlurmdPidFile=$dir/nodes/%n/slurmd.pidfile
SlurmdLogFile=$dir/nodes/%n/slurmd.log
SlurmctldPidFile=$dir/ctld/slurmctld.pidfile
SlurmctldLogFile=$dir/slurmctld.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
# A node whose slurmd does not answer for SlurmdTimeout s is DOWN and its jobs end (NODE_FAIL;
# requeued when they are requeueable). The controller pings every SlurmdTimeout/3 s.
SlurmdTimeout=10
MessageTimeout=5
KillWait=5
KillOnBadExit=1
Epilog=$dir/epilog.sh
NodeName=DEFAULT CPUs=$cpus State=UNKNOWN
$(for i in $(seq 1 "$nodes"); do echo "NodeName=node$i NodeAddr=$sub.$((10 + i)) NodeHostname=node$i"; done)
PartitionName=debug Nodes=node[1-$nodes] Default=YES MaxTime=INFINITE State=UP
CONF

cat > "$dir/env" <<ENV
# . $dir/env: use the multi-node test cluster (slurm/multinode-start.sh)
export SLURM_CONF=$conf
# MPI between nodes over TCP on the cluster's subnet only (Open MPI; other MPIs ignore these)
export OMPI_MCA_btl_tcp_if_include=$sub.0/24 OMPI_MCA_oob_tcp_if_include=$sub.0/24
# the nodes advertise more CPUs than the machine has: ranks waiting for a message must yield the
# core (Open MPI spins otherwise; a 6-rank index build on 2 cores took 23 s instead of 1.4 s)
export OMPI_MCA_mpi_yield_when_idle=1
ENV

# The network: a bridge with the host on .1, one namespace per daemon.
sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" 2> /dev/null || true
ip addr add "$sub.1/24" dev "$br"
ip link set "$br" up
for i in $(seq 0 "$nodes"); do up_ns "$i"; done

setsid setpriv --reuid=munge --regid=munge --init-groups munged -F \
  --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
  > "$dir/munged.out" 2>&1 < /dev/null &
echo $! > "$dir/munged.pid"
for i in $(seq 1 50); do [ -S "$dir/munge/munge.socket.2" ] && break; sleep 0.1; done
[ -S "$dir/munge/munge.socket.2" ] || die "munged has no socket: see $dir/munge/munged.log"

start_in slurmctld "$ns-ctl" ctl slurmctld -D -i -f "$conf"
for n in $(node_names); do
  mkdir -p "$dir/nodes/$n/spool"
  chmod 0755 "$dir/nodes/$n" "$dir/nodes/$n/spool"
  start_in "slurmd-$n" "$ns-$n" "$n" slurmd -D -N "$n" -f "$conf"
done
# shellcheck disable=SC2046
if ! wait_ready $(node_names); then
  die "the nodes are not up after 30 s: $(SLURM_CONF=$conf sinfo -h -N -o '%N %t' 2>&1 | tr '\n' ' '); see $dir/slurmctld.log and $dir/nodes/*/slurmd.log"
fi
say "started in $dir: $nodes nodes (node1..node$nodes, $sub.11..) of $cpus CPUs, slurmctld on $sub.2, host $sub.1"
say "use it with: . $dir/env"
