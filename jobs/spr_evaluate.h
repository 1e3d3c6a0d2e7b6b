/* spr_evaluate.h: evaluate TREC runs against qrels with numbers identical to NIST trec_eval
 * 9.0.7; the engine of `spire eval` and what the job runner's report calls.
 * Local (no MPI): call it on one rank. Not thread-safe on one result object.
 *
 * Semantics (trec_eval's): queries are evaluated in strcmp order of qid; a query counts when it is
 * in both the qrels and the run, or, with SPR_EVAL_COMPLETE (-c), when it is in the qrels (a
 * query missing from the run then scores 0 everywhere but num_rel). Run queries without
 * judgments are ignored. Per query the run is ranked by score descending, ties by docid in
 * reverse strcmp order (the rank column is ignored), then cut to max_per_query (-M). A document
 * retrieved twice within that cut, or judged twice for an evaluated query, is an error naming
 * the file and line (trec_eval refuses such input too). */
#ifndef SPR_EVALUATE_H
#define SPR_EVALUATE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spr_metrics.h"
#include "spr_status.h"
#include "spr_trec.h"

typedef struct spr_eval_result spr_eval_result;

enum spr_eval_flags {
  SPR_EVAL_COMPLETE = 1 /* -c: average over every qrels query */
};

typedef struct spr_eval_options {
  const char *metrics;   /* measure list (spr_measure_set_add_list syntax); NULL = default set */
  int flags;             /* SPR_EVAL_* */
  int64_t max_per_query; /* -M: keep the first N ranked documents per query; 0 = all */
} spr_eval_options;

/* Read both files and evaluate. metrics as spr_eval_options.metrics, flags SPR_EVAL_*.
 * *out is owned by the caller (spr_eval_result_free). Errors: SPR_EIO / SPR_EPARSE (message
 * "PATH:LINE: ..."), SPR_EINVAL (bad measure list, duplicates, no query to evaluate),
 * SPR_ENOMEM. */
SPR_NODISCARD int spr_evaluate_files(const char *qrels, const char *run, const char *metrics,
                                     int flags, spr_eval_result **out);

/* Same with every option (-M included). */
SPR_NODISCARD int spr_evaluate_files_opt(const char *qrels, const char *run,
                                         const spr_eval_options *opt, spr_eval_result **out);

/* Evaluate already-read inputs (both borrowed for the call), e.g. one qrels for several runs. */
SPR_NODISCARD int spr_evaluate(const spr_qrels *qrels, const spr_trec_run *run,
                               const spr_measure_set *set, int flags, int64_t max_per_query,
                               spr_eval_result **out);

/* Free and NULL *p; accepts NULL and *p == NULL. */
void spr_eval_result_free(spr_eval_result **p);

/* The run file's path (borrowed, valid while r lives). */
const char *spr_eval_result_run(const spr_eval_result *r);

/* Measures computed, in trec_eval's print order; names as trec_eval prints them ("P_10").
 * name: borrowed, valid while r lives; NULL when i is out of range. */
size_t spr_eval_result_metric_count(const spr_eval_result *r);
const char *spr_eval_result_metric_name(const spr_eval_result *r, size_t i);
int spr_eval_result_metric_is_integer(const spr_eval_result *r, size_t i);

/* The `all` value of a measure, by printed name ("ndcg_cut_10") or friendly spec ("nDCG@10",
 * "MAP", "P@10", "R@1000", "RR@10" if it was requested). Returns 0, SPR_ENOTFOUND (not
 * computed) or SPR_EINVAL (not a measure name). */
SPR_NODISCARD int spr_eval_result_all(const spr_eval_result *r, const char *metric,
                                      double *value);

/* Evaluated queries, in evaluation (= print) order. qid borrowed; NULL when out of range. */
size_t spr_eval_result_query_count(const spr_eval_result *r);
const char *spr_eval_result_qid(const spr_eval_result *r, size_t i);

/* One query's value of a measure (names as spr_eval_result_all). Returns 0, SPR_ENOTFOUND (no
 * such query or measure) or SPR_EINVAL. */
SPR_NODISCARD int spr_eval_result_query(const spr_eval_result *r, const char *qid,
                                        const char *metric, double *value);

/* Print in trec_eval's format: with per_query, every query's lines (num_q excepted) first, then
 * the `all` lines. "%-22s\t%s\t%6.4f" for measures, "%ld" for counts. Returns 0 or SPR_EIO. */
SPR_NODISCARD int spr_eval_result_print(const spr_eval_result *r, FILE *f, int per_query);

/* Write {"qrels": ..., "runs": [{"run": PATH, "all": {metric: value}, "per_query": {qid:
 * {metric: value}}}]} with full double precision (counts as integers; num_q only in "all") to
 * path atomically: written to a temporary name in the same directory, then renamed, so that no
 * partial file is ever left. qrels may be NULL. Returns 0, SPR_EIO or SPR_ENOMEM. */
SPR_NODISCARD int spr_eval_results_write_json(const spr_eval_result *const *results, size_t n,
                                              const char *qrels, const char *path);

#endif /* SPR_EVALUATE_H */
