# End-to-end determinism: the index file and the runs are the same bytes for any rank count.
spr_add_script_test(mpi_determinism_tiny mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh tiny)
spr_add_script_test(mpi_determinism_synth mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh synth)
spr_add_script_test(mpi_determinism_cranfield mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh cranfield)
set_tests_properties(mpi_determinism_tiny mpi_determinism_synth mpi_determinism_cranfield PROPERTIES PROCESSORS 4)
