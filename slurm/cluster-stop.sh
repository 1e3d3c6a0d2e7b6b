#!/usr/bin/env bash
# slurm/cluster-stop.sh: stop the test cluster that slurm/cluster-start.sh started (same
# SPR_SLURM_DIR, default /tmp/spire-slurm). Stops only the PIDs that script recorded, and only if
# they still run that daemon with that folder. Idempotent. SPR_SLURM_KEEP=1 keeps the folder
# (logs, job state); otherwise it is removed.
set -euo pipefail
dir=${SPR_SLURM_DIR:-/tmp/spire-slurm}
say() { echo "spire slurm: $*"; }

. "$(dirname "$0")/lib.sh" # alive, pidof_ours

if [ ! -d "$dir" ]; then
  say "no cluster in $dir: nothing to stop"
  exit 0
fi
stopped=()
# slurmd first (it may still run job steps), then the controller, then munge.
for name in slurmd slurmctld munged; do
  pid=$( [ -s "$dir/$name.pid" ] && cat "$dir/$name.pid" || true)
  if alive "$pid" "$name"; then
    kill -TERM "$pid" 2> /dev/null || true
    for i in $(seq 1 100); do alive "$pid" "$name" || break; sleep 0.1; done
    if alive "$pid" "$name"; then
      say "$name ($pid) ignores SIGTERM after 10 s: SIGKILL"
      kill -KILL "$pid" 2> /dev/null || true
    fi
    stopped+=("$name $pid")
  fi
  rm -f "$dir/$name.pid"
done
if [ ${#stopped[@]} -eq 0 ]; then say "nothing was running in $dir"
else say "stopped ${stopped[*]}"; fi
if [ "${SPR_SLURM_KEEP:-0}" = 1 ]; then say "kept $dir (logs: $dir/*.log)"
else rm -rf "$dir"; fi
