#!/usr/bin/env bash
# make demo: generate the demo collection with spire synth, run jobs/demo.ini under mpirun, say
# where the report is. Usage: jobs/demo.sh BUILD_DIR [NP]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
np=${2:-2}
spire=$build/spire
[ -x "$spire" ] || { echo "spire demo: error: $spire not built (run make)" >&2; exit 1; }
flags=()
if mpiexec --version 2>/dev/null | grep -qi "open mpi\|openrte"; then
  flags=(--oversubscribe --bind-to none)
  [ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
fi
coll=$root/demo/collection
if [ ! -s "$coll/qrels.txt" ]; then
  echo "spire demo: generating the demo collection in demo/collection (20,000 documents, 500 queries)"
  "$spire" synth --profile known-item --docs 20000 --queries 500 --seed 1 --output "$coll"
fi
echo "spire demo: mpirun -np $np spire run jobs/demo.ini"
mpiexec -np "$np" "${flags[@]}" "$spire" run "$root/jobs/demo.ini"
echo
echo "spire demo: done. The report is $root/demo/out/report.md (and report.json beside it)."
sed -n '/## Effectiveness/,/## Collection/p' "$root/demo/out/report.md" | grep '^|' || true
