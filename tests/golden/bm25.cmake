# BM25 effectiveness against Lucene 8 on the eight shared collections (skips without ../shared).
spr_add_script_test(golden_bm25_vs_lucene golden ${PROJECT_SOURCE_DIR}/tests/bench/bm25_vs_lucene.sh --check ${CMAKE_BINARY_DIR})
set_tests_properties(golden_bm25_vs_lucene PROPERTIES PROCESSORS 2 ENVIRONMENT_MODIFICATION "NP=set:2")
# SPLADE encoding inside spire index (golden splade-tiny checkpoint).
spr_add_script_test(golden_splade_index golden ${PROJECT_SOURCE_DIR}/tests/golden/splade_index.sh)
set_tests_properties(golden_splade_index PROPERTIES PROCESSORS 2)
