# SPLADE: BertTokenizer port and BERT/SPLADE forward pass against ../shared/golden/splade-tiny
# (skip with 77 when the shared folder is absent), model-loading error cases.
spr_add_unit_test(unit_wordpiece ${CMAKE_CURRENT_LIST_DIR}/wordpiece_test.c)
target_link_libraries(unit_wordpiece PRIVATE PkgConfig::CJSON)
spr_add_unit_test(unit_bert ${CMAKE_CURRENT_LIST_DIR}/bert_test.c)
target_link_libraries(unit_bert PRIVATE PkgConfig::CJSON)
# Encoding benchmark (not a test; tests/bench/encode_bench.sh runs it by hand).
add_executable(spr_encode_bench ${PROJECT_SOURCE_DIR}/tests/bench/encode_bench.c)
target_link_libraries(spr_encode_bench PRIVATE spr_shard)
target_include_directories(spr_encode_bench PRIVATE ${SPR_TEST_DIR})
# int8 products (kernels/spr_qgemm.h): every variant equals the scalar reference bit for bit.
# `build/tests/.../unit_qgemm bench` times them against sgemm (by hand).
spr_add_unit_test(unit_qgemm ${CMAKE_CURRENT_LIST_DIR}/qgemm_test.c)
# Real texts at each precision: speed and fidelity against float32 (tests/bench/encode_bench.sh).
add_executable(spr_encode_real ${PROJECT_SOURCE_DIR}/tests/bench/encode_real.c)
target_link_libraries(spr_encode_real PRIVATE spr_shard PkgConfig::CJSON)
target_include_directories(spr_encode_real PRIVATE ${SPR_TEST_DIR})
