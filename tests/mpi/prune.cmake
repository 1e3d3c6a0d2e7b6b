# Static pruning: each rule against an oracle computed from the unpruned index, rank-count independence.
add_executable(prune_check ${CMAKE_CURRENT_LIST_DIR}/prune_check.c)
target_link_libraries(prune_check PRIVATE spr_mpi)
spr_add_script_test(mpi_prune mpi ${CMAKE_CURRENT_LIST_DIR}/prune.sh $<TARGET_FILE:prune_check>)
set_tests_properties(mpi_prune PROPERTIES PROCESSORS 3)
