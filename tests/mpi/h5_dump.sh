#!/usr/bin/env bash
# h5_dump.sh FILE: h5dump with HDF5_PLUGIN_PATH=$SPR_BUILD_DIR/plugins prints the real values of
# zstd-compressed datasets written by h5_roundtrip (formulas as in h5_testdata.h). Values are
# checked one by one: without a working plugin h5dump prints an empty DATA block and exits 0.
set -u
file=$1
plugins=${SPR_BUILD_DIR:?}/plugins
command -v h5dump >/dev/null || { echo "h5dump not installed"; exit 77; }
[ -f "$file" ] || { echo "missing $file"; exit 1; }
fail=0

# values DSET START COUNT: the numbers h5dump prints for that subset, one per line.
values() {
  HDF5_PLUGIN_PATH=$plugins h5dump -y -w 0 -d "$1" -s "$2" -c "$3" "$file" |
    awk '/^ *DATA \{/ {in_data=1; next} in_data && /^ *\}/ {exit} in_data {print}' |
    tr ',' '\n' | tr -d ' ' | grep -v '^$'
}
expect() { # NAME GOT WANT
  if [ "$2" != "$3" ]; then echo "FAIL: $1: got [$(echo $2)] want [$(echo $3)]"; fail=1; else echo "ok: $1"; fi
}

# /a/u32 (d=1): (i * 2654435761 mod 2^32) xor 1, across the first chunk boundary.
want=$(for i in 65534 65535 65536 65537; do echo $(( ((i * 2654435761) & 0xffffffff) ^ 1 )); done)
expect "/a/u32[65534..65537]" "$(values /a/u32 65534 4)" "$want"
# /a/u8 (d=0): (i*31) & 255, the last elements (partial last chunk).
want=$(for i in 199999 200000 200001 200002; do echo $(( (i * 31) & 255 )); done)
expect "/a/u8[199999..200002]" "$(values /a/u8 199999 4)" "$want"
# /b/u64 (d=2): i * 0x9E3779B97F4A7C15 + 2 mod 2^64, printed unsigned.
want=$(for i in 69998 69999; do printf '%u\n' $(( i * 0x9E3779B97F4A7C15 + 2 )); done)
expect "/b/u64[69998..69999]" "$(values /b/u64 69998 2)" "$want"
# /c/f64 (d=4): i*1.5 + 0.125.
expect "/c/f64" "$(values /c/f64 0 3)" "$(printf '0.125\n1.625\n3.125')"
# /b/f32 (d=3): (i % 1000) * 0.25 - 3.
expect "/b/f32[1000..1002]" "$(values /b/f32 1000 3)" "$(printf -- '-3\n-2.75\n-2.5')"
# Root attribute.
got=$(h5dump -a /format_version "$file" | awk '/\(0\):/ {print $2}')
expect "attribute /format_version" "$got" "7"

# The trap this test guards against: no plugin, no numbers (but exit status 0).
none=$(env -u HDF5_PLUGIN_PATH h5dump -y -w 0 -d /a/u32 -s 0 -c 4 "$file" |
  awk '/^ *DATA \{/ {in_data=1; next} in_data && /^ *\}/ {exit} in_data {print}' | tr -d ' \n')
[ -z "$none" ] && echo "ok: without the plugin h5dump prints no values" ||
  echo "note: h5dump printed values without our plugin (another 32015 plugin is installed?)"
exit $fail
