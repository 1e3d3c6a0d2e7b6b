# docs/format.md lists exactly the datasets of mpi/spr_index_datasets.h with their types (and the
# checker refuses damaged copies of the page first).
spr_add_unit_test(format_doc ${CMAKE_CURRENT_LIST_DIR}/format_doc_test.c)
target_link_libraries(format_doc PRIVATE spr_mpi)
target_compile_definitions(format_doc PRIVATE SPR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
