# Document reordering (BP): rank-count independence, permutation stored, exact runs unchanged up to ties.
spr_add_script_test(mpi_reorder mpi ${CMAKE_CURRENT_LIST_DIR}/reorder.sh)
set_tests_properties(mpi_reorder PROPERTIES PROCESSORS 4)
