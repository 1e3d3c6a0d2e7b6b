# Failure injection at every index and search stage on one rank (tests/mpi/faults.sh, SPR_TEST_FAIL):
# every rank stops with exit 1/2 and the stage's message, no output or .tmp left, no hang.
foreach(np 2 3)
  spr_add_script_test(mpi_faults_np${np} mpi ${CMAKE_CURRENT_LIST_DIR}/faults.sh ${np})
  set_tests_properties(mpi_faults_np${np} PROPERTIES PROCESSORS ${np} TIMEOUT 900)
endforeach()
