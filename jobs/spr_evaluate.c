/* spr_evaluate.c: trec_eval 9.0.7's driver loop (query matching, -c, -M, duplicate checks,
 * accumulation in qid order) around the pure kernels of spr_metrics.c. */
#include "spr_evaluate.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_file.h"

struct spr_eval_result {
  char *run;                             /* owned: run path */
  spr_measure_set set;
  size_t n_metrics;
  char (*names)[SPR_METRICS_NAME_MAX];   /* owned, n_metrics */
  size_t n_queries;
  char **qids;                           /* owned array of owned strings, n_queries */
  double *per_query;                     /* owned, n_queries x n_metrics */
  double *all;                           /* owned, n_metrics */
};

void spr_eval_result_free(spr_eval_result **p) {
  if (!p || !*p) return;
  spr_eval_result *r = *p;
  if (r->qids)
    for (size_t i = 0; i < r->n_queries; i++) free(r->qids[i]);
  free(r->qids);
  free(r->run);
  free(r->names);
  free(r->per_query);
  free(r->all);
  free(r);
  *p = NULL;
}

/* ---- evaluation --------------------------------------------------------------------------- */

typedef struct spr_docref {
  const char *docno;
  int64_t line;
} spr_docref;

static int spr_cmp_docref(const void *a, const void *b) {
  const spr_docref *x = a, *y = b;
  const int c = strcmp(x->docno, y->docno);
  if (c) return c;
  return (x->line > y->line) - (x->line < y->line);
}

static int spr_cmp_grade_desc(const void *a, const void *b) {
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x < y) - (x > y);
}

/* Grade of docno among the judgments rows[b, e) (sorted by docno), or SPR_METRICS_NONPOOL. */
static int32_t spr_lookup_grade(const spr_trec_judgment *rows, size_t b, size_t e,
                                const char *docno) {
  while (b < e) {
    const size_t mid = b + (e - b) / 2;
    const int c = strcmp(rows[mid].docno, docno);
    if (c == 0) return rows[mid].grade;
    if (c < 0)
      b = mid + 1;
    else
      e = mid;
  }
  return SPR_METRICS_NONPOOL;
}

/* Scratch shared by the queries of one evaluation. */
typedef struct spr_eval_scratch {
  int32_t *grades;   /* owned, longest run topic */
  int32_t *ideal;    /* owned, longest qrels topic */
  spr_docref *refs;  /* owned, longest run topic */
} spr_eval_scratch;

static int spr_eval_one(const spr_qrels *qrels, const spr_trec_topic *qt, const spr_trec_run *run,
                        const spr_trec_topic *rt, const spr_measure_set *set,
                        int64_t max_per_query, spr_eval_scratch *sc, double *out) {
  /* Judged twice? (trec_eval checks this only for the queries it evaluates.) */
  for (size_t i = qt->begin + 1; i < qt->end; i++)
    if (!strcmp(qrels->rows[i - 1].docno, qrels->rows[i].docno))
      return SPR_FAIL(SPR_EINVAL, "%s:%lld: duplicate judgment of document '%s' for query '%s' "
                      "(first at line %lld)",
                      qrels->path, (long long)qrels->rows[i].line, qrels->rows[i].docno, qt->qid,
                      (long long)qrels->rows[i - 1].line);
  size_t n_ret = rt ? rt->end - rt->begin : 0;
  if (max_per_query > 0 && n_ret > (uint64_t)max_per_query) n_ret = (size_t)max_per_query;
  /* Retrieved twice within the cut? */
  for (size_t i = 0; i < n_ret; i++) {
    sc->refs[i].docno = run->rows[rt->begin + i].docno;
    sc->refs[i].line = run->rows[rt->begin + i].line;
  }
  if (n_ret > 1) qsort(sc->refs, n_ret, sizeof *sc->refs, spr_cmp_docref);
  for (size_t i = 1; i < n_ret; i++)
    if (!strcmp(sc->refs[i - 1].docno, sc->refs[i].docno))
      return SPR_FAIL(SPR_EINVAL, "%s:%lld: duplicate document '%s' for query '%s' (first at "
                      "line %lld)",
                      run->path, (long long)sc->refs[i].line, sc->refs[i].docno, qt->qid,
                      (long long)sc->refs[i - 1].line);
  for (size_t i = 0; i < n_ret; i++)
    sc->grades[i] = spr_lookup_grade(qrels->rows, qt->begin, qt->end, run->rows[rt->begin + i].docno);
  int64_t n_ideal = 0, num_rel = 0;
  for (size_t i = qt->begin; i < qt->end; i++) {
    const int32_t g = qrels->rows[i].grade;
    if (g > 0) sc->ideal[n_ideal++] = g;
    if (g >= 1) num_rel++;
  }
  if (n_ideal > 1) qsort(sc->ideal, (size_t)n_ideal, sizeof *sc->ideal, spr_cmp_grade_desc);
  const spr_metrics_query q = {.ranked_grades = sc->grades,
                               .n_ret = (int64_t)n_ret,
                               .ideal_grades = sc->ideal,
                               .n_ideal = n_ideal,
                               .num_rel = num_rel,
                               .rel_level = 1};
  SPR_TRY(spr_metrics_compute(set, &q, out));
  return 0;
}

static int spr_evaluate_fill(const spr_qrels *qrels, const spr_trec_run *run,
                             const spr_measure_set *set, int flags, int64_t max_per_query,
                             spr_eval_result *r, spr_eval_scratch *sc) {
  r->set = *set;
  r->n_metrics = spr_measure_set_size(set);
  if (r->n_metrics == 0) return SPR_FAIL(SPR_EINVAL, "no measure requested");
  if (!(r->run = strdup(run->path)) ||
      !(r->names = calloc(r->n_metrics, sizeof *r->names)) ||
      !(r->all = calloc(r->n_metrics, sizeof *r->all)) ||
      !(r->qids = calloc(qrels->n_topics ? qrels->n_topics : 1, sizeof *r->qids)) ||
      !(r->per_query = calloc((qrels->n_topics ? qrels->n_topics : 1) * r->n_metrics,
                              sizeof *r->per_query)))
    return SPR_FAIL(SPR_ENOMEM, "out of memory evaluating %s", run->path);
  for (size_t i = 0; i < r->n_metrics; i++)
    SPR_TRY(spr_measure_set_name(set, i, r->names[i], sizeof r->names[i]));

  size_t max_q = 1, max_r = 1;
  for (size_t t = 0; t < qrels->n_topics; t++)
    if (qrels->topics[t].end - qrels->topics[t].begin > max_q)
      max_q = qrels->topics[t].end - qrels->topics[t].begin;
  for (size_t t = 0; t < run->n_topics; t++)
    if (run->topics[t].end - run->topics[t].begin > max_r)
      max_r = run->topics[t].end - run->topics[t].begin;
  if (!(sc->grades = malloc(max_r * sizeof *sc->grades)) ||
      !(sc->refs = malloc(max_r * sizeof *sc->refs)) ||
      !(sc->ideal = malloc(max_q * sizeof *sc->ideal)))
    return SPR_FAIL(SPR_ENOMEM, "out of memory evaluating %s", run->path);

  for (size_t t = 0; t < qrels->n_topics; t++) {
    const spr_trec_topic *qt = &qrels->topics[t];
    const int64_t k = spr_trec_topic_find(run->topics, run->n_topics, qt->qid);
    if (k < 0 && !(flags & SPR_EVAL_COMPLETE)) continue;
    const spr_trec_topic *rt = k < 0 ? NULL : &run->topics[k];
    double *row = r->per_query + r->n_queries * r->n_metrics;
    SPR_TRY(spr_eval_one(qrels, qt, run, rt, set, max_per_query, sc, row));
    spr_metrics_accumulate(set, row, r->all);
    if (!(r->qids[r->n_queries] = strdup(qt->qid)))
      return SPR_FAIL(SPR_ENOMEM, "out of memory evaluating %s", run->path);
    r->n_queries++;
  }
  if (r->n_queries == 0)
    return SPR_FAIL(SPR_EINVAL, "%s: no query of the run is judged in %s (use -c to score "
                    "missing queries as 0)",
                    run->path, qrels->path);
  spr_metrics_finalize(set, (int64_t)r->n_queries, r->all);
  return 0;
}

int spr_evaluate(const spr_qrels *qrels, const spr_trec_run *run, const spr_measure_set *set,
                 int flags, int64_t max_per_query, spr_eval_result **out) {
  if (!qrels || !run || !set || !out || max_per_query < 0)
    return SPR_FAIL(SPR_EINVAL, "spr_evaluate: invalid argument");
  *out = NULL;
  spr_eval_result *r = calloc(1, sizeof *r);
  if (!r) return SPR_FAIL(SPR_ENOMEM, "out of memory evaluating %s", run->path);
  spr_eval_scratch sc = {0};
  const int rc = spr_evaluate_fill(qrels, run, set, flags, max_per_query, r, &sc);
  free(sc.grades);
  free(sc.refs);
  free(sc.ideal);
  if (rc < 0) {
    spr_eval_result_free(&r);
    return spr_frame_at(rc, __FILE__, __LINE__, __func__);
  }
  *out = r;
  return 0;
}

int spr_evaluate_files_opt(const char *qrels_path, const char *run_path,
                           const spr_eval_options *opt, spr_eval_result **out) {
  if (!qrels_path || !run_path || !opt || !out)
    return SPR_FAIL(SPR_EINVAL, "spr_evaluate_files: NULL argument");
  *out = NULL;
  spr_measure_set set;
  spr_measure_set_clear(&set);
  if (opt->metrics)
    SPR_TRY(spr_measure_set_add_list(&set, opt->metrics));
  else
    spr_measure_set_default(&set);
  spr_qrels *q = NULL;
  spr_trec_run *r = NULL;
  int rc = 0;
  SPR_TRYG(rc, spr_qrels_read(qrels_path, &q), done);
  SPR_TRYG(rc, spr_trec_run_read(run_path, &r), done);
  SPR_TRYG(rc, spr_evaluate(q, r, &set, opt->flags, opt->max_per_query, out), done);
done:
  spr_qrels_free(&q);
  spr_trec_run_free(&r);
  return rc;
}

int spr_evaluate_files(const char *qrels, const char *run, const char *metrics, int flags,
                       spr_eval_result **out) {
  const spr_eval_options opt = {.metrics = metrics, .flags = flags, .max_per_query = 0};
  return spr_evaluate_files_opt(qrels, run, &opt, out);
}

/* ---- accessors ---------------------------------------------------------------------------- */

const char *spr_eval_result_run(const spr_eval_result *r) { return r ? r->run : NULL; }

size_t spr_eval_result_metric_count(const spr_eval_result *r) { return r ? r->n_metrics : 0; }

const char *spr_eval_result_metric_name(const spr_eval_result *r, size_t i) {
  return r && i < r->n_metrics ? r->names[i] : NULL;
}

int spr_eval_result_metric_is_integer(const spr_eval_result *r, size_t i) {
  return r && i < r->n_metrics ? spr_measure_set_is_integer(&r->set, i) : 0;
}

size_t spr_eval_result_query_count(const spr_eval_result *r) { return r ? r->n_queries : 0; }

const char *spr_eval_result_qid(const spr_eval_result *r, size_t i) {
  return r && i < r->n_queries ? r->qids[i] : NULL;
}

int spr_eval_result_all(const spr_eval_result *r, const char *metric, double *value) {
  if (!r || !metric || !value) return SPR_FAIL(SPR_EINVAL, "spr_eval_result_all: NULL argument");
  const int64_t slot = spr_measure_set_find(&r->set, metric);
  if (slot < 0) return spr_frame_at((int)slot, __FILE__, __LINE__, __func__);
  *value = r->all[slot];
  return 0;
}

int spr_eval_result_query(const spr_eval_result *r, const char *qid, const char *metric,
                          double *value) {
  if (!r || !qid || !metric || !value)
    return SPR_FAIL(SPR_EINVAL, "spr_eval_result_query: NULL argument");
  const int64_t slot = spr_measure_set_find(&r->set, metric);
  if (slot < 0) return spr_frame_at((int)slot, __FILE__, __LINE__, __func__);
  for (size_t i = 0; i < r->n_queries; i++) /* queries are few; keep it simple */
    if (!strcmp(r->qids[i], qid)) {
      *value = r->per_query[i * r->n_metrics + (size_t)slot];
      return 0;
    }
  return SPR_FAIL(SPR_ENOTFOUND, "query '%s' was not evaluated", qid);
}

/* ---- output ------------------------------------------------------------------------------- */

static int spr_print_line(FILE *f, const spr_eval_result *r, size_t m, const char *qid,
                          double v) {
  const int n = spr_measure_set_is_integer(&r->set, m)
                    ? fprintf(f, "%-22s\t%s\t%ld\n", r->names[m], qid, (long)v)
                    : fprintf(f, "%-22s\t%s\t%6.4f\n", r->names[m], qid, v);
  return n < 0 ? SPR_FAIL(SPR_EIO, "cannot write evaluation output: %s", strerror(errno)) : 0;
}

int spr_eval_result_print(const spr_eval_result *r, FILE *f, int per_query) {
  if (!r || !f) return SPR_FAIL(SPR_EINVAL, "spr_eval_result_print: NULL argument");
  if (per_query) {
    for (size_t q = 0; q < r->n_queries; q++)
      for (size_t m = 0; m < r->n_metrics; m++) {
        spr_measure fam;
        SPR_TRY(spr_measure_set_slot(&r->set, m, &fam, NULL));
        if (fam == SPR_MEASURE_NUM_Q) continue; /* trec_eval prints num_q only for `all` */
        SPR_TRY(spr_print_line(f, r, m, r->qids[q], r->per_query[q * r->n_metrics + m]));
      }
  }
  for (size_t m = 0; m < r->n_metrics; m++) SPR_TRY(spr_print_line(f, r, m, "all", r->all[m]));
  return 0;
}

static cJSON *spr_json_values(const spr_eval_result *r, const double *v, int with_num_q) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  for (size_t m = 0; m < r->n_metrics; m++) {
    spr_measure fam;
    if (spr_measure_set_slot(&r->set, m, &fam, NULL) < 0) continue;
    if (fam == SPR_MEASURE_NUM_Q && !with_num_q) continue;
    if (!cJSON_AddNumberToObject(o, r->names[m], v[m])) {
      cJSON_Delete(o);
      return NULL;
    }
  }
  return o;
}

static cJSON *spr_json_build(const spr_eval_result *const *results, size_t n, const char *qrels) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  if (qrels && !cJSON_AddStringToObject(root, "qrels", qrels)) goto fail;
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  if (!runs) goto fail;
  for (size_t i = 0; i < n; i++) {
    const spr_eval_result *r = results[i];
    cJSON *o = cJSON_CreateObject();
    if (!o) goto fail;
    cJSON_AddItemToArray(runs, o);
    if (!cJSON_AddStringToObject(o, "run", r->run)) goto fail;
    cJSON *all = spr_json_values(r, r->all, 1);
    if (!all) goto fail;
    cJSON_AddItemToObject(o, "all", all);
    cJSON *pq = cJSON_AddObjectToObject(o, "per_query");
    if (!pq) goto fail;
    for (size_t q = 0; q < r->n_queries; q++) {
      cJSON *v = spr_json_values(r, r->per_query + q * r->n_metrics, 0);
      if (!v) goto fail;
      cJSON_AddItemToObject(pq, r->qids[q], v);
    }
  }
  return root;
fail:
  cJSON_Delete(root);
  return NULL;
}

int spr_eval_results_write_json(const spr_eval_result *const *results, size_t n,
                                const char *qrels, const char *path) {
  if (!results || !path) return SPR_FAIL(SPR_EINVAL, "spr_eval_results_write_json: NULL argument");
  cJSON *root = spr_json_build(results, n, qrels);
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory building JSON", path);
  char tmp[4096]; /* a name of its own per process: ranks may write the same report */
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  spr_out o;
  int rc = spr_out_open(&o, path, strlen(path) + 32 < sizeof tmp ? tmp : NULL);
  if (rc == SPR_OK) {
    const size_t len = strlen(text);
    if (fwrite(text, 1, len, o.f) != len || fputc('\n', o.f) == EOF)
      rc = SPR_FAIL(SPR_EIO, "%s: cannot write: %s", o.tmp, strerror(errno));
    rc = spr_out_close(&o, rc);
  }
  cJSON_free(text);
  return rc;
}
