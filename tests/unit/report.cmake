# Evaluation reports (docs/reports.md): the statistics kernel (unit, no data needed), the report
# renderer through spire eval on shared runs (golden: skips without $SPR_SHARED_DIR), and the HTML
# page in headless Chromium (skips when chromium is not installed).
spr_add_unit_test(report_stats ${CMAKE_CURRENT_LIST_DIR}/report_stats.c)
