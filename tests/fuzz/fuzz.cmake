# Fuzzing (label fuzz). Every fuzz target has a replay driver that runs its committed corpus under
# plain CTest with any compiler; the libFuzzer targets themselves need clang and
# -DSPR_BUILD_FUZZERS=ON (docs/postings.md shows how to run one).

# Block posting decoder (kernels/spr_postings.h).
add_executable(postings_replay ${CMAKE_CURRENT_LIST_DIR}/postings_replay.c
                               ${CMAKE_CURRENT_LIST_DIR}/postings_fuzz.c)
target_link_libraries(postings_replay PRIVATE spr_kernels)
add_test(NAME fuzz_postings_replay
         COMMAND postings_replay ${CMAKE_CURRENT_LIST_DIR}/corpus/postings)
set_tests_properties(fuzz_postings_replay PROPERTIES LABELS fuzz)

if(SPR_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SPR_BUILD_FUZZERS needs clang (libFuzzer): configure with CC=clang")
  endif()
  # The codec sources are compiled into the target so that they carry libFuzzer's coverage
  # instrumentation (spr_kernels itself is built without it).
  set(_spr_k ${PROJECT_SOURCE_DIR}/kernels)
  add_executable(postings_fuzz ${CMAKE_CURRENT_LIST_DIR}/postings_fuzz.c ${_spr_k}/spr_postings.c
                               ${_spr_k}/spr_postings_avx2.c ${_spr_k}/spr_status.c)
  target_include_directories(postings_fuzz PRIVATE ${_spr_k})
  target_compile_options(postings_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(postings_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
