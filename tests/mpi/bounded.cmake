# Bounded-memory build (docs/memory.md): the same index as the in-memory build (h5diff) at np 1-4
# with a budget small enough for dozens of runs, less memory, no temporary files left, clear errors.
spr_add_script_test(mpi_bounded mpi ${CMAKE_CURRENT_LIST_DIR}/bounded.sh)
set_tests_properties(mpi_bounded PROPERTIES PROCESSORS 4 TIMEOUT 900)
