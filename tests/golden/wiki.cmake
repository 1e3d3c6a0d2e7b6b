# Block-Max Pruning on a 20,000-passage slice of ../shared/data/wiki-wp-dev with real SPLADE++ and
# SPLADE-v3 queries: exact == exhaustive (block sizes 8 and 32, np 1 and 2), recall and true scores
# of approximate settings (skips without the data set or zstd).
spr_add_script_test(golden_wiki_bmp golden ${CMAKE_CURRENT_LIST_DIR}/wiki_bmp.sh)
set_tests_properties(golden_wiki_bmp PROPERTIES PROCESSORS 2 TIMEOUT 300)
