# Evaluation reports (docs/reports.md): the statistics kernel (unit, no data needed), the report
# renderer through spire eval on shared runs (golden: skips without $SPR_SHARED_DIR), and the HTML
# page in headless Chromium (skips when chromium is not installed).
spr_add_unit_test(report_stats ${CMAKE_CURRENT_LIST_DIR}/report_stats.c)
# Report comparisons on three shared Cranfield runs against significance computed by hand
# (skips without $SPR_SHARED_DIR); also rendered with gnuplot hidden from PATH.
spr_add_script_test(report_significance golden ${CMAKE_CURRENT_LIST_DIR}/report_significance.sh)
# The HTML report in headless Chromium with its plots (skips when chromium is not installed).
spr_add_script_test(report_html unit ${CMAKE_CURRENT_LIST_DIR}/report_html.sh)
