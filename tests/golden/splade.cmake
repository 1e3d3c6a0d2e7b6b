# spire tokenize / encode against ../shared/golden/splade-tiny at 1 and 2 ranks (skips without it).
spr_add_script_test(golden_splade_cli golden ${CMAKE_CURRENT_LIST_DIR}/splade_cli.sh)
set_tests_properties(golden_splade_cli PROPERTIES PROCESSORS 2)
# spire encode/index --precision int8: fidelity bounds against the golden vectors (skips without them).
spr_add_script_test(golden_splade_int8 golden ${CMAKE_CURRENT_LIST_DIR}/splade_int8.sh)
set_tests_properties(golden_splade_int8 PROPERTIES PROCESSORS 2)
