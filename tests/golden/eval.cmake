# spire eval end to end (scripts in this directory; see docs/eval.md).
# Byte-for-byte against NIST trec_eval 9.0.7's outputs for every golden run (skips without
# $SPR_SHARED_DIR).
spr_add_script_test(eval_golden golden ${CMAKE_CURRENT_LIST_DIR}/eval_golden.sh)
# Bad input: exit status, FILE:LINE message, no --json left. Self-contained.
spr_add_script_test(eval_bad_input unit ${CMAKE_CURRENT_LIST_DIR}/eval_bad_input.sh)
# Under mpirun with 2 ranks: same bytes, one error line.
spr_add_script_test(eval_mpi_np2 mpi ${CMAKE_CURRENT_LIST_DIR}/eval_mpi.sh)
set_tests_properties(eval_mpi_np2 PROPERTIES PROCESSORS 2)
