# Synthetic collection generator (kernels/spr_synth.c): determinism, counts, query/qrel consistency.
spr_add_unit_test(unit_synth ${CMAKE_CURRENT_LIST_DIR}/synth_test.c)
spr_add_script_test(cli_synth mpi ${CMAKE_CURRENT_LIST_DIR}/synth_cli.sh)
set_tests_properties(cli_synth PROPERTIES PROCESSORS 2)
# The splade profile: tokens, determinism, counts, weights, clusters, queries (kernel), and the CLI
# end to end (thread and rank counts, files, vocabulary file, errors).
spr_add_unit_test(unit_synth_splade ${CMAKE_CURRENT_LIST_DIR}/synth_splade_test.c)
spr_add_script_test(cli_synth_splade mpi ${CMAKE_CURRENT_LIST_DIR}/synth_splade.sh)
set_tests_properties(cli_synth_splade PROPERTIES PROCESSORS 2)
