# End-to-end determinism: the index file and the runs are the same bytes for any rank count.
spr_add_script_test(mpi_determinism_tiny mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh tiny)
spr_add_script_test(mpi_determinism_vectors mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh vectors)
spr_add_script_test(mpi_determinism_synth mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh synth)
spr_add_script_test(mpi_determinism_cranfield mpi ${CMAKE_CURRENT_LIST_DIR}/determinism.sh cranfield)
set_tests_properties(mpi_determinism_tiny mpi_determinism_vectors mpi_determinism_synth mpi_determinism_cranfield PROPERTIES PROCESSORS 4)
# Bad input: clear one-line errors with file:line, non-zero exit, no partial output, no hang.
foreach(np 1 2 4)
  spr_add_script_test(mpi_bad_input_np${np} mpi ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh ${np})
  set_tests_properties(mpi_bad_input_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
# Checksums and structural verification of index files.
add_executable(verify_corrupt ${CMAKE_CURRENT_LIST_DIR}/verify_corrupt.c)
target_link_libraries(verify_corrupt PRIVATE spr_mpi)
spr_add_script_test(mpi_verify mpi ${CMAKE_CURRENT_LIST_DIR}/verify.sh $<TARGET_FILE:verify_corrupt>)
set_tests_properties(mpi_verify PROPERTIES PROCESSORS 2)
# A rank's reading shared among its threads gives one reader's file, skips and first error.
spr_add_script_test(mpi_read_threads mpi ${CMAKE_CURRENT_LIST_DIR}/read_threads.sh)
set_tests_properties(mpi_read_threads PROPERTIES PROCESSORS 2)
