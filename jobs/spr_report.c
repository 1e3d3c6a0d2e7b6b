/* spr_report.c: run comparison (paired t-tests, Holm, best values, per-query differences) and
 * its rendering as Markdown, JSON (cJSON) and one self-contained HTML page whose plots gnuplot
 * draws as SVG (inlined) or, without gnuplot, a text chart does. */
#include "spr_report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spr_file.h"

extern char **environ;

/* ---- growable string ------------------------------------------------------------------------ */

typedef struct spr_sbuf {
  char *s;    /* owned, NUL-terminated */
  size_t n;   /* length */
  size_t cap; /* allocated */
  int oom;    /* an append failed: the buffer is incomplete */
} spr_sbuf;

static void spr_sbuf_vadd(spr_sbuf *b, const char *fmt, va_list ap) {
  if (b->oom) return;
  va_list ap2;
  va_copy(ap2, ap);
  const int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
  if (k < 0) {
    b->oom = 1;
    va_end(ap2);
    return;
  }
  if (!b->s || b->n + (size_t)k + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + (size_t)k + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->oom = 1;
      va_end(ap2);
      return;
    }
    b->s = s;
    b->cap = cap;
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap2);
  }
  b->n += (size_t)k;
  va_end(ap2);
}

SPR_PRINTF(2, 3) static void spr_sbuf_add(spr_sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  spr_sbuf_vadd(b, fmt, ap);
  va_end(ap);
}

/* HTML-escaped text. */
static void spr_sbuf_html(spr_sbuf *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&': spr_sbuf_add(b, "&amp;"); break;
    case '<': spr_sbuf_add(b, "&lt;"); break;
    case '>': spr_sbuf_add(b, "&gt;"); break;
    case '"': spr_sbuf_add(b, "&quot;"); break;
    default: spr_sbuf_add(b, "%c", *s);
    }
  }
}

/* Markdown table cell text: '|' escaped, newlines flattened. */
static void spr_sbuf_md(spr_sbuf *b, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|') spr_sbuf_add(b, "\\|");
    else if (*s == '\n') spr_sbuf_add(b, " ");
    else spr_sbuf_add(b, "%c", *s);
  }
}

/* ---- model ---------------------------------------------------------------------------------- */

enum { SPR_FACT_TEXT, SPR_FACT_NUMBER, SPR_FACT_BOOL };

typedef struct spr_rsection {
  char *json_key; /* owned; NULL = top level */
  char *title;    /* owned; NULL = under the report title */
} spr_rsection;

typedef struct spr_rfact {
  size_t section;
  int kind;
  char *key;     /* owned; NULL = not in JSON */
  char *label;   /* owned; NULL = not shown */
  char *display; /* owned, never NULL */
  char *text;    /* owned (SPR_FACT_TEXT) */
  double num;    /* SPR_FACT_NUMBER / SPR_FACT_BOOL */
} spr_rfact;

typedef struct spr_rrun {
  char *label;                /* owned */
  const spr_eval_result *ev;  /* borrowed */
  double *lat;                /* owned, n_lat per-query latencies (ms), sorted ascending */
  size_t n_lat;
  int has_lat_summary;
  double lat_mean, lat_p50, lat_p99;
} spr_rrun;

typedef struct spr_rcmp {
  spr_ttest t;
  double p_holm;
  size_t wins, ties, losses;
} spr_rcmp;

struct spr_report {
  spr_report_options opt;
  char *title;       /* owned */
  char *plot_metric; /* owned, may be NULL */
  spr_rsection *sections; /* owned, n_sections */
  size_t n_sections;
  spr_rfact *facts; /* owned, n_facts */
  size_t n_facts;
  spr_rrun *runs; /* owned, n_runs */
  size_t n_runs;
  /* analysis (spr_report_compare) */
  size_t n_metrics;
  uint8_t *tested;  /* owned, n_metrics */
  uint8_t *best;    /* owned, n_metrics x n_runs */
  double *all;      /* owned, n_metrics x n_runs */
  spr_rcmp *cmp;    /* owned, n_metrics x n_runs (run 0 unused) */
  size_t n_q;       /* baseline queries */
  double *pq;       /* owned, n_runs x n_metrics x n_q; NAN where a run lacks the query */
  size_t plot;      /* metric index of the per-query plot */
  int compared;
};

static char *spr_strdup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int spr_report_create(const spr_report_options *opt, spr_report **out) {
  if (!out) return SPR_FAIL(SPR_EINVAL, "spr_report_create: NULL out");
  *out = NULL;
  spr_report *r = calloc(1, sizeof *r);
  if (!r) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  if (opt) r->opt = *opt;
  if (!(r->opt.alpha > 0.0 && r->opt.alpha < 1.0)) r->opt.alpha = 0.05;
  r->title = strdup(r->opt.title ? r->opt.title : "spire evaluation report");
  r->plot_metric = spr_strdup_or_null(r->opt.plot_metric);
  r->opt.title = NULL;
  r->opt.plot_metric = NULL;
  if (!r->title || (opt && opt->plot_metric && !r->plot_metric)) {
    spr_report_free(&r);
    return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  }
  *out = r;
  return SPR_OK;
}

static void spr_report_clear_analysis(spr_report *r) {
  free(r->tested);
  free(r->best);
  free(r->all);
  free(r->cmp);
  free(r->pq);
  r->tested = r->best = NULL;
  r->all = r->pq = NULL;
  r->cmp = NULL;
  r->compared = 0;
}

void spr_report_free(spr_report **p) {
  if (!p || !*p) return;
  spr_report *r = *p;
  for (size_t i = 0; i < r->n_sections; i++) {
    free(r->sections[i].json_key);
    free(r->sections[i].title);
  }
  free(r->sections);
  for (size_t i = 0; i < r->n_facts; i++) {
    free(r->facts[i].key);
    free(r->facts[i].label);
    free(r->facts[i].display);
    free(r->facts[i].text);
  }
  free(r->facts);
  for (size_t i = 0; i < r->n_runs; i++) {
    free(r->runs[i].label);
    free(r->runs[i].lat);
  }
  free(r->runs);
  spr_report_clear_analysis(r);
  free(r->title);
  free(r->plot_metric);
  free(r);
  *p = NULL;
}

int spr_report_section(spr_report *r, const char *json_key, const char *title) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_report_section: NULL report");
  spr_rsection *s = realloc(r->sections, (r->n_sections + 1) * sizeof *s);
  if (!s) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  r->sections = s;
  spr_rsection *n = &s[r->n_sections];
  n->json_key = spr_strdup_or_null(json_key);
  n->title = spr_strdup_or_null(title);
  if ((json_key && !n->json_key) || (title && !n->title)) {
    free(n->json_key);
    free(n->title);
    return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  }
  r->n_sections++;
  return SPR_OK;
}

static int spr_report_fact(spr_report *r, int kind, const char *key, const char *label,
                           const char *text, double num, const char *display) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_report_fact: NULL report");
  if (r->n_sections == 0) SPR_TRY(spr_report_section(r, NULL, NULL));
  spr_rfact *f = realloc(r->facts, (r->n_facts + 1) * sizeof *f);
  if (!f) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  r->facts = f;
  spr_rfact *n = &f[r->n_facts];
  memset(n, 0, sizeof *n);
  n->section = r->n_sections - 1;
  n->kind = kind;
  n->num = num;
  char tmp[64];
  if (!display) {
    if (kind == SPR_FACT_TEXT) display = text ? text : "";
    else if (kind == SPR_FACT_BOOL) display = num != 0 ? "yes" : "no";
    else {
      snprintf(tmp, sizeof tmp, "%g", num);
      display = tmp;
    }
  }
  n->key = spr_strdup_or_null(key);
  n->label = spr_strdup_or_null(label);
  n->display = strdup(display);
  n->text = kind == SPR_FACT_TEXT ? strdup(text ? text : "") : NULL;
  if ((key && !n->key) || (label && !n->label) || !n->display ||
      (kind == SPR_FACT_TEXT && !n->text)) {
    free(n->key);
    free(n->label);
    free(n->display);
    free(n->text);
    return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  }
  r->n_facts++;
  return SPR_OK;
}

int spr_report_fact_text(spr_report *r, const char *key, const char *label, const char *value,
                         const char *display) {
  return spr_report_fact(r, SPR_FACT_TEXT, key, label, value, 0, display);
}

int spr_report_fact_number(spr_report *r, const char *key, const char *label, double value,
                           const char *display) {
  return spr_report_fact(r, SPR_FACT_NUMBER, key, label, NULL, value, display);
}

int spr_report_fact_bool(spr_report *r, const char *key, const char *label, int value,
                         const char *display) {
  return spr_report_fact(r, SPR_FACT_BOOL, key, label, NULL, value ? 1 : 0, display);
}

/* Base name of a run path without a .run/.trec/.txt/.tsv extension. */
static char *spr_run_label(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  char *s = strdup(*b ? b : path);
  if (!s) return NULL;
  char *dot = strrchr(s, '.');
  if (dot && dot != s &&
      (!strcmp(dot, ".run") || !strcmp(dot, ".trec") || !strcmp(dot, ".txt") || !strcmp(dot, ".tsv")))
    *dot = '\0';
  return s;
}

int spr_report_add_run(spr_report *r, const char *label, const spr_eval_result *ev) {
  if (!r || !ev) return SPR_FAIL(SPR_EINVAL, "spr_report_add_run: NULL argument");
  if (r->n_runs > 0) {
    const spr_eval_result *b = r->runs[0].ev;
    int same = spr_eval_result_metric_count(b) == spr_eval_result_metric_count(ev);
    for (size_t i = 0; same && i < spr_eval_result_metric_count(b); i++)
      same = !strcmp(spr_eval_result_metric_name(b, i), spr_eval_result_metric_name(ev, i));
    if (!same)
      return SPR_FAIL(SPR_EINVAL, "report: run %s has other measures than %s",
                      spr_eval_result_run(ev), spr_eval_result_run(b));
  }
  spr_rrun *v = realloc(r->runs, (r->n_runs + 1) * sizeof *v);
  if (!v) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  r->runs = v;
  spr_rrun *n = &v[r->n_runs];
  memset(n, 0, sizeof *n);
  n->ev = ev;
  n->label = label ? strdup(label) : spr_run_label(spr_eval_result_run(ev));
  if (!n->label) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  /* make the label unique: a second "bm25" becomes "bm25#2" */
  for (size_t i = 0; i < r->n_runs; i++) {
    if (strcmp(v[i].label, n->label)) continue;
    const size_t len = strlen(n->label) + 24;
    char *u = malloc(len);
    if (!u) {
      free(n->label);
      return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    }
    snprintf(u, len, "%s#%zu", n->label, r->n_runs + 1);
    free(n->label);
    n->label = u;
    break;
  }
  r->compared = 0;
  return (int)r->n_runs++;
}

static int spr_cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double spr_percentile(const double *v, size_t n, double q) {
  if (n == 0) return NAN;
  size_t k = (size_t)ceil(q * (double)n);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

int spr_report_set_latency(spr_report *r, size_t run, const double *ms, size_t n) {
  if (!r || run >= r->n_runs || !ms || n == 0)
    return SPR_FAIL(SPR_EINVAL, "report: latency for run %zu: bad arguments", run);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(ms[i]) || ms[i] < 0)
      return SPR_FAIL(SPR_EINVAL, "report: latency %zu of run %zu is not a time", i, run);
  double *c = malloc(n * sizeof *c);
  if (!c) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  memcpy(c, ms, n * sizeof *c);
  qsort(c, n, sizeof *c, spr_cmp_double);
  spr_rrun *u = &r->runs[run];
  free(u->lat);
  u->lat = c;
  u->n_lat = n;
  double s = 0;
  for (size_t i = 0; i < n; i++) s += c[i];
  u->has_lat_summary = 1;
  u->lat_mean = s / (double)n;
  u->lat_p50 = spr_percentile(c, n, 0.50);
  u->lat_p99 = spr_percentile(c, n, 0.99);
  return SPR_OK;
}

int spr_report_set_latency_summary(spr_report *r, size_t run, double mean_ms, double p50_ms,
                                   double p99_ms) {
  if (!r || run >= r->n_runs || !isfinite(mean_ms) || !isfinite(p50_ms) || !isfinite(p99_ms))
    return SPR_FAIL(SPR_EINVAL, "report: latency summary for run %zu: bad arguments", run);
  spr_rrun *u = &r->runs[run];
  u->has_lat_summary = 1;
  u->lat_mean = mean_ms;
  u->lat_p50 = p50_ms;
  u->lat_p99 = p99_ms;
  return SPR_OK;
}


static int spr_json_number(const cJSON *o, const char *key, double *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(x)) return 0;
  *v = x->valuedouble;
  return 1;
}

int spr_report_read_latency(spr_report *r, size_t run, const char *path) {
  if (!r || !path || run >= r->n_runs)
    return SPR_FAIL(SPR_EINVAL, "spr_report_read_latency: bad arguments");
  char *text = NULL;
  size_t len = 0;
  SPR_TRY(spr_file_read(path, NULL, &text, &len));
  const char *s = text;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  int rc = SPR_OK;
  if (*s == '{') { /* a spire run report.json */
    cJSON *root = cJSON_Parse(text);
    const cJSON *search = root ? cJSON_GetObjectItemCaseSensitive(root, "search") : NULL;
    double mean, p50, p99;
    if (!search || !spr_json_number(search, "latency_mean_ms", &mean) ||
        !spr_json_number(search, "latency_p50_ms", &p50) ||
        !spr_json_number(search, "latency_p99_ms", &p99))
      rc = SPR_FAIL(SPR_EPARSE,
                    "%s: not a spire run report.json (needs search.latency_mean_ms, "
                    "latency_p50_ms, latency_p99_ms)",
                    path);
    else
      rc = spr_report_set_latency_summary(r, run, mean, p50, p99);
    cJSON_Delete(root);
    free(text);
    return rc;
  }
  /* text: one latency per line, optionally after a query id */
  size_t n = 0, cap = 0;
  double *v = NULL;
  long line = 0;
  for (char *p = text; p && *p && rc == SPR_OK;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    line++;
    char *tok[3] = {0};
    int nt = 0;
    for (char *q = p; *q && nt < 3;) {
      while (*q == ' ' || *q == '\t' || *q == '\r') q++;
      if (!*q) break;
      tok[nt++] = q;
      while (*q && *q != ' ' && *q != '\t' && *q != '\r') q++;
      if (*q) *q++ = '\0';
    }
    if (nt > 0 && tok[0][0] != '#') {
      const char *num = nt == 1 ? tok[0] : tok[1];
      char *end = NULL;
      const double x = strtod(num, &end);
      if (nt > 2 || end == num || *end || !isfinite(x) || x < 0) {
        rc = SPR_FAIL(SPR_EPARSE, "%s:%ld: expected \"QID MS\" or \"MS\" (milliseconds >= 0)", path,
                      line);
      } else {
        if (n == cap) {
          cap = cap ? 2 * cap : 1024;
          double *w = realloc(v, cap * sizeof *w);
          if (!w) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
          else v = w;
        }
        if (rc == SPR_OK) v[n++] = x;
      }
    }
    p = nl ? nl + 1 : NULL;
  }
  if (rc == SPR_OK && n == 0) rc = SPR_FAIL(SPR_EPARSE, "%s: no latency in the file", path);
  if (rc == SPR_OK) rc = spr_report_set_latency(r, run, v, n);
  free(v);
  free(text);
  return rc;
}

/* ---- analysis ------------------------------------------------------------------------------- */

static int spr_metric_is_tested(const char *name) {
  return strcmp(name, "num_q") && strcmp(name, "num_ret") && strcmp(name, "num_rel");
}

int spr_report_compare(spr_report *r) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_report_compare: NULL report");
  spr_report_clear_analysis(r);
  if (r->n_runs == 0) { /* facts only (a job without qrels) */
    r->n_metrics = r->n_q = 0;
    r->compared = 1;
    return SPR_OK;
  }
  const spr_eval_result *base = r->runs[0].ev;
  const size_t nm = spr_eval_result_metric_count(base), nr = r->n_runs;
  const size_t nq = spr_eval_result_query_count(base);
  r->n_metrics = nm;
  r->n_q = nq;
  const size_t nmr = nm * nr + 1, npq = nr * nm * nq + 1; /* + 1: never a zero-size allocation */
  r->tested = calloc(nm + 1, 1);
  r->best = calloc(nmr, 1);
  r->all = calloc(nmr, sizeof *r->all);
  r->cmp = calloc(nmr, sizeof *r->cmp);
  r->pq = malloc(npq * sizeof *r->pq);
  double *a = malloc((nq + 1) * sizeof *a), *b = malloc((nq + 1) * sizeof *b);
  double *praw = malloc(nmr * sizeof *praw);
  size_t *order = malloc(nmr * sizeof *order);
  int rc = SPR_OK;
  if (!r->tested || !r->best || !r->all || !r->cmp || !r->pq || !a || !b || !praw || !order) {
    rc = SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    goto done;
  }
  for (size_t i = 0; i < nr * nm * nq; i++) r->pq[i] = NAN;
  /* per-query values aligned on the baseline's queries; both lists are in strcmp order */
  for (size_t u = 0; u < nr; u++) {
    const spr_eval_result *ev = r->runs[u].ev;
    const size_t nu = spr_eval_result_query_count(ev);
    size_t j = 0;
    for (size_t i = 0; i < nq; i++) {
      const char *qid = spr_eval_result_qid(base, i);
      while (j < nu && strcmp(spr_eval_result_qid(ev, j), qid) < 0) j++;
      if (j >= nu || strcmp(spr_eval_result_qid(ev, j), qid) != 0) continue;
      for (size_t m = 0; m < nm; m++) {
        const char *name = spr_eval_result_metric_name(base, m);
        if (!strcmp(name, "num_q")) continue;
        double v = 0;
        if (spr_eval_result_query(ev, spr_eval_result_qid(ev, j), name, &v) == SPR_OK)
          r->pq[(u * nm + m) * nq + i] = v;
      }
    }
    for (size_t m = 0; m < nm; m++) {
      double v = NAN;
      if (spr_eval_result_all(ev, spr_eval_result_metric_name(base, m), &v) != SPR_OK) v = NAN;
      r->all[m * nr + u] = v;
    }
  }
  for (size_t m = 0; m < nm; m++) {
    const char *name = spr_eval_result_metric_name(base, m);
    r->tested[m] = (uint8_t)spr_metric_is_tested(name);
    if (!r->tested[m]) continue;
    double hi = -INFINITY;
    for (size_t u = 0; u < nr; u++)
      if (r->all[m * nr + u] > hi) hi = r->all[m * nr + u];
    for (size_t u = 0; u < nr && nr > 1; u++) r->best[m * nr + u] = r->all[m * nr + u] == hi;
    for (size_t u = 1; u < nr; u++) {
      size_t k = 0;
      spr_rcmp *c = &r->cmp[m * nr + u];
      for (size_t i = 0; i < nq; i++) {
        const double x = r->pq[(0 * nm + m) * nq + i], y = r->pq[(u * nm + m) * nq + i];
        if (isnan(x) || isnan(y)) continue;
        a[k] = x;
        b[k] = y;
        k++;
        if (y > x) c->wins++;
        else if (y < x) c->losses++;
        else c->ties++;
      }
      SPR_TRYG(rc, spr_stats_paired_t(a, b, k, &c->t), done);
    }
  }
  /* Holm-Bonferroni over the chosen family */
  if (r->opt.family == SPR_REPORT_FAMILY_ALL) {
    size_t k = 0;
    for (size_t m = 0; m < nm; m++)
      for (size_t u = 1; u < nr && r->tested[m]; u++) praw[k++] = r->cmp[m * nr + u].t.p;
    SPR_TRYG(rc, spr_stats_holm(praw, k, order, praw), done);
    k = 0;
    for (size_t m = 0; m < nm; m++)
      for (size_t u = 1; u < nr && r->tested[m]; u++) r->cmp[m * nr + u].p_holm = praw[k++];
  } else {
    for (size_t m = 0; m < nm; m++) {
      if (!r->tested[m] || nr < 2) continue;
      for (size_t u = 1; u < nr; u++) praw[u - 1] = r->cmp[m * nr + u].t.p;
      SPR_TRYG(rc, spr_stats_holm(praw, nr - 1, order, praw), done);
      for (size_t u = 1; u < nr; u++) r->cmp[m * nr + u].p_holm = praw[u - 1];
    }
  }
  /* plot measure */
  r->plot = nm;
  if (r->plot_metric) {
    double v;
    if (spr_eval_result_all(base, r->plot_metric, &v) != SPR_OK) {
      rc = SPR_FAIL(SPR_EINVAL, "report: plot measure '%s' was not computed", r->plot_metric);
      goto done;
    }
    for (size_t m = 0; m < nm; m++) /* a printed name ("ndcg_cut_10") */
      if (!strcmp(spr_eval_result_metric_name(base, m), r->plot_metric)) r->plot = m;
    if (r->plot == nm) { /* a friendly name ("nDCG@10"): its printed name */
      spr_measure_set probe;
      spr_measure_set_clear(&probe);
      char nbuf[SPR_METRICS_NAME_MAX];
      if (spr_measure_set_add(&probe, r->plot_metric) == SPR_OK && spr_measure_set_size(&probe) == 1 &&
          spr_measure_set_name(&probe, 0, nbuf, sizeof nbuf) > 0)
        for (size_t m = 0; m < nm; m++)
          if (!strcmp(spr_eval_result_metric_name(base, m), nbuf)) r->plot = m;
    }
    if (r->plot == nm || !r->tested[r->plot]) {
      rc = SPR_FAIL(SPR_EINVAL, "report: '%s' cannot be the plot measure (a count)",
                    r->plot_metric);
      goto done;
    }
  } else {
    for (size_t m = 0; m < nm; m++)
      if (!strcmp(spr_eval_result_metric_name(base, m), "ndcg_cut_10")) r->plot = m;
    for (size_t m = 0; m < nm && r->plot == nm; m++)
      if (r->tested[m] && strcmp(spr_eval_result_metric_name(base, m), "num_rel_ret")) r->plot = m;
    for (size_t m = 0; m < nm && r->plot == nm; m++)
      if (r->tested[m]) r->plot = m;
  }
  r->compared = 1;
done:
  free(a);
  free(b);
  free(praw);
  free(order);
  if (rc != SPR_OK) spr_report_clear_analysis(r);
  return rc;
}

int spr_report_comparison(const spr_report *r, const char *metric, size_t run, spr_ttest *test,
                          double *p_holm) {
  if (!r || !metric) return SPR_FAIL(SPR_EINVAL, "spr_report_comparison: NULL argument");
  if (!r->compared || run == 0 || run >= r->n_runs)
    return SPR_FAIL(SPR_ENOTFOUND, "report: no comparison of run %zu", run);
  for (size_t m = 0; m < r->n_metrics; m++) {
    if (strcmp(spr_eval_result_metric_name(r->runs[0].ev, m), metric) || !r->tested[m]) continue;
    const spr_rcmp *c = &r->cmp[m * r->n_runs + run];
    if (test) *test = c->t;
    if (p_holm) *p_holm = c->p_holm;
    return SPR_OK;
  }
  return SPR_FAIL(SPR_ENOTFOUND, "report: measure '%s' was not tested", metric);
}

/* ---- formatting helpers ----------------------------------------------------------------------- */

/* Friendly label of a printed measure name: map -> MAP, ndcg_cut_10 -> nDCG@10, ... */
static void spr_metric_label(const char *name, char *buf, size_t cap) {
  static const struct {
    const char *prefix, *label;
  } tab[] = {{"ndcg_cut_", "nDCG@"}, {"recip_rank_", "RR@"}, {"recall_", "R@"}, {"P_", "P@"}};
  if (!strcmp(name, "map")) {
    snprintf(buf, cap, "MAP");
    return;
  }
  if (!strcmp(name, "recip_rank")) {
    snprintf(buf, cap, "MRR");
    return;
  }
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
    const size_t n = strlen(tab[i].prefix);
    if (!strncmp(name, tab[i].prefix, n)) {
      snprintf(buf, cap, "%s%s", tab[i].label, name + n);
      return;
    }
  }
  snprintf(buf, cap, "%s", name);
}

static void spr_fmt_value(char *buf, size_t cap, double v, int integer) {
  if (isnan(v)) snprintf(buf, cap, "n/a");
  else if (integer) snprintf(buf, cap, "%.0f", v);
  else snprintf(buf, cap, "%.4f", v);
}

static void spr_fmt_p(char *buf, size_t cap, double p) {
  if (isnan(p)) snprintf(buf, cap, "n/a");
  else if (p == 0.0) snprintf(buf, cap, "0");
  else if (p < 1e-4) snprintf(buf, cap, "%.1e", p);
  else snprintf(buf, cap, "%.4f", p);
}

static void spr_fmt_t(char *buf, size_t cap, double t) {
  if (isnan(t)) snprintf(buf, cap, "n/a");
  else if (isinf(t)) snprintf(buf, cap, "%sinf", t < 0 ? "-" : "+");
  else snprintf(buf, cap, "%.3f", t);
}

static const char *spr_family_name(const spr_report *r) {
  return r->opt.family == SPR_REPORT_FAMILY_ALL ? "all" : "metric";
}

static const char *spr_family_text(const spr_report *r) {
  return r->opt.family == SPR_REPORT_FAMILY_ALL
             ? "over every (measure, run) comparison of the report"
             : "over the runs compared with the baseline on each measure";
}

/* Significance marker of run u on measure m: "▲" better, "▼" worse, "" neither. */
static const char *spr_mark(const spr_report *r, size_t m, size_t u) {
  if (u == 0 || !r->tested[m]) return "";
  const spr_rcmp *c = &r->cmp[m * r->n_runs + u];
  if (!(c->p_holm < r->opt.alpha)) return "";
  return c->t.mean_diff > 0 ? "\xe2\x96\xb2" : c->t.mean_diff < 0 ? "\xe2\x96\xbc" : "";
}

/* Order of the baseline's query indexes that run u also has, by difference on the plot
 * measure (ascending); returns the count. idx: n_q entries. */
typedef struct spr_diffq {
  double d;
  size_t q;
} spr_diffq;

static int spr_cmp_diffq(const void *a, const void *b) {
  const spr_diffq *x = a, *y = b;
  if (x->d != y->d) return (x->d > y->d) - (x->d < y->d);
  return (x->q > y->q) - (x->q < y->q);
}

static size_t spr_sorted_diffs(const spr_report *r, size_t u, spr_diffq *out) {
  const size_t nm = r->n_metrics, nq = r->n_q, m = r->plot;
  size_t k = 0;
  for (size_t i = 0; i < nq; i++) {
    const double x = r->pq[(0 * nm + m) * nq + i], y = r->pq[(u * nm + m) * nq + i];
    if (isnan(x) || isnan(y)) continue;
    out[k].d = y - x;
    out[k].q = i;
    k++;
  }
  qsort(out, k, sizeof *out, spr_cmp_diffq);
  return k;
}

/* ---- plots ---------------------------------------------------------------------------------- */

int spr_report_have_gnuplot(void) {
  const char *path = getenv("PATH");
  if (!path || !*path) return 0;
  char *p = strdup(path);
  if (!p) return 0;
  int found = 0;
  char *save = NULL;
  for (char *d = strtok_r(p, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/gnuplot", *d ? d : ".");
    found = access(exe, X_OK) == 0;
  }
  free(p);
  return found;
}

/* gnuplot-safe string: quotes and backslashes dropped. */
static void spr_gp_string(spr_sbuf *b, const char *s) {
  for (; s && *s; s++)
    if (*s != '"' && *s != '\\' && *s != '\n') spr_sbuf_add(b, "%c", *s);
}

/* Run gnuplot on script; on success *svg holds the <svg> element (owned). Returns 0, or a
 * negative code with *why set (static text) when gnuplot could not draw it. */
static int spr_gnuplot_svg(const char *script, char **svg, const char **why) {
  *svg = NULL;
  *why = NULL;
  const char *tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  char sp[4096], op[4096];
  snprintf(sp, sizeof sp, "%s/spire-plot-XXXXXX", tmpdir);
  snprintf(op, sizeof op, "%s/spire-svg-XXXXXX", tmpdir);
  const int sfd = mkstemp(sp);
  if (sfd < 0) {
    *why = "cannot create a temporary file";
    return SPR_EIO;
  }
  const int ofd = mkstemp(op);
  if (ofd < 0) {
    close(sfd);
    unlink(sp);
    *why = "cannot create a temporary file";
    return SPR_EIO;
  }
  const size_t len = strlen(script);
  const ssize_t w = write(sfd, script, len);
  close(sfd);
  close(ofd);
  int rc = SPR_OK;
  if (w < 0 || (size_t)w != len) {
    *why = "cannot write the gnuplot script";
    rc = SPR_EIO;
  }
  if (rc == SPR_OK) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, op, O_WRONLY | O_TRUNC, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)"gnuplot", sp, NULL};
    pid_t pid;
    const int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (e != 0) {
      *why = "gnuplot could not be started";
      rc = SPR_EIO;
    } else {
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *why = "gnuplot failed";
        rc = SPR_EIO;
      }
    }
  }
  if (rc == SPR_OK) {
    char *text = NULL;
    size_t n = 0;
    if (spr_file_read(op, NULL, &text, &n) != SPR_OK) {
      *why = "cannot read gnuplot's output";
      rc = SPR_EIO;
    } else {
      char *start = strstr(text, "<svg");
      char *end = start ? strstr(start, "</svg>") : NULL;
      if (!start || !end) {
        *why = "gnuplot wrote no SVG";
        rc = SPR_EIO;
        free(text);
      } else {
        end[6] = '\0';
        memmove(text, start, (size_t)(end + 6 - start) + 1);
        *svg = text;
      }
    }
  }
  unlink(sp);
  unlink(op);
  return rc;
}

typedef struct spr_plot {
  char *svg;       /* owned; NULL = text fallback */
  char *text;      /* owned; the text chart (always made) */
  char *title;     /* owned */
  const char *why; /* static: why there is no SVG (NULL when gnuplot was not tried) */
} spr_plot;

static void spr_plot_free(spr_plot *p) {
  free(p->svg);
  free(p->text);
  free(p->title);
  memset(p, 0, sizeof *p);
}

/* Text chart of sorted differences: at most 40 rows (evenly spaced ranks), a bar either side of
 * a zero axis. */
static void spr_text_diff_chart(spr_sbuf *b, const spr_report *r, const spr_diffq *d, size_t k) {
  double hi = 0;
  for (size_t i = 0; i < k; i++)
    if (fabs(d[i].d) > hi) hi = fabs(d[i].d);
  const size_t rows = k < 40 ? k : 40, half = 25;
  if (k > rows) spr_sbuf_add(b, "(%zu of %zu queries, evenly spaced in sorted order)\n", rows, k);
  for (size_t j = 0; j < rows; j++) {
    const size_t i = rows == 1 ? 0 : j * (k - 1) / (rows - 1);
    const double v = d[i].d;
    const size_t len = hi > 0 ? (size_t)llround(fabs(v) / hi * (double)half) : 0;
    char left[64], right[64];
    memset(left, ' ', half);
    left[half] = '\0';
    memset(right, ' ', half);
    right[half] = '\0';
    if (v < 0)
      for (size_t c = 0; c < len; c++) left[half - 1 - c] = '#';
    else
      for (size_t c = 0; c < len; c++) right[c] = '#';
    spr_sbuf_add(b, "%12.12s %+8.4f %s|%s\n", spr_eval_result_qid(r->runs[0].ev, d[i].q), v, left,
                 right);
  }
}

/* The plot of run u's per-query differences against the baseline. */
static int spr_plot_diffs(const spr_report *r, size_t u, int use_gnuplot, int id, spr_plot *out) {
  memset(out, 0, sizeof *out);
  char ml[SPR_METRICS_NAME_MAX + 8];
  const char *mname = spr_eval_result_metric_name(r->runs[0].ev, r->plot);
  spr_metric_label(mname, ml, sizeof ml);
  spr_diffq *d = malloc((r->n_q ? r->n_q : 1) * sizeof *d);
  if (!d) return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  const size_t k = spr_sorted_diffs(r, u, d);
  spr_sbuf t = {0}, title = {0};
  spr_sbuf_add(&title, "%s: %s minus %s per query (%zu queries, sorted)", ml, r->runs[u].label,
               r->runs[0].label, k);
  spr_text_diff_chart(&t, r, d, k);
  if (use_gnuplot && k > 0) {
    spr_sbuf s = {0};
    spr_sbuf_add(&s,
                 "set terminal svg size 760,320 dynamic noenhanced font 'sans,11' name 'spire_plot_%d'\n"
                 "set encoding utf8\nset style fill solid 0.85 noborder\nset boxwidth 0.9 relative\n"
                 "unset key\nset grid ytics lc rgb '#dddddd'\nset xzeroaxis lt -1\n"
                 "set xrange [0:%zu]\nset yrange [*<0:0<*]\nset xtics out nomirror\nset ytics nomirror\n"
                 "set xlabel 'queries, sorted by difference'\nset ylabel \"",
                 id, k + 1);
    spr_gp_string(&s, ml);
    spr_sbuf_add(&s, " difference\"\n$d << EOD\n");
    for (size_t i = 0; i < k; i++) spr_sbuf_add(&s, "%zu %.10g\n", i + 1, d[i].d);
    spr_sbuf_add(&s, "EOD\nplot $d using 1:($2 >= 0 ? $2 : 1/0) with boxes lc rgb '#2e7d32', "
                     "$d using 1:($2 < 0 ? $2 : 1/0) with boxes lc rgb '#c62828'\n");
    if (s.oom) {
      free(s.s);
      free(t.s);
      free(title.s);
      free(d);
      return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    }
    (void)spr_gnuplot_svg(s.s, &out->svg, &out->why);
    free(s.s);
  }
  free(d);
  out->text = t.s ? t.s : strdup("");
  out->title = title.s;
  if (t.oom || title.oom || !out->text || !out->title) {
    spr_plot_free(out);
    return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  }
  return SPR_OK;
}

static int spr_have_latency(const spr_report *r) {
  for (size_t u = 0; u < r->n_runs; u++)
    if (r->runs[u].has_lat_summary) return 1;
  return 0;
}

/* Latency plot: the distribution (fraction of queries answered within x ms) when per-query
 * values exist, else mean/p50/p99 bars. */
static int spr_plot_latency(const spr_report *r, int use_gnuplot, int id, spr_plot *out) {
  memset(out, 0, sizeof *out);
  int per_query = 0;
  double lo = INFINITY, hi = 0;
  for (size_t u = 0; u < r->n_runs; u++)
    if (r->runs[u].n_lat) {
      per_query = 1;
      if (r->runs[u].lat[0] < lo) lo = r->runs[u].lat[0];
      if (r->runs[u].lat[r->runs[u].n_lat - 1] > hi) hi = r->runs[u].lat[r->runs[u].n_lat - 1];
    }
  spr_sbuf t = {0}, s = {0};
  out->title = strdup(per_query ? "Latency distribution: share of queries answered within x ms"
                                : "Latency: mean, median and 99th percentile per run (ms)");
  spr_sbuf_add(&t, "%-20s %10s %10s %10s %10s %10s %10s\n", "run", "queries", "mean", "p50", "p90",
               "p99", "max");
  for (size_t u = 0; u < r->n_runs; u++) {
    const spr_rrun *v = &r->runs[u];
    if (!v->has_lat_summary) continue;
    if (v->n_lat)
      spr_sbuf_add(&t, "%-20.20s %10zu %10.3f %10.3f %10.3f %10.3f %10.3f\n", v->label, v->n_lat,
                   v->lat_mean, v->lat_p50, spr_percentile(v->lat, v->n_lat, 0.9), v->lat_p99,
                   v->lat[v->n_lat - 1]);
    else
      spr_sbuf_add(&t, "%-20.20s %10s %10.3f %10.3f %10s %10.3f %10s\n", v->label, "-", v->lat_mean,
                   v->lat_p50, "-", v->lat_p99, "-");
  }
  if (use_gnuplot) {
    spr_sbuf_add(&s,
                 "set terminal svg size 760,320 dynamic noenhanced font 'sans,11' name 'spire_plot_%d'\n"
                 "set encoding utf8\nset grid lc rgb '#dddddd'\nset key outside right\n",
                 id);
    if (per_query) {
      if (lo > 0 && hi / lo > 50) spr_sbuf_add(&s, "set logscale x\n");
      spr_sbuf_add(&s, "set xlabel 'latency (ms)'\nset ylabel 'share of queries'\nset yrange [0:1]\n");
      for (size_t u = 0; u < r->n_runs; u++) {
        const spr_rrun *v = &r->runs[u];
        if (!v->n_lat) continue;
        spr_sbuf_add(&s, "$l%zu << EOD\n", u);
        for (size_t i = 0; i < v->n_lat; i++)
          spr_sbuf_add(&s, "%.10g %.10g\n", v->lat[i], (double)(i + 1) / (double)v->n_lat);
        spr_sbuf_add(&s, "EOD\n");
      }
      spr_sbuf_add(&s, "plot ");
      int first = 1;
      for (size_t u = 0; u < r->n_runs; u++) {
        if (!r->runs[u].n_lat) continue;
        spr_sbuf_add(&s, "%s$l%zu using 1:2 with steps lw 2 title \"", first ? "" : ", ", u);
        spr_gp_string(&s, r->runs[u].label);
        spr_sbuf_add(&s, "\"");
        first = 0;
      }
      spr_sbuf_add(&s, "\n");
    } else {
      spr_sbuf_add(&s, "set style data histograms\nset style histogram clustered gap 1\n"
                       "set style fill solid 0.85 noborder\nset ylabel 'ms'\nset yrange [0:*]\n"
                       "set xtics nomirror\n$l << EOD\nrun mean p50 p99\n");
      for (size_t u = 0; u < r->n_runs; u++) {
        const spr_rrun *v = &r->runs[u];
        if (!v->has_lat_summary) continue;
        spr_sbuf_add(&s, "\"");
        spr_gp_string(&s, v->label);
        spr_sbuf_add(&s, "\" %.10g %.10g %.10g\n", v->lat_mean, v->lat_p50, v->lat_p99);
      }
      spr_sbuf_add(&s, "EOD\nplot $l using 2:xtic(1) title 'mean', '' using 3 title 'p50', "
                       "'' using 4 title 'p99'\n");
    }
    if (!s.oom) (void)spr_gnuplot_svg(s.s, &out->svg, &out->why);
  }
  const int oom = s.oom || t.oom || !out->title;
  free(s.s);
  out->text = t.s;
  if (oom || !out->text) {
    spr_plot_free(out);
    return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
  }
  return SPR_OK;
}

/* ---- Markdown ------------------------------------------------------------------------------- */

static void spr_md_facts(spr_sbuf *b, const spr_report *r, size_t sec) {
  const spr_rsection *s = &r->sections[sec];
  size_t shown = 0;
  for (size_t i = 0; i < r->n_facts; i++) shown += r->facts[i].section == sec && r->facts[i].label;
  if (!shown) return;
  if (s->title) spr_sbuf_add(b, "## %s\n\n| | |\n| --- | --- |\n", s->title);
  for (size_t i = 0; i < r->n_facts; i++) {
    const spr_rfact *f = &r->facts[i];
    if (f->section != sec || !f->label) continue;
    if (s->title) {
      spr_sbuf_add(b, "| ");
      spr_sbuf_md(b, f->label);
      spr_sbuf_add(b, " | ");
      spr_sbuf_md(b, f->display);
      spr_sbuf_add(b, " |\n");
    } else {
      spr_sbuf_add(b, "- %s: %s\n", f->label, f->display);
    }
  }
  spr_sbuf_add(b, "\n");
}

static void spr_md_render(spr_sbuf *b, const spr_report *r) {
  const spr_eval_result *base = r->n_runs ? r->runs[0].ev : NULL;
  const size_t nm = r->n_metrics, nr = r->n_runs;
  char v[64], lab[SPR_METRICS_NAME_MAX + 8];
  spr_sbuf_add(b, "# %s\n\n", r->title);
  for (size_t s = 0; s < r->n_sections; s++)
    if (!r->sections[s].title) spr_md_facts(b, r, s);
  spr_sbuf_add(b, "## Effectiveness\n\n");
  if (nr == 0) {
    spr_sbuf_add(b, "No qrels: nothing was evaluated.\n\n");
    for (size_t s = 0; s < r->n_sections; s++)
      if (r->sections[s].title) spr_md_facts(b, r, s);
    return;
  }
  if (nr > 1) {
    spr_sbuf_add(b, "Runs (the first is the baseline):\n\n");
    for (size_t u = 0; u < nr; u++)
      spr_sbuf_add(b, "%zu. `%s`: `%s`\n", u + 1, r->runs[u].label, spr_eval_result_run(r->runs[u].ev));
    spr_sbuf_add(b, "\n");
  }
  spr_sbuf_add(b, "| measure |");
  for (size_t u = 0; u < nr; u++) {
    spr_sbuf_add(b, " ");
    spr_sbuf_md(b, nr > 1 ? r->runs[u].label : "value");
    spr_sbuf_add(b, " |");
  }
  spr_sbuf_add(b, "\n| --- |");
  for (size_t u = 0; u < nr; u++) spr_sbuf_add(b, " ---: |");
  spr_sbuf_add(b, "\n");
  for (size_t m = 0; m < nm; m++) {
    const char *name = spr_eval_result_metric_name(base, m);
    const int integer = spr_eval_result_metric_is_integer(base, m);
    spr_metric_label(name, lab, sizeof lab);
    if (strcmp(lab, name)) spr_sbuf_add(b, "| %s (`%s`) |", lab, name);
    else spr_sbuf_add(b, "| `%s` |", name);
    for (size_t u = 0; u < nr; u++) {
      spr_fmt_value(v, sizeof v, r->all[m * nr + u], integer);
      const int best = r->best[m * nr + u];
      spr_sbuf_add(b, " %s%s%s", best ? "**" : "", v, best ? "**" : "");
      if (u > 0 && r->tested[m]) {
        char d[64];
        spr_fmt_value(d, sizeof d, r->all[m * nr + u] - r->all[m * nr + 0], integer);
        const char *mk = spr_mark(r, m, u);
        spr_sbuf_add(b, " (%s%s)%s%s", r->all[m * nr + u] >= r->all[m * nr] ? "+" : "", d,
                     *mk ? " " : "", mk);
      }
      spr_sbuf_add(b, " |");
    }
    spr_sbuf_add(b, "\n");
  }
  spr_sbuf_add(b, "\n");
  if (nr > 1) {
    spr_sbuf_add(b,
                 "**Bold**: the best value of the measure. In parentheses: the difference from the "
                 "baseline; %s / %s: significantly better / worse than the baseline (paired two-sided "
                 "t-test over the queries both runs evaluated, Holm-Bonferroni adjusted p < %g, %s).\n\n",
                 "\xe2\x96\xb2", "\xe2\x96\xbc", r->opt.alpha, spr_family_text(r));
    spr_sbuf_add(b, "## Significance against the baseline `%s`\n\n", r->runs[0].label);
    spr_sbuf_add(b, "| measure | run | queries | mean diff | t | df | p | p (Holm) | better / equal / worse |\n"
                    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t m = 0; m < nm; m++) {
      if (!r->tested[m]) continue;
      spr_metric_label(spr_eval_result_metric_name(base, m), lab, sizeof lab);
      for (size_t u = 1; u < nr; u++) {
        const spr_rcmp *c = &r->cmp[m * nr + u];
        char t[32], p[32], ph[32];
        spr_fmt_t(t, sizeof t, c->t.t);
        spr_fmt_p(p, sizeof p, c->t.p);
        spr_fmt_p(ph, sizeof ph, c->p_holm);
        const int sig = c->p_holm < r->opt.alpha;
        spr_sbuf_add(b, "| %s | ", lab);
        spr_sbuf_md(b, r->runs[u].label);
        spr_sbuf_add(b, " | %zu | %+.4f | %s | %.0f | %s | %s%s%s | %zu / %zu / %zu |\n", c->t.n,
                     c->t.mean_diff, t, c->t.df, p, sig ? "**" : "", ph, sig ? "**" : "", c->wins,
                     c->ties, c->losses);
      }
    }
    spr_sbuf_add(b, "\n");
    /* per-query differences on the plot measure: the extremes */
    spr_metric_label(spr_eval_result_metric_name(base, r->plot), lab, sizeof lab);
    spr_sbuf_add(b, "## Per-query differences: %s\n\n", lab);
    spr_diffq *d = malloc((r->n_q ? r->n_q : 1) * sizeof *d);
    if (!d) {
      b->oom = 1;
      return;
    }
    for (size_t u = 1; u < nr; u++) {
      const size_t k = spr_sorted_diffs(r, u, d);
      const spr_rcmp *c = &r->cmp[r->plot * nr + u];
      spr_sbuf_add(b, "`%s` minus `%s` over %zu queries: %zu better, %zu equal, %zu worse.", r->runs[u].label,
                   r->runs[0].label, k, c->wins, c->ties, c->losses);
      const size_t show = k < 5 ? k : 5;
      if (c->wins) {
        spr_sbuf_add(b, " Largest gains:");
        for (size_t i = 0; i < show && d[k - 1 - i].d > 0; i++)
          spr_sbuf_add(b, "%s `%s` %+.4f", i ? "," : "", spr_eval_result_qid(base, d[k - 1 - i].q),
                       d[k - 1 - i].d);
        spr_sbuf_add(b, ".");
      }
      if (c->losses) {
        spr_sbuf_add(b, " Largest losses:");
        for (size_t i = 0; i < show && d[i].d < 0; i++)
          spr_sbuf_add(b, "%s `%s` %+.4f", i ? "," : "", spr_eval_result_qid(base, d[i].q), d[i].d);
        spr_sbuf_add(b, ".");
      }
      spr_sbuf_add(b, "\n\n");
    }
    free(d);
    spr_sbuf_add(b, "Every query's values are in the JSON report (`per_query`); the HTML report plots "
                    "the differences.\n\n");
  }
  if (spr_have_latency(r)) {
    spr_sbuf_add(b, "## Latency\n\n| run | queries | mean (ms) | p50 (ms) | p99 (ms) |\n"
                    "| --- | ---: | ---: | ---: | ---: |\n");
    for (size_t u = 0; u < nr; u++) {
      const spr_rrun *v2 = &r->runs[u];
      if (!v2->has_lat_summary) continue;
      spr_sbuf_add(b, "| ");
      spr_sbuf_md(b, v2->label);
      if (v2->n_lat) spr_sbuf_add(b, " | %zu", v2->n_lat);
      else spr_sbuf_add(b, " | -");
      spr_sbuf_add(b, " | %.3f | %.3f | %.3f |\n", v2->lat_mean, v2->lat_p50, v2->lat_p99);
    }
    spr_sbuf_add(b, "\n");
  }
  for (size_t s = 0; s < r->n_sections; s++)
    if (r->sections[s].title) spr_md_facts(b, r, s);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static cJSON *spr_json_num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static cJSON *spr_json_render(const spr_report *r) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  const spr_eval_result *base = r->n_runs ? r->runs[0].ev : NULL;
  const size_t nm = r->n_metrics, nr = r->n_runs, nq = r->n_q;
  if (!r->opt.job_report) cJSON_AddStringToObject(root, "title", r->title);
  for (size_t i = 0; i < r->n_facts; i++) {
    const spr_rfact *f = &r->facts[i];
    if (!f->key) continue;
    cJSON *parent = root;
    const char *sk = r->sections[f->section].json_key;
    if (sk) {
      parent = cJSON_GetObjectItemCaseSensitive(root, sk);
      if (!parent) parent = cJSON_AddObjectToObject(root, sk);
      if (!parent) goto oom;
    }
    cJSON *x = f->kind == SPR_FACT_TEXT     ? cJSON_CreateString(f->text)
               : f->kind == SPR_FACT_BOOL ? cJSON_CreateBool(f->num != 0)
                                          : spr_json_num(f->num);
    if (!x) goto oom;
    cJSON_AddItemToObject(parent, f->key, x);
  }
  if (r->opt.job_report || nr == 0) { /* spire run's layout: the run's `all` values */
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    if (!metrics) goto oom;
    for (size_t m = 0; m < nm; m++)
      cJSON_AddItemToObject(metrics, spr_eval_result_metric_name(base, m), spr_json_num(r->all[m * nr]));
    return root;
  }
  cJSON_AddStringToObject(root, "baseline", r->runs[0].label);
  cJSON_AddNumberToObject(root, "alpha", r->opt.alpha);
  cJSON_AddStringToObject(root, "test", "paired two-sided t-test");
  cJSON_AddStringToObject(root, "correction", "holm-bonferroni");
  cJSON_AddStringToObject(root, "family", spr_family_name(r));
  cJSON_AddStringToObject(root, "plot_metric", spr_eval_result_metric_name(base, r->plot));
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  if (!runs) goto oom;
  for (size_t u = 0; u < nr; u++) {
    cJSON *o = cJSON_CreateObject();
    if (!o) goto oom;
    cJSON_AddItemToArray(runs, o);
    cJSON_AddStringToObject(o, "label", r->runs[u].label);
    cJSON_AddStringToObject(o, "run", spr_eval_result_run(r->runs[u].ev));
    cJSON_AddNumberToObject(o, "queries", (double)spr_eval_result_query_count(r->runs[u].ev));
    cJSON *all = cJSON_AddObjectToObject(o, "all");
    for (size_t m = 0; all && m < nm; m++)
      cJSON_AddItemToObject(all, spr_eval_result_metric_name(base, m), spr_json_num(r->all[m * nr + u]));
    if (r->runs[u].has_lat_summary) {
      cJSON *l = cJSON_AddObjectToObject(o, "latency_ms");
      if (!l) goto oom;
      cJSON_AddItemToObject(l, "mean", spr_json_num(r->runs[u].lat_mean));
      cJSON_AddItemToObject(l, "p50", spr_json_num(r->runs[u].lat_p50));
      cJSON_AddItemToObject(l, "p99", spr_json_num(r->runs[u].lat_p99));
      if (r->runs[u].n_lat) cJSON_AddNumberToObject(l, "queries", (double)r->runs[u].n_lat);
    }
  }
  /* metrics: per measure, the values, the best runs and the comparisons */
  {
    cJSON *arr = cJSON_AddArrayToObject(root, "metrics");
    if (!arr) goto oom;
    for (size_t m = 0; m < nm; m++) {
      char lab[SPR_METRICS_NAME_MAX + 8];
      const char *name = spr_eval_result_metric_name(base, m);
      spr_metric_label(name, lab, sizeof lab);
      cJSON *o = cJSON_CreateObject();
      if (!o) goto oom;
      cJSON_AddItemToArray(arr, o);
      cJSON_AddStringToObject(o, "name", name);
      cJSON_AddStringToObject(o, "label", lab);
      cJSON *vals = cJSON_AddObjectToObject(o, "values");
      for (size_t u = 0; vals && u < nr; u++)
        cJSON_AddItemToObject(vals, r->runs[u].label, spr_json_num(r->all[m * nr + u]));
      if (!r->tested[m]) continue;
      cJSON *best = cJSON_AddArrayToObject(o, "best");
      for (size_t u = 0; best && u < nr; u++)
        if (r->best[m * nr + u]) cJSON_AddItemToArray(best, cJSON_CreateString(r->runs[u].label));
      cJSON *cs = cJSON_AddArrayToObject(o, "comparisons");
      if (!cs) goto oom;
      for (size_t u = 1; u < nr; u++) {
        const spr_rcmp *c = &r->cmp[m * nr + u];
        cJSON *x = cJSON_CreateObject();
        if (!x) goto oom;
        cJSON_AddItemToArray(cs, x);
        cJSON_AddStringToObject(x, "run", r->runs[u].label);
        cJSON_AddNumberToObject(x, "queries", (double)c->t.n);
        cJSON_AddItemToObject(x, "mean_baseline", spr_json_num(c->t.mean_a));
        cJSON_AddItemToObject(x, "mean_run", spr_json_num(c->t.mean_b));
        cJSON_AddItemToObject(x, "mean_diff", spr_json_num(c->t.mean_diff));
        cJSON_AddItemToObject(x, "sd_diff", spr_json_num(c->t.sd_diff));
        cJSON_AddItemToObject(x, "t", spr_json_num(c->t.t));
        cJSON_AddItemToObject(x, "df", spr_json_num(c->t.df));
        cJSON_AddItemToObject(x, "p", spr_json_num(c->t.p));
        cJSON_AddItemToObject(x, "p_holm", spr_json_num(c->p_holm));
        cJSON_AddBoolToObject(x, "significant", c->p_holm < r->opt.alpha);
        cJSON_AddNumberToObject(x, "better", (double)c->wins);
        cJSON_AddNumberToObject(x, "equal", (double)c->ties);
        cJSON_AddNumberToObject(x, "worse", (double)c->losses);
      }
    }
  }
  /* per-query values on the baseline's queries (null where a run lacks the query) */
  cJSON *pq = cJSON_AddObjectToObject(root, "per_query");
  if (!pq) goto oom;
  cJSON *qids = cJSON_AddArrayToObject(pq, "qids");
  for (size_t i = 0; qids && i < nq; i++)
    cJSON_AddItemToArray(qids, cJSON_CreateString(spr_eval_result_qid(base, i)));
  cJSON *pm = cJSON_AddObjectToObject(pq, "values");
  if (!pm) goto oom;
  for (size_t m = 0; m < nm; m++) {
    if (!strcmp(spr_eval_result_metric_name(base, m), "num_q")) continue;
    cJSON *om = cJSON_AddObjectToObject(pm, spr_eval_result_metric_name(base, m));
    if (!om) goto oom;
    for (size_t u = 0; u < nr; u++) {
      cJSON *a = cJSON_AddArrayToObject(om, r->runs[u].label);
      if (!a) goto oom;
      for (size_t i = 0; i < nq; i++) cJSON_AddItemToArray(a, spr_json_num(r->pq[(u * nm + m) * nq + i]));
    }
  }
  return root;
oom:
  cJSON_Delete(root);
  return NULL;
}

/* ---- HTML ----------------------------------------------------------------------------------- */

static const char spr_css[] =
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .6em}"
    "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".best{font-weight:bold}.up{color:#2e7d32}.down{color:#c62828}.note{color:#555;font-size:.92em}"
    "figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}"
    "pre{background:#f8f8f8;padding:.6em;overflow-x:auto;font-size:.85em}svg{max-width:100%;height:auto}"
    "code{background:#f3f3f3;padding:0 .2em}";

static void spr_html_facts(spr_sbuf *b, const spr_report *r, size_t sec) {
  const spr_rsection *s = &r->sections[sec];
  size_t shown = 0;
  for (size_t i = 0; i < r->n_facts; i++) shown += r->facts[i].section == sec && r->facts[i].label;
  if (!shown) return;
  if (s->title) {
    spr_sbuf_add(b, "<h2>");
    spr_sbuf_html(b, s->title);
    spr_sbuf_add(b, "</h2>\n");
  }
  spr_sbuf_add(b, "<table>\n");
  for (size_t i = 0; i < r->n_facts; i++) {
    const spr_rfact *f = &r->facts[i];
    if (f->section != sec || !f->label) continue;
    spr_sbuf_add(b, "<tr><th>");
    spr_sbuf_html(b, f->label);
    spr_sbuf_add(b, "</th><td>");
    spr_sbuf_html(b, f->display);
    spr_sbuf_add(b, "</td></tr>\n");
  }
  spr_sbuf_add(b, "</table>\n");
}

static void spr_html_plot(spr_sbuf *b, const spr_plot *p) {
  spr_sbuf_add(b, "<figure class=\"plot\"><figcaption>");
  spr_sbuf_html(b, p->title);
  spr_sbuf_add(b, "</figcaption>\n");
  if (p->svg) {
    spr_sbuf_add(b, "%s\n", p->svg);
  } else {
    spr_sbuf_add(b, "<p class=\"note\">Text chart: %s.</p>\n<pre class=\"text-plot\">",
                 p->why ? p->why : "gnuplot was not found on PATH");
    spr_sbuf_html(b, p->text);
    spr_sbuf_add(b, "</pre>\n");
  }
  spr_sbuf_add(b, "</figure>\n");
}

static int spr_html_render(spr_sbuf *b, const spr_report *r) {
  const spr_eval_result *base = r->n_runs ? r->runs[0].ev : NULL;
  const size_t nm = r->n_metrics, nr = r->n_runs;
  const int gp = r->opt.plots != SPR_REPORT_PLOTS_TEXT && spr_report_have_gnuplot();
  char v[64], lab[SPR_METRICS_NAME_MAX + 8];
  int id = 0;
  spr_sbuf_add(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
  spr_sbuf_html(b, r->title);
  spr_sbuf_add(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", spr_css);
  spr_sbuf_html(b, r->title);
  spr_sbuf_add(b, "</h1>\n");
  for (size_t s = 0; s < r->n_sections; s++)
    if (!r->sections[s].title) spr_html_facts(b, r, s);
  spr_sbuf_add(b, "<h2>Effectiveness</h2>\n");
  if (nr == 0) spr_sbuf_add(b, "<p>No qrels: nothing was evaluated.</p>\n");
  else spr_sbuf_add(b, "<table id=\"metrics\">\n<tr><th>measure</th>");
  for (size_t u = 0; u < nr; u++) { /* nr == 0: no table */
    spr_sbuf_add(b, "<th title=\"");
    spr_sbuf_html(b, spr_eval_result_run(r->runs[u].ev));
    spr_sbuf_add(b, "\">");
    spr_sbuf_html(b, nr > 1 ? r->runs[u].label : "value");
    spr_sbuf_add(b, "%s</th>", nr > 1 && u == 0 ? " (baseline)" : "");
  }
  if (nr > 0) spr_sbuf_add(b, "</tr>\n");
  for (size_t m = 0; m < nm; m++) {
    const char *name = spr_eval_result_metric_name(base, m);
    const int integer = spr_eval_result_metric_is_integer(base, m);
    spr_metric_label(name, lab, sizeof lab);
    spr_sbuf_add(b, "<tr><th>%s <code>%s</code></th>", lab, name);
    for (size_t u = 0; u < nr; u++) {
      spr_fmt_value(v, sizeof v, r->all[m * nr + u], integer);
      const int best = r->best[m * nr + u];
      spr_sbuf_add(b, "<td class=\"n\">%s%s%s", best ? "<strong class=\"best\">" : "", v,
                   best ? "</strong>" : "");
      if (u > 0 && r->tested[m]) {
        const spr_rcmp *c = &r->cmp[m * nr + u];
        char d[64], p[32];
        spr_fmt_value(d, sizeof d, r->all[m * nr + u] - r->all[m * nr], integer);
        spr_fmt_p(p, sizeof p, c->p_holm);
        const char *mk = spr_mark(r, m, u);
        spr_sbuf_add(b, " <span class=\"note\">(%s%s, p<sub>Holm</sub> %s)</span>",
                     r->all[m * nr + u] >= r->all[m * nr] ? "+" : "", d, p);
        if (*mk) spr_sbuf_add(b, " <span class=\"%s\">%s</span>", c->t.mean_diff > 0 ? "up" : "down", mk);
      }
      spr_sbuf_add(b, "</td>");
    }
    spr_sbuf_add(b, "</tr>\n");
  }
  if (nr > 0) spr_sbuf_add(b, "</table>\n");
  if (nr > 1) {
    spr_sbuf_add(b,
                 "<p class=\"note\"><b>Bold</b>: best value of the measure. In parentheses: the "
                 "difference from the baseline <code>");
    spr_sbuf_html(b, r->runs[0].label);
    spr_sbuf_add(b,
                 "</code> and its Holm-Bonferroni adjusted p-value (paired two-sided t-test over the "
                 "queries both runs evaluated, %s). &#9650; / &#9660;: significantly better / worse "
                 "at alpha %g.</p>\n",
                 spr_family_text(r), r->opt.alpha);
    spr_sbuf_add(b, "<h2>Significance against the baseline</h2>\n<table id=\"significance\">\n"
                    "<tr><th>measure</th><th>run</th><th>queries</th><th>mean diff</th><th>t</th>"
                    "<th>df</th><th>p</th><th>p (Holm)</th><th>better / equal / worse</th></tr>\n");
    for (size_t m = 0; m < nm; m++) {
      if (!r->tested[m]) continue;
      spr_metric_label(spr_eval_result_metric_name(base, m), lab, sizeof lab);
      for (size_t u = 1; u < nr; u++) {
        const spr_rcmp *c = &r->cmp[m * nr + u];
        char t[32], p[32], ph[32];
        spr_fmt_t(t, sizeof t, c->t.t);
        spr_fmt_p(p, sizeof p, c->t.p);
        spr_fmt_p(ph, sizeof ph, c->p_holm);
        spr_sbuf_add(b, "<tr><td>%s</td><td>", lab);
        spr_sbuf_html(b, r->runs[u].label);
        spr_sbuf_add(b,
                     "</td><td class=\"n\">%zu</td><td class=\"n\">%+.4f</td><td class=\"n\">%s</td>"
                     "<td class=\"n\">%.0f</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td>"
                     "<td class=\"n\">%zu / %zu / %zu</td></tr>\n",
                     c->t.n, c->t.mean_diff, t, c->t.df, p, c->p_holm < r->opt.alpha ? " best" : "", ph,
                     c->wins, c->ties, c->losses);
      }
    }
    spr_sbuf_add(b, "</table>\n");
    spr_metric_label(spr_eval_result_metric_name(base, r->plot), lab, sizeof lab);
    spr_sbuf_add(b, "<h2>Per-query differences: %s</h2>\n", lab);
    for (size_t u = 1; u < nr; u++) {
      spr_plot p;
      if (spr_plot_diffs(r, u, gp, ++id, &p) != SPR_OK) return SPR_ENOMEM;
      spr_html_plot(b, &p);
      spr_plot_free(&p);
    }
    /* every query's values on the plot measure */
    spr_sbuf_add(b, "<details><summary>Every query (%s)</summary>\n<table id=\"per-query\">\n<tr><th>query</th>", lab);
    for (size_t u = 0; u < nr; u++) {
      spr_sbuf_add(b, "<th>");
      spr_sbuf_html(b, r->runs[u].label);
      spr_sbuf_add(b, "</th>");
    }
    spr_sbuf_add(b, "</tr>\n");
    for (size_t i = 0; i < r->n_q; i++) {
      spr_sbuf_add(b, "<tr><td>");
      spr_sbuf_html(b, spr_eval_result_qid(base, i));
      spr_sbuf_add(b, "</td>");
      const double x = r->pq[(0 * nm + r->plot) * r->n_q + i];
      for (size_t u = 0; u < nr; u++) {
        const double y = r->pq[(u * nm + r->plot) * r->n_q + i];
        spr_fmt_value(v, sizeof v, y, 0);
        const char *cls = u == 0 || isnan(y) || y == x ? "" : y > x ? " up" : " down";
        spr_sbuf_add(b, "<td class=\"n%s\">%s</td>", cls, v);
      }
      spr_sbuf_add(b, "</tr>\n");
    }
    spr_sbuf_add(b, "</table>\n</details>\n");
  }
  if (spr_have_latency(r)) {
    spr_sbuf_add(b, "<h2>Latency</h2>\n");
    spr_plot p;
    if (spr_plot_latency(r, gp, ++id, &p) != SPR_OK) return SPR_ENOMEM;
    spr_html_plot(b, &p);
    if (p.svg) { /* the numbers too, under the plot */
      spr_sbuf_add(b, "<pre>");
      spr_sbuf_html(b, p.text);
      spr_sbuf_add(b, "</pre>\n");
    }
    spr_plot_free(&p);
  }
  for (size_t s = 0; s < r->n_sections; s++)
    if (r->sections[s].title) spr_html_facts(b, r, s);
  spr_sbuf_add(b, "<p class=\"note\">Plots: %s. Generated by spire %s.</p>\n</body>\n</html>\n",
               gp ? "gnuplot (SVG)" : "text (gnuplot not found on PATH)", SPR_VERSION);
  return SPR_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */


int spr_report_write(spr_report *r, const char *markdown, const char *json, const char *html) {
  SPR_TRY(spr_report_compare(r));
  int rc = SPR_OK;
  if (markdown) {
    spr_sbuf b = {0};
    spr_md_render(&b, r);
    if (b.oom || !b.s) rc = SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    else rc = spr_out_write_file(markdown, NULL, b.s, b.n);
    free(b.s);
    SPR_TRY(rc);
  }
  if (json) {
    cJSON *root = spr_json_render(r);
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    const size_t n = s ? strlen(s) : 0;
    char *t = s ? realloc(s, n + 2) : NULL; /* a trailing newline, as text files have */
    if (!t) {
      free(s);
      return SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    rc = spr_out_write_file(json, NULL, t, n + 1);
    free(t);
    SPR_TRY(rc);
  }
  if (html) {
    spr_sbuf b = {0};
    rc = spr_html_render(&b, r);
    if (rc != SPR_OK || b.oom || !b.s) rc = SPR_FAIL(SPR_ENOMEM, "report: out of memory");
    else rc = spr_out_write_file(html, NULL, b.s, b.n);
    free(b.s);
    SPR_TRY(rc);
  }
  return SPR_OK;
}
