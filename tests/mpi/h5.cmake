# HDF5 backend tests (mpi/spr_h5*.c and the zstd filter plugin). Files go to build/tests/h5/.
set(SPR_H5_OUT ${CMAKE_CURRENT_BINARY_DIR}/h5)
file(MAKE_DIRECTORY ${SPR_H5_OUT})

foreach(prog h5_roundtrip h5_corrupt h5_read_nompi)
  add_executable(${prog} ${SPR_TEST_DIR}/mpi/${prog}.c)
  target_link_libraries(${prog} PRIVATE spr_mpi)
  target_include_directories(${prog} PRIVATE ${SPR_TEST_DIR}/mpi)
endforeach()

# Written (zstd level 3) and read back at np 1, 2 and 4, plus once uncompressed at np 2.
foreach(np 1 2 4)
  spr_add_mpi_test(h5_roundtrip_np${np} ${np} $<TARGET_FILE:h5_roundtrip> ${SPR_H5_OUT}/rt_np${np}.h5 3)
  set_tests_properties(h5_roundtrip_np${np} PROPERTIES FIXTURES_SETUP h5_files)
  file(MAKE_DIRECTORY ${SPR_H5_OUT}/corrupt_np${np})
  spr_add_mpi_test(h5_corrupt_np${np} ${np} $<TARGET_FILE:h5_corrupt> ${SPR_H5_OUT}/corrupt_np${np})
endforeach()
spr_add_mpi_test(h5_roundtrip_raw_np2 2 $<TARGET_FILE:h5_roundtrip> ${SPR_H5_OUT}/rt_raw_np2.h5 0)
set_tests_properties(h5_roundtrip_raw_np2 PROPERTIES FIXTURES_SETUP h5_files)

# The np 1/2/4 files and the uncompressed one compare equal with h5diff (through the plugin).
spr_add_script_test(h5_diff mpi ${SPR_TEST_DIR}/mpi/h5_diff.sh ${SPR_H5_OUT})
# h5dump prints the real numbers through the plugin.
spr_add_script_test(h5_dump mpi ${SPR_TEST_DIR}/mpi/h5_dump.sh ${SPR_H5_OUT}/rt_np2.h5)
# A 4-rank file read by a process without MPI.
add_test(NAME h5_read_nompi COMMAND h5_read_nompi ${SPR_H5_OUT}/rt_np4.h5)
set_tests_properties(h5_diff h5_dump h5_read_nompi PROPERTIES FIXTURES_REQUIRED h5_files)
set_tests_properties(h5_read_nompi PROPERTIES LABELS mpi)

# Opt-in: a 2.5 GiB slice on one rank of two, compressed and not (slow, big; see h5_big.c).
option(SPR_TEST_H5_BIG "Register the >2 GiB-per-rank HDF5 write test" OFF)
if(SPR_TEST_H5_BIG)
  add_executable(h5_big ${SPR_TEST_DIR}/mpi/h5_big.c)
  target_link_libraries(h5_big PRIVATE spr_mpi)
  foreach(level 0 1)
    spr_add_mpi_test(h5_big_l${level} 2 $<TARGET_FILE:h5_big> ${SPR_H5_OUT}/big_l${level}.h5 ${level})
  endforeach()
endif()
# zstd chunks compressed ahead by every thread: byte-identical files, the frames really used.
spr_add_script_test(mpi_h5_precompress mpi ${CMAKE_CURRENT_LIST_DIR}/precompress.sh)
set_tests_properties(mpi_h5_precompress PROPERTIES PROCESSORS 2)
# Not a test: the merge's write bandwidth alone (tests/bench/h5_write_bw.c, docs/hdf5.md).
add_executable(h5_write_bw ${PROJECT_SOURCE_DIR}/tests/bench/h5_write_bw.c)
target_link_libraries(h5_write_bw PRIVATE spr_mpi)
