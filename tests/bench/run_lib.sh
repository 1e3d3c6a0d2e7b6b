# tests/bench/run_lib.sh: sourced by the benchmark scripts (scale.sh, bounded.sh). Needs $work,
# $spire and $mpiflags set. Every rank runs under GNU time, which writes its peak RSS (KiB) and
# times to MEMDIR/rank.R at exit.
cat > "$work/memwrap.sh" <<'EOW'
#!/bin/sh
exec /usr/bin/time -f "%M %e %U %S" -o "$MEMDIR/rank.${OMPI_COMM_WORLD_RANK:-0}" "$@"
EOW
chmod +x "$work/memwrap.sh"
# run NAME NP ARGS...: mpirun with the wrapper; stderr to NAME.log, peak RSS (MiB) per rank to NAME.mem,
# CPU time (user + sys) over wall time per rank, in %, to NAME.cpu (below 100: the core was shared).
# The caller's environment (OMP_NUM_THREADS=... run ...) reaches the ranks.
run() {
  local name=$1 np=$2; shift 2
  rm -rf "$work/mem.$name"; mkdir -p "$work/mem.$name"
  # shellcheck disable=SC2086
  MEMDIR=$work/mem.$name mpirun -x MEMDIR -np "$np" $mpiflags "$work/memwrap.sh" "$spire" "$@" 2> "$work/$name.log" ||
    { echo "failed: spire $*" >&2; cat "$work/$name.log" >&2; exit 1; }
  local r out="" cpu=""
  for ((r = 0; r < np; r++)); do
    out="$out${out:+ / }$(awk '{ printf "%.0f", $1 / 1024 }' "$work/mem.$name/rank.$r")"
    cpu="$cpu${cpu:+ / }$(awk '{ printf "%.0f", ($2 > 0 ? 100 * ($3 + $4) / $2 : 0) }' "$work/mem.$name/rank.$r")"
  done
  echo "$out" > "$work/$name.mem"
  echo "$cpu" > "$work/$name.cpu"
}
