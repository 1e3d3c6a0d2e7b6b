# spire eval: metric kernel and evaluation API (label unit, no MPI, no shared data needed).
spr_add_unit_test(metrics_kernel ${CMAKE_CURRENT_LIST_DIR}/metrics_kernel.c)
spr_add_unit_test(metrics_eval ${CMAKE_CURRENT_LIST_DIR}/metrics_eval.c
                  ${PROJECT_SOURCE_DIR}/jobs/spr_evaluate.c)
target_include_directories(metrics_eval PRIVATE ${PROJECT_SOURCE_DIR}/jobs)
