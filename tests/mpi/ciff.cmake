# CIFF in and out (docs/ciff.md): round trips CIFF -> spire -> CIFF at np 1, 2 and 4, the same
# index whatever the rank count, searches equal to the original index's, damaged files refused
# with a byte offset and no output.
add_executable(ciff_gen ${CMAKE_CURRENT_LIST_DIR}/ciff_gen.c)
target_link_libraries(ciff_gen PRIVATE spr_shard)
foreach(np 1 2 4)
  spr_add_script_test(mpi_ciff_np${np} mpi ${CMAKE_CURRENT_LIST_DIR}/ciff.sh ${np} $<TARGET_FILE:ciff_gen>)
  set_tests_properties(mpi_ciff_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
