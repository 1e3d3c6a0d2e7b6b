# English/standard analyzers (kernels/spr_analyzer.c): hand cases checked against Lucene 8.7.
spr_add_unit_test(unit_analyzer ${CMAKE_CURRENT_LIST_DIR}/analyzer_test.c)
# Token dumper for tests/bench/lucene_tokens/compare.sh (not a test).
add_executable(spr_analyzer_dump ${CMAKE_CURRENT_LIST_DIR}/analyzer_dump.c)
target_link_libraries(spr_analyzer_dump PRIVATE spr_kernels PkgConfig::CJSON)
