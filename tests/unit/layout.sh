#!/usr/bin/env bash
# The tree's layout rules (docs/architecture.md), checked on the built objects and the sources:
# - floors: kernels/ <- shard/ <- mpi/ <- jobs/; no file includes a header of, or calls a function
#   defined in, a higher floor;
# - no loop: no two files include or call each other, directly or through others (a file and its
#   header are one file);
# - mpi/ holds only files that talk to other ranks or to the index file: each calls MPI or HDF5, or
#   a function of an mpi/ file that does.
# Calls come from the objects' symbol tables (nm), includes from the sources' #include "..." lines.
# Usage: layout.sh SOURCE_DIR BUILD_DIR
#        layout.sh --self-test   (a small tree that breaks each rule must be refused, naming it)
set -euo pipefail
command -v nm > /dev/null || { echo "layout: nm not found (binutils); skipped"; exit 77; }
if [ "${1:-}" = --self-test ]; then
  t=$(mktemp -d)
  trap 'rm -rf "$t"' EXIT
  mkdir -p "$t/src/kernels" "$t/src/mpi" "$t/src/jobs"
  printf 'int b(void);\nint a(void) { return b(); }\n' > "$t/src/kernels/a.c"  # a <-> b: a loop
  printf 'int a(void);\nint b(void) { return a(); }\n' > "$t/src/kernels/b.c"
  printf 'int m(void);\nint c(void) { return m(); }\n' > "$t/src/kernels/c.c"  # kernels calls mpi
  printf 'int m(void) { return 1; }\n' > "$t/src/mpi/m.c"                        # no MPI call
  printf '#include "h2.h"\n' > "$t/src/kernels/h1.h"                          # h1.h <-> h2.h
  printf '#include "h1.h"\n' > "$t/src/kernels/h2.h"
  printf 'int MPI_Barrier(int);\nint n(void) { return MPI_Barrier(0); }\n' > "$t/src/mpi/n.c"
  for f in kernels/a kernels/b kernels/c mpi/m mpi/n; do
    d="$t/build/${f%%/*}/CMakeFiles/x.dir"
    mkdir -p "$d"
    cc -c "$t/src/$f.c" -o "$d/${f#*/}.c.o"
  done
  out=$(bash "$0" "$t/src" "$t/build" 2>&1) && { echo "layout self-test: a broken tree passed"; exit 1; }
  for want in "kernels/c uses mpi/m, a higher floor" "loop" "kernels/a" "kernels/h1" "mpi/m.c makes no MPI or HDF5 call"; do
    grep -qF "$want" <<< "$out" || { printf 'layout self-test: no "%s" in:\n%s\n' "$want" "$out"; exit 1; }
  done
  grep -q "mpi/n.c" <<< "$out" && { printf 'layout self-test: mpi/n.c calls MPI, yet:\n%s\n' "$out"; exit 1; }
  echo "layout self-test: ok (a floor broken, a call loop, an include loop and a quiet mpi/ file are each named)"
  exit 0
fi
src=$1
build=$2
work=$(mktemp -d)
[ -n "${LAYOUT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

floors="kernels shard mpi jobs"
# One line per source file of the shipped code: "floor/stem object" (object may be absent for headers).
: > "$work/files"
for f in $floors; do
  for c in "$src/$f"/*.c "$src/$f"/*.h; do
    [ -e "$c" ] || continue
    stem=$(basename "$c"); stem=${stem%.*}
    case $stem in spr_h5zstd_plugin) continue ;; esac # the HDF5 filter plugin: a separate library
    # X_impl.h and X_avx2.c / X_avx512.c (X's code compiled for other CPUs) belong to X
    case $stem in *_impl | *_avx2 | *_avx512) [ -e "$src/$f/${stem%_*}.c" ] && continue ;; esac
    echo "$f/$stem" >> "$work/files"
  done
done
sort -u "$work/files" -o "$work/files"

# Defined and used symbols of each object whose source exists (stale objects are passed over).
: > "$work/defs"
: > "$work/uses"
for f in $floors; do
  for o in "$build/$f"/CMakeFiles/*.dir/*.c.o; do
    [ -e "$o" ] || continue
    case $o in *spr_h5zstd_plugin.dir*) continue ;; esac
    stem=$(basename "$o" .c.o)
    [ -e "$src/$f/$stem.c" ] || continue
    case $stem in *_avx2 | *_avx512) [ -e "$src/$f/${stem%_*}.c" ] && stem=${stem%_*} ;; esac
    nm "$o" | awk -v m="$f/$stem" -v d="$work/defs" '$2 ~ /^[TDBRC]$/ {print $3, m >> d}
                                                     $1 == "U" {print m, $2}' >> "$work/uses"
  done
done
[ -s "$work/defs" ] || { echo "layout: no objects under $build (build first)"; exit 1; }

# Edges "from to": calls (a used symbol defined in another file), and includes of project headers:
# any include counts for the floors; for loops, the includes of headers (a .c file including the
# header that declares what it defines or uses is not a loop; a header including one that includes
# it back is).
awk 'NR == FNR {def[$1] = $2; next} ($2 in def) && def[$2] != $1 {print $1, def[$2]}' \
  "$work/defs" "$work/uses" | sort -u > "$work/calls"
while read -r m; do
  for x in "$src/$m.c" "$src/$m.h" "$src/${m}_impl.h" "$src/${m}_avx2.c" "$src/${m}_avx512.c"; do
    [ -e "$x" ] || continue
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.[ch]".*/\1/p' "$x" |
      awk -v m="$m" -v k="${x##*.}" '{n = split($0, p, "/"); print m, p[n], k}'
  done
done < "$work/files" > "$work/incs"
awk 'NR == FNR {n = split($1, p, "/"); file[p[n]] = $1; file[p[n] "_impl"] = $1; next}
     ($2 in file) && file[$2] != $1 {print $1, file[$2], $3}' "$work/files" "$work/incs" > "$work/incl"
{ cat "$work/calls"; awk '{print $1, $2}' "$work/incl"; } | sort -u > "$work/edges"
{ cat "$work/calls"; awk '$3 == "h" {print $1, $2}' "$work/incl"; } | sort -u > "$work/loops"

fail=0
# Floors.
rank() { case $1 in kernels/*) echo 0 ;; shard/*) echo 1 ;; mpi/*) echo 2 ;; jobs/*) echo 3 ;; esac; }
while read -r a b; do
  if [ "$(rank "$a")" -lt "$(rank "$b")" ]; then
    echo "layout: $a uses $b, a higher floor (kernels <- shard <- mpi <- jobs)"
    fail=1
  fi
done < "$work/edges"

# Loops: tsort names the files of each loop it finds.
if ! tsort "$work/loops" > /dev/null 2> "$work/tsort"; then
  echo "layout: files that include or call each other in a loop:"
  sed 's/^tsort: /  /' "$work/tsort"
  fail=1
fi

# mpi/: each file talks to other ranks or to the file.
grep -E ' (MPI_|PMPI_|ompi_|H5)' "$work/uses" | awk '$1 ~ /^mpi\// {print $1}' | sort -u > "$work/talk"
while :; do # grow through calls (not includes) into mpi/ files that talk
  awk 'NR == FNR {t[$1] = 1; next} $1 ~ /^mpi\// && ($2 in t) {print $1}' "$work/talk" "$work/calls" |
    sort -u | comm -13 "$work/talk" - > "$work/more"
  [ -s "$work/more" ] || break
  sort -u "$work/talk" "$work/more" -o "$work/talk"
done
for o in "$src"/mpi/*.c; do
  m=mpi/$(basename "$o" .c)
  case $m in mpi/spr_h5zstd_plugin) continue ;; esac
  grep -qx "$m" "$work/talk" || { echo "layout: $m.c makes no MPI or HDF5 call: per-rank work belongs in shard/ or kernels/"; fail=1; }
done

n_files=$(wc -l < "$work/files")
n_edges=$(wc -l < "$work/edges")
if [ "$fail" = 0 ]; then
  echo "layout: ok ($n_files files, $n_edges include and call edges; floors kept, no loop, every mpi/ file talks)"
fi
exit "$fail"
