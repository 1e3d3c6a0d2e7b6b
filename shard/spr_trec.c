/* spr_trec.c: TREC qrels and run readers, and the run writer. The whole file is read into one buffer and split in
 * place (fields become NUL-terminated strings inside it), which is what trec_eval does too and
 * keeps a 10-million-line run at one allocation per array. */
#include "spr_trec.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_file.h"

static int spr_is_blank(const char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Read the whole file into a NUL-terminated buffer that ends with '\n' (one is appended when the
 * last line lacks it). *out owned by the caller. */
static int spr_read_text(const char *path, const char *what, char **out, size_t *out_len) {
  char label[32];
  snprintf(label, sizeof label, "%s file", what);
  char *buf = NULL;
  size_t len = 0;
  SPR_TRY(spr_file_read(path, label, &buf, &len));
  if (len > 0 && buf[len - 1] != '\n') {
    char *nb = realloc(buf, len + 2);
    if (!nb) {
      free(buf);
      return SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading %s file", path, what);
    }
    buf = nb;
    buf[len++] = '\n';
    buf[len] = '\0';
  }
  const char *nul = memchr(buf, '\0', len);
  if (nul) {
    int64_t line = 1;
    for (const char *p = buf; p < nul; p++) line += *p == '\n';
    free(buf);
    return SPR_FAIL(SPR_EPARSE, "%s:%lld: NUL byte in %s file", path, (long long)line, what);
  }
  *out = buf;
  *out_len = len;
  return 0;
}

/* Split the line [p, eol) (eol points at its '\n') into blank-separated fields, NUL-terminating
 * each in place. Stores up to maxf field starts; returns the total number of fields. */
static size_t spr_split(char *p, char *eol, char **fields, size_t maxf) {
  size_t n = 0;
  while (p < eol) {
    while (p < eol && spr_is_blank(*p)) p++;
    if (p >= eol) break;
    if (n < maxf) fields[n] = p;
    n++;
    while (p < eol && !spr_is_blank(*p)) p++;
    *p++ = '\0'; /* the separator or the '\n' */
  }
  return n;
}

/* Is the line [p, eol) blank or a comment? */
static int spr_skip_line(const char *p, const char *eol) {
  while (p < eol && spr_is_blank(*p)) p++;
  return p == eol || *p == '#';
}

static size_t spr_count_lines(const char *text, size_t len) {
  size_t n = 0;
  for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p++) n++;
  return n;
}

/* Build the topic array of n rows sorted by qid; the qid of row i is the const char * found at
 * base + i * stride + qid_offset (works for both row types). */
static int spr_build_topics(const void *base, size_t n, size_t stride, size_t qid_offset,
                            const char *path, spr_trec_topic **out, size_t *n_out) {
  const char *b = base;
  const char *prev = NULL;
  size_t nt = 0;
  for (size_t i = 0; i < n; i++) {
    const char *qid = *(const char *const *)(const void *)(b + i * stride + qid_offset);
    nt += prev == NULL || strcmp(prev, qid) != 0;
    prev = qid;
  }
  spr_trec_topic *t = calloc(nt ? nt : 1, sizeof *t);
  if (!t) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  size_t k = 0;
  prev = NULL;
  for (size_t i = 0; i < n; i++) {
    const char *qid = *(const char *const *)(const void *)(b + i * stride + qid_offset);
    if (prev == NULL || strcmp(prev, qid) != 0) {
      if (k > 0) t[k - 1].end = i;
      t[k].qid = qid;
      t[k].begin = i;
      k++;
    }
    prev = qid;
  }
  if (k > 0) t[k - 1].end = n;
  *out = t;
  *n_out = nt;
  return 0;
}

/* ---- qrels -------------------------------------------------------------------------------- */

static int spr_cmp_judgment(const void *a, const void *b) {
  const spr_trec_judgment *x = a, *y = b;
  int c = strcmp(x->qid, y->qid);
  if (c) return c;
  c = strcmp(x->docno, y->docno);
  if (c) return c;
  return (x->line > y->line) - (x->line < y->line);
}

static int spr_parse_grade(const char *s, int32_t *out) {
  char *end = NULL;
  errno = 0;
  const long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
    return SPR_EPARSE;
  *out = (int32_t)v;
  return 0;
}

static int spr_qrels_fill(spr_qrels *q) {
  size_t len = 0;
  SPR_TRY(spr_read_text(q->path, "qrels", &q->text, &len));
  const size_t max_rows = spr_count_lines(q->text, len);
  q->rows = malloc((max_rows ? max_rows : 1) * sizeof *q->rows);
  if (!q->rows) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", q->path);
  char *p = q->text;
  int64_t line = 0;
  while (*p) {
    char *eol = strchr(p, '\n');
    line++;
    if (spr_skip_line(p, eol)) {
      p = eol + 1;
      continue;
    }
    char *f[4];
    const size_t nf = spr_split(p, eol, f, 4);
    if (nf != 4)
      return SPR_FAIL(SPR_EPARSE,
                      "%s:%lld: malformed qrels line: expected 4 fields (qid iter docno grade), "
                      "found %zu",
                      q->path, (long long)line, nf);
    spr_trec_judgment *j = &q->rows[q->n_rows];
    if (spr_parse_grade(f[3], &j->grade) < 0)
      return SPR_FAIL(SPR_EPARSE, "%s:%lld: malformed qrels line: grade '%s' is not an integer",
                      q->path, (long long)line, f[3]);
    j->qid = f[0];
    j->docno = f[2];
    j->line = line;
    q->n_rows++;
    p = eol + 1;
  }
  if (q->n_rows == 0) return SPR_FAIL(SPR_EPARSE, "%s: qrels file has no judgments", q->path);
  qsort(q->rows, q->n_rows, sizeof *q->rows, spr_cmp_judgment);
  SPR_TRY(spr_build_topics(q->rows, q->n_rows, sizeof *q->rows, offsetof(spr_trec_judgment, qid),
                           q->path, &q->topics, &q->n_topics));
  return 0;
}

int spr_qrels_read(const char *path, spr_qrels **out) {
  if (!path || !out) return SPR_FAIL(SPR_EINVAL, "spr_qrels_read: NULL argument");
  *out = NULL;
  spr_qrels *q = calloc(1, sizeof *q);
  if (!q || !(q->path = strdup(path))) {
    free(q);
    return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  const int rc = spr_qrels_fill(q);
  if (rc < 0) {
    spr_qrels_free(&q);
    return spr_frame_at(rc, __FILE__, __LINE__, __func__);
  }
  *out = q;
  return 0;
}

void spr_qrels_free(spr_qrels **p) {
  if (!p || !*p) return;
  spr_qrels *q = *p;
  free(q->path);
  free(q->text);
  free(q->rows);
  free(q->topics);
  free(q);
  *p = NULL;
}

/* ---- runs --------------------------------------------------------------------------------- */

/* trec_eval's order: qid, then score descending, then docno in reverse strcmp order; line last
 * so that the order is total (duplicates are reported by the evaluator). */
static int spr_cmp_entry(const void *a, const void *b) {
  const spr_trec_entry *x = a, *y = b;
  int c = strcmp(x->qid, y->qid);
  if (c) return c;
  if (x->score > y->score) return -1;
  if (x->score < y->score) return 1;
  c = strcmp(y->docno, x->docno);
  if (c) return c;
  return (x->line > y->line) - (x->line < y->line);
}

static int spr_trec_run_fill(spr_trec_run *r) {
  size_t len = 0;
  SPR_TRY(spr_read_text(r->path, "run", &r->text, &len));
  const size_t max_rows = spr_count_lines(r->text, len);
  r->rows = malloc((max_rows ? max_rows : 1) * sizeof *r->rows);
  if (!r->rows) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", r->path);
  char *p = r->text;
  int64_t line = 0;
  while (*p) {
    char *eol = strchr(p, '\n');
    line++;
    if (spr_skip_line(p, eol)) {
      p = eol + 1;
      continue;
    }
    char *f[6];
    const size_t nf = spr_split(p, eol, f, 6);
    if (nf < 6)
      return SPR_FAIL(SPR_EPARSE,
                      "%s:%lld: malformed run line: expected 6 fields (qid Q0 docno rank score "
                      "tag), found %zu",
                      r->path, (long long)line, nf);
    spr_trec_entry *e = &r->rows[r->n_rows];
    char *end = NULL;
    e->score = strtod(f[4], &end);
    if (end == f[4] || *end != '\0' || isnan(e->score))
      return SPR_FAIL(SPR_EPARSE, "%s:%lld: malformed run line: score '%s' is not a number",
                      r->path, (long long)line, f[4]);
    e->qid = f[0];
    e->docno = f[2];
    e->line = line;
    r->n_rows++;
    p = eol + 1;
  }
  qsort(r->rows, r->n_rows, sizeof *r->rows, spr_cmp_entry);
  SPR_TRY(spr_build_topics(r->rows, r->n_rows, sizeof *r->rows, offsetof(spr_trec_entry, qid),
                           r->path, &r->topics, &r->n_topics));
  return 0;
}

int spr_trec_run_read(const char *path, spr_trec_run **out) {
  if (!path || !out) return SPR_FAIL(SPR_EINVAL, "spr_trec_run_read: NULL argument");
  *out = NULL;
  spr_trec_run *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  const int rc = spr_trec_run_fill(r);
  if (rc < 0) {
    spr_trec_run_free(&r);
    return spr_frame_at(rc, __FILE__, __LINE__, __func__);
  }
  *out = r;
  return 0;
}

void spr_trec_run_free(spr_trec_run **p) {
  if (!p || !*p) return;
  spr_trec_run *r = *p;
  free(r->path);
  free(r->text);
  free(r->rows);
  free(r->topics);
  free(r);
  *p = NULL;
}

int64_t spr_trec_topic_find(const spr_trec_topic *topics, size_t n_topics, const char *qid) {
  size_t lo = 0, hi = n_topics;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int c = strcmp(topics[mid].qid, qid);
    if (c == 0) return (int64_t)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

int spr_trec_run_write_line(FILE *f, const char *qid, const char *docno, uint32_t rank, uint32_t score,
                            const char *tag) {
  return fprintf(f, "%s Q0 %s %u %u %s\n", qid, docno, rank, score, tag);
}
