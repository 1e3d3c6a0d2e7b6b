# Recursive graph bisection kernel (kernels/spr_bp.c): permutation, log-gap cost below the shuffled
# order, identical results with 1, 2 and 3 OpenMP threads.
spr_add_unit_test(unit_bp ${CMAKE_CURRENT_LIST_DIR}/bp_test.c)
