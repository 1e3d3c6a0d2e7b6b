# slurm/lib.sh: what the cluster scripts share (sourced by cluster-start.sh, cluster-stop.sh and
# multinode-start.sh). Defines functions only; they read $dir, the cluster's state folder.
# shellcheck shell=bash

# alive PID NAME: the process exists, is not a zombie (stopped daemons linger as zombies), and
# runs NAME with our state folder in its command line.
alive() {
  local pid=$1 name=$2 st
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2> /dev/null | cut -d' ' -f1) || return 1
  [ "$st" != Z ] && [ "$st" != X ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q -- "$name.*$dir" || return 1
}
# pidof_ours NAME: the PID recorded in $dir/NAME.pid, or nothing.
pidof_ours() { [ -s "$dir/$1.pid" ] && cat "$dir/$1.pid" || true; }
