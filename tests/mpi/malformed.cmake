# A generated corpus of >= 200 malformed inputs (tests/mpi/malformed.sh): exit 1/2, one error line
# naming the file and a position, no signal, no hang, no output left.
add_executable(malformed_attr ${CMAKE_CURRENT_LIST_DIR}/malformed_attr.c)
target_link_libraries(malformed_attr PRIVATE spr_mpi)
spr_add_script_test(mpi_malformed mpi ${CMAKE_CURRENT_LIST_DIR}/malformed.sh $<TARGET_FILE:malformed_attr>
  $<TARGET_FILE:verify_corrupt>)
set_tests_properties(mpi_malformed PROPERTIES PROCESSORS 2 TIMEOUT 900)
