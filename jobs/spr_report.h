/* spr_report.h: evaluation reports people read — the comparison of runs and its rendering as
 * Markdown, JSON and a self-contained HTML page with plots. Used by `spire eval --report` (several
 * runs, first = baseline) and by `spire run` (the job report: one run plus the job's facts).
 * Local (no MPI): call it on one rank. Not thread-safe on one report object.
 *
 * Model: a report has a title, "facts" grouped in sections (what was run, where, with which
 * parameters — enough to reproduce it), one or more evaluated runs (spr_eval_result, borrowed)
 * and optional latency data per run. Writing it compares every run with the first:
 *   - per measure (num_q, num_ret and num_rel excepted: they describe the input, not quality),
 *     a paired two-sided t-test over the queries both runs evaluated (kernels/spr_stats.h);
 *   - Holm-Bonferroni adjusted p-values, the family being either the n-1 comparisons of one
 *     measure (SPR_REPORT_FAMILY_METRIC, default) or every measure x run (SPR_REPORT_FAMILY_ALL);
 *   - the best run per measure (highest `all` value; ties all marked);
 *   - per-query differences on the plot measure, drawn by gnuplot (SVG inlined in the HTML) when
 *     a `gnuplot` executable is on PATH, else as a text chart in a <pre> block.
 * See docs/reports.md for the outputs. */
#ifndef SPR_REPORT_H
#define SPR_REPORT_H
#include <stddef.h>

#include "spr_evaluate.h"
#include "spr_stats.h"
#include "spr_status.h"

typedef struct spr_report spr_report;

enum spr_report_family {
  SPR_REPORT_FAMILY_METRIC = 0, /* Holm over the runs compared on one measure */
  SPR_REPORT_FAMILY_ALL = 1     /* Holm over every (measure, run) comparison */
};

enum spr_report_plots {
  SPR_REPORT_PLOTS_AUTO = 0, /* gnuplot when found on PATH, else text */
  SPR_REPORT_PLOTS_TEXT = 1  /* never run gnuplot */
};

typedef struct spr_report_options {
  const char *title;       /* heading; NULL = "spire evaluation report" */
  const char *plot_metric; /* measure of the per-query plot (spr_eval_result_all names);
                              NULL = ndcg_cut_10 if computed, else the first tested measure */
  double alpha;            /* significance level; 0 = 0.05 */
  int family;              /* enum spr_report_family */
  int plots;               /* enum spr_report_plots */
  int job_report;          /* 1: the JSON keeps spire run's report.json layout (facts at the top,
                              "metrics" = the run's `all` values) and omits comparison keys */
} spr_report_options;

/* New empty report; opt is copied (its strings too). *out owned by the caller
 * (spr_report_free). Returns 0 or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_create(const spr_report_options *opt, spr_report **out);

/* Free and NULL *p; accepts NULL and *p == NULL. */
void spr_report_free(spr_report **p);

/* Start a section of facts. json_key: the JSON object the following facts go into (NULL = the
 * top level of the JSON); title: its heading in Markdown/HTML (NULL = the facts are shown under
 * the report's title). Strings are copied. Returns 0 or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_section(spr_report *r, const char *json_key, const char *title);

/* Add a fact to the current section. key: its JSON name (NULL = not in the JSON); label: its
 * row heading in Markdown/HTML (NULL = not shown there); display: the shown text (NULL = the
 * value, numbers with %g). Strings are copied. Returns 0 or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_fact_text(spr_report *r, const char *key, const char *label,
                                       const char *value, const char *display);
SPR_NODISCARD int spr_report_fact_number(spr_report *r, const char *key, const char *label,
                                         double value, const char *display);
SPR_NODISCARD int spr_report_fact_bool(spr_report *r, const char *key, const char *label,
                                       int value, const char *display);

/* Add an evaluated run (borrowed: it must outlive the report); the first added is the
 * baseline. label: short name shown in tables (copied; NULL = the run file's base name without
 * extension, made unique). Every run must have the same measures as the first. Returns the run's
 * index (>= 0), SPR_EINVAL (different measures) or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_add_run(spr_report *r, const char *label,
                                     const spr_eval_result *ev);

/* Per-query latencies of run `run` in milliseconds (copied; n >= 1, finite and >= 0): drawn as a
 * distribution, summarised as mean/p50/p99. Returns 0, SPR_EINVAL or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_set_latency(spr_report *r, size_t run, const double *ms, size_t n);

/* Latency summary only (e.g. from a job report's search section), when no per-query values
 * exist. Returns 0 or SPR_EINVAL. */
SPR_NODISCARD int spr_report_set_latency_summary(spr_report *r, size_t run, double mean_ms,
                                                 double p50_ms, double p99_ms);

/* Read a latency file for run `run`: either a spire run report.json (its search section's
 * latency_mean_ms / latency_p50_ms / latency_p99_ms) or text lines "QID MS" or "MS" (blank lines
 * and '#' comments skipped). Returns 0, SPR_EIO, SPR_EPARSE ("PATH:LINE: ...") or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_read_latency(spr_report *r, size_t run, const char *path);

/* Compare the runs and write the outputs; each path may be NULL to skip it. Every file is
 * written to PATH.tmp and renamed (so a killed writer leaves no partial report). Compared again
 * on every call. A report without runs (a job without qrels) has facts only. Returns 0,
 * SPR_EINVAL (bad plot measure), SPR_EIO or SPR_ENOMEM. */
SPR_NODISCARD int spr_report_write(spr_report *r, const char *markdown, const char *json,
                                   const char *html);

/* After spr_report_write (or spr_report_compare): the test of run `run` (>= 1) against the
 * baseline on `metric` (spr_eval_result_all names), with its Holm-adjusted p-value. Returns 0,
 * SPR_ENOTFOUND (measure not tested, run out of range) or SPR_EINVAL. */
SPR_NODISCARD int spr_report_comparison(const spr_report *r, const char *metric, size_t run,
                                        spr_ttest *test, double *p_holm);

/* Run the comparison without writing anything. Returns 0, SPR_EINVAL (bad plot measure) or
 * SPR_ENOMEM. */
SPR_NODISCARD int spr_report_compare(spr_report *r);

/* 1 if a gnuplot executable is on PATH (what SPR_REPORT_PLOTS_AUTO uses), else 0. */
int spr_report_have_gnuplot(void);

#endif /* SPR_REPORT_H */
