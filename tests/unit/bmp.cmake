# Block-Max Pruning kernel (kernels/spr_bmp.c): exact against the exhaustive oracle on random
# collections, approximate modes, build helpers and the validator.
spr_add_unit_test(unit_bmp ${CMAKE_CURRENT_LIST_DIR}/bmp_test.c)
# Micro-benchmark on a synthetic clustered SPLADE-like collection (not a test): docs/bmp.md.
add_executable(spr_bmp_micro ${PROJECT_SOURCE_DIR}/tests/bench/bmp_micro.c)
target_link_libraries(spr_bmp_micro PRIVATE spr_kernels)
