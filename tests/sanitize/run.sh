#!/usr/bin/env bash
# The sanitizer job (`make test-asan`, docs/reliability.md): the unit and MPI tests of an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Usage: run.sh BUILD_DIR [extra ctest args]
# Any UBSan report aborts the process (halt_on_error=1), so its test fails. Leaks are checked with
# full (slow) stacks, so that tests/sanitize/lsan.supp can recognise Open MPI's own allocations by
# their library frames, in the unit tests and the MPI tests listed in LEAK_MPI; the MPI tests in
# REST_MPI (long scripts running spire dozens of times) run with detect_leaks=0: with full stacks
# they took 3-10x longer (mpi_determinism_tiny 193 s instead of ~20 s).
set -euo pipefail
build=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
LEAK_MPI='^(h5_roundtrip_np[124]|h5_roundtrip_raw_np2|h5_corrupt_np[124]|eval_mpi_np2|mpi_verify)$'
# Without leak checks: one test per distributed code path (BM25 and vector builds and searches at
# np 1/2/4, reordering, pruning, CIFF, faults at every stage, compression ahead of the write, the
# bounded-memory build). The
# whole mpi label under ASan takes about 25 minutes on 2 cores, beyond CI's budget; the parsers the
# other scripts feed with bad input are fuzzed under ASan + UBSan (docs/reliability.md).
# ASAN_ALL=1 runs every MPI test instead.
# The unit-labelled scripts that run spire dozens of times (bad input, options, query formats,
# --help pages, the HTML report) run without leak checks: under full-stack leak checks they took
# 2-3x longer, and LeakSanitizer's tracer crashed at the exit of one of their spire runs in most
# CI runs (4 of these 5 in session 20's), each then run a second time without them. Their code
# paths' leaks are checked by the C unit tests and the LEAK_MPI tests; ASan and UBSan stay on.
SCRIPT_UNIT='^(eval_bad_input|cli_doc|cli_query_formats|cli_options|cli_eval_options|report_html)$'
# layout reads the build's symbol tables and the sources' includes: nothing of spire runs.
NO_ASAN='^layout$'
REST_MPI='^(mpi_determinism_tiny|mpi_determinism_vectors|mpi_reorder|mpi_prune|mpi_ciff_np1|mpi_faults_np2|mpi_h5_precompress|mpi_bounded|mpi_read_threads|mpi_malformed|h5_diff|h5_dump|h5_read_nompi)$'
[ "${ASAN_ALL:-0}" = 1 ] && REST_MPI='.'
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# allocator_may_return_null: HDF5 asks for absurd sizes on some damaged files and handles NULL
# (tests/fuzz/crashes/index/hdf5-huge-malloc); the tests expect the error, not an ASan abort
asan_common=halt_on_error=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=0
export LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0
cd "$build"
t0=$(date +%s)
status=0
# LeakSanitizer stops the process's threads with a ptrace-based tracer. On some machines that
# tracer itself crashes ("Tracer caught signal 11") at the exit of a spire that started MPI, at any
# commit (seen on a 2-core VM in session 16 with the session's first commit too), which fails tests
# that have nothing to do with leaks. A probe tells: where the tracer crashes, leaks are not checked
# (said loudly); ASan and UBSan still are.
# The crash is intermittent, so the probe runs several subcommands a few times each.
leaks=1
: > lsan-probe.log
for round in 1 2 3; do
  for sub in search eval index; do
    ASAN_OPTIONS=$asan_common:detect_leaks=1 ./spire $sub --help > /dev/null 2>> lsan-probe.log || true
  done
done
if grep -q "Tracer caught signal" lsan-probe.log; then
  leaks=0
  echo "sanitizer job: LeakSanitizer's tracer crashes on this machine (lsan-probe.log): leak checks OFF, ASan and UBSan on"
fi
# leak_run CTEST_ARGS...: ctest with leak checks. The probe cannot rule the tracer's crash out (it
# came after nine clean probe runs on the same VM), and a test script that hides spire's stderr
# shows only its own failure. So when the crash shows anywhere in the run, leak checks are not
# reliable on this machine: every failed test without a leak report in its output is run once
# more without them (said loudly; ASan and UBSan stay on); a test with a leak report fails the job.
leak_run() {
  ASAN_OPTIONS=$asan_common:detect_leaks=$leaks:fast_unwind_on_malloc=0:malloc_context_size=30 \
    ctest --output-on-failure -j 2 "$@" && return 0
  [ "$leaks" = 1 ] && [ -f Testing/Temporary/LastTestsFailed.log ] || return 1
  grep -q "Tracer caught signal" Testing/Temporary/LastTest.log || return 1
  local n sec names=()
  while IFS=: read -r _ n; do
    sec=$(awk -v t="$n" '$0 ~ "Testing: " t "$" { on = 1 } on { print } on && index($0, "\"" t "\" end time") { exit }' \
      Testing/Temporary/LastTest.log)
    ! grep -q "LeakSanitizer: detected memory leaks" <<< "$sec" || return 1
    names+=("$n")
  done < Testing/Temporary/LastTestsFailed.log
  [ "${#names[@]}" -gt 0 ] || return 1
  echo "sanitizer job: LeakSanitizer's tracer crashed in this run: ${names[*]} run again without leak checks"
  ASAN_OPTIONS=$asan_common:detect_leaks=0 ctest --output-on-failure -j 2 -R "^($(IFS='|'; echo "${names[*]}"))\$"
}
leak_run -L unit -E "$SCRIPT_UNIT|$NO_ASAN" "$@" || status=1
ASAN_OPTIONS=$asan_common:detect_leaks=0 \
  ctest --output-on-failure -j 2 -L unit -R "$SCRIPT_UNIT" -E "$NO_ASAN" "$@" || status=1
leak_run -L mpi -R "$LEAK_MPI" "$@" || status=1
ASAN_OPTIONS=$asan_common:detect_leaks=0 \
  ctest --output-on-failure -j 2 -L mpi -E "$LEAK_MPI" -R "$REST_MPI" "$@" || status=1
echo "sanitizer job: $(( $(date +%s) - t0 )) s, status $status, leak checks $([ $leaks = 1 ] && echo on || echo OFF)"
exit $status
