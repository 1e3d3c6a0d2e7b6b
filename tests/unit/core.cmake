# Kernels and readers written for the walking skeleton: top-k against a sort oracle, corpus byte
# ranges against a whole-file read, vocabulary maps.
spr_add_unit_test(unit_topk ${CMAKE_CURRENT_LIST_DIR}/topk_test.c)
spr_add_unit_test(unit_corpus ${CMAKE_CURRENT_LIST_DIR}/corpus_test.c)
spr_add_unit_test(unit_jsonrec ${CMAKE_CURRENT_LIST_DIR}/jsonrec_test.c)
# Query preparation (shard/spr_query.c) against a small vocabulary: formats, quantization, errors.
spr_add_unit_test(unit_query ${CMAKE_CURRENT_LIST_DIR}/query_test.c)
