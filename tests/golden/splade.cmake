# spire tokenize / encode against ../shared/golden/splade-tiny at 1 and 2 ranks (skips without it).
spr_add_script_test(golden_splade_cli golden ${CMAKE_CURRENT_LIST_DIR}/splade_cli.sh)
set_tests_properties(golden_splade_cli PROPERTIES PROCESSORS 2)
# The same for the DistilBERT twin ../shared/golden/splade-distil-tiny, plus SPLADE queries, the
# projector's tying rules and the refusal of unsupported configs (splade_distil.sh), and inside
# spire index --encoder (splade_index.sh).
spr_add_script_test(golden_splade_distil golden ${CMAKE_CURRENT_LIST_DIR}/splade_distil.sh)
set_tests_properties(golden_splade_distil PROPERTIES PROCESSORS 2)
spr_add_script_test(golden_splade_distil_index golden ${CMAKE_CURRENT_LIST_DIR}/splade_index.sh splade-distil-tiny)
set_tests_properties(golden_splade_distil_index PROPERTIES PROCESSORS 2)
# spire encode/index --precision int8: fidelity bounds against the golden vectors (skips without them).
spr_add_script_test(golden_splade_int8 golden ${CMAKE_CURRENT_LIST_DIR}/splade_int8.sh)
set_tests_properties(golden_splade_int8 PROPERTIES PROCESSORS 2)
