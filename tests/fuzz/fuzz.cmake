# Fuzzing (label fuzz). Every fuzz target has a replay driver that runs its committed corpus under
# plain CTest with any compiler; the libFuzzer targets themselves need clang and
# -DSPR_BUILD_FUZZERS=ON (docs/reliability.md lists the targets, how to run them and what they found).

if(SPR_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SPR_BUILD_FUZZERS needs clang (libFuzzer): configure with CC=clang")
  endif()
  # Instrumented copies of the libraries (coverage + ASan + UBSan) for the other targets:
  # spr_kernels_fz, spr_shard_fz, spr_mpi_fz, same sources, include folders and dependencies.
  set(_spr_fz_flags -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  foreach(_lib spr_kernels spr_shard spr_mpi)
    get_target_property(_src ${_lib} SOURCES)
    get_target_property(_dir ${_lib} SOURCE_DIR)
    list(TRANSFORM _src PREPEND ${_dir}/ REGEX "^[^/]")
    get_target_property(_inc ${_lib} INCLUDE_DIRECTORIES)
    get_target_property(_iinc ${_lib} INTERFACE_INCLUDE_DIRECTORIES)
    get_target_property(_def ${_lib} COMPILE_DEFINITIONS)
    get_target_property(_libs ${_lib} LINK_LIBRARIES)
    list(TRANSFORM _libs REPLACE "^(spr_kernels|spr_shard|spr_mpi)$" "\\1_fz")
    add_library(${_lib}_fz STATIC ${_src})
    target_include_directories(${_lib}_fz PRIVATE ${_inc} INTERFACE ${_iinc})
    if(_def)
      target_compile_definitions(${_lib}_fz PUBLIC ${_def})
    endif()
    target_link_libraries(${_lib}_fz PUBLIC ${_libs})
    target_compile_options(${_lib}_fz PRIVATE ${_spr_fz_flags})
  endforeach()
endif()

# spr_add_fuzz_target(NAME LIB [SOURCES...]): NAME_replay (fuzz_replay.c + NAME_fuzz.c + SOURCES,
# linked with LIB) runs corpus/NAME as the test fuzz_NAME_replay; with SPR_BUILD_FUZZERS the
# libFuzzer target NAME_fuzz is linked with LIB_fz, the instrumented copy of LIB.
function(spr_add_fuzz_target name lib)
  set(_d ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  add_executable(${name}_replay ${_d}/fuzz_replay.c ${_d}/${name}_fuzz.c ${ARGN})
  target_link_libraries(${name}_replay PRIVATE ${lib})
  target_include_directories(${name}_replay PRIVATE ${_d} ${_d}/..)
  add_test(NAME fuzz_${name}_replay COMMAND ${name}_replay ${_d}/corpus/${name})
  set_tests_properties(fuzz_${name}_replay PROPERTIES LABELS fuzz TIMEOUT 300
    ENVIRONMENT "HDF5_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins;OMP_NUM_THREADS=1")
  if(SPR_BUILD_FUZZERS)
    add_executable(${name}_fuzz ${_d}/${name}_fuzz.c ${ARGN})
    target_link_libraries(${name}_fuzz PRIVATE ${lib}_fz)
    target_include_directories(${name}_fuzz PRIVATE ${_d} ${_d}/..)
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  endif()
endfunction()

spr_add_fuzz_target(postings spr_kernels) # kernels/spr_postings.h: block posting decoder
spr_add_fuzz_target(corpus spr_shard)    # shard/spr_corpus.h: JSONL, TSV, JSON vectors
spr_add_fuzz_target(queries spr_shard)   # shard/spr_corpus.h: spr_queries_load
spr_add_fuzz_target(trec spr_shard)      # shard/spr_trec.h: qrels and runs
spr_add_fuzz_target(model spr_shard)     # shard/spr_model.h: config.json, vocab.txt, safetensors, idf.json
spr_add_fuzz_target(wordpiece spr_kernels) # kernels/spr_wordpiece.h
spr_add_fuzz_target(analyzer spr_kernels)  # kernels/spr_analyzer.h
spr_add_fuzz_target(bmp spr_kernels)     # kernels/spr_bmp.h: spr_bmp_index_check and the search
spr_add_fuzz_target(index spr_mpi)       # mpi/spr_index.h: spr_index_open + verify on damaged files
spr_add_fuzz_target(ciff spr_shard)      # shard/spr_ciff.h: the CIFF reader, against protobuf-c
# Job specs: jobs/spr_jobspec.c, its table (jobs/spr_settings.c) and inih compiled into the
# target (jobs/ is not a library); it reads files through shard/spr_file.c.
spr_add_fuzz_target(jobspec spr_shard ${PROJECT_SOURCE_DIR}/jobs/spr_jobspec.c
                    ${PROJECT_SOURCE_DIR}/jobs/spr_settings.c)
target_link_libraries(jobspec_replay PRIVATE PkgConfig::INIH)
target_include_directories(jobspec_replay PRIVATE ${PROJECT_SOURCE_DIR}/jobs)
if(SPR_BUILD_FUZZERS)
  target_link_libraries(jobspec_fuzz PRIVATE PkgConfig::INIH)
  target_include_directories(jobspec_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/jobs)
endif()
