# Block posting codec (kernels/spr_postings.h): round trips at every width, corrupt input, the AVX2
# decoder against the scalar reference. The benchmark is a target only (not a test):
#   build/tests/postings_bench [n_postings] [mean_gap]   (docs/postings.md)
spr_add_unit_test(unit_postings ${CMAKE_CURRENT_LIST_DIR}/postings_test.c)
add_executable(postings_bench ${CMAKE_CURRENT_LIST_DIR}/../bench/postings_bench.c)
target_link_libraries(postings_bench PRIVATE spr_kernels)
target_include_directories(postings_bench PRIVATE ${SPR_TEST_DIR})
