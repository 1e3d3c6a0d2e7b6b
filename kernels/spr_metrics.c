/* spr_metrics.c: trec_eval 9.0.7-identical measures. The arithmetic deliberately follows the
 * order of operations of trec_eval (sums in rank order, one division at the end, trec_eval's
 * nDCG discount) so that the doubles, not only the 4 printed decimals, are the same. */
#include "spr_metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* trec_eval's default cutoffs for P, recall and ndcg_cut. */
static const int64_t spr_default_cuts[] = {5, 10, 15, 20, 30, 100, 200, 500, 1000};
#define SPR_NDEFAULT_CUTS (sizeof spr_default_cuts / sizeof spr_default_cuts[0])

static const char *const spr_family_names[SPR_MEASURE_COUNT] = {
    "num_q", "num_ret", "num_rel", "num_rel_ret", "map",
    "recip_rank", "recip_rank", "P", "recall", "ndcg_cut",
};

static int spr_family_has_cuts(const spr_measure f) {
  return f == SPR_MEASURE_RR_CUT || f == SPR_MEASURE_P || f == SPR_MEASURE_RECALL ||
         f == SPR_MEASURE_NDCG_CUT;
}

void spr_measure_set_clear(spr_measure_set *s) { memset(s, 0, sizeof *s); }

/* ---- parsing ------------------------------------------------------------------------------ */

/* A parsed spec: one family and its cutoffs (n_cuts == 0 for a scalar). */
typedef struct spr_spec {
  spr_measure family;
  uint32_t n_cuts;
  int64_t cuts[SPR_METRICS_MAX_CUTS];
} spr_spec;

static int spr_ieq(const char *a, size_t alen, const char *b) {
  const size_t blen = strlen(b);
  if (alen != blen) return 0;
  for (size_t i = 0; i < alen; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
    if (x != y) return 0;
  }
  return 1;
}

static int spr_eq(const char *a, size_t alen, const char *b) {
  return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

static int spr_all_digits(const char *p, size_t len) {
  if (len == 0) return 0;
  for (size_t i = 0; i < len; i++)
    if (p[i] < '0' || p[i] > '9') return 0;
  return 1;
}

/* Positive decimal integer p[0..len) into *v. */
static int spr_parse_cut(const char *p, size_t len, int64_t *v) {
  if (!spr_all_digits(p, len)) return SPR_EINVAL;
  int64_t x = 0;
  for (size_t i = 0; i < len; i++) {
    if (x > (INT64_MAX - 9) / 10) return SPR_EINVAL;
    x = x * 10 + (p[i] - '0');
  }
  if (x <= 0) return SPR_EINVAL;
  *v = x;
  return 0;
}

/* Insert v into the ascending unique array a[0..*n). */
static int spr_cut_insert(int64_t *a, uint32_t *n, const int64_t v) {
  uint32_t i = 0;
  while (i < *n && a[i] < v) i++;
  if (i < *n && a[i] == v) return 0;
  if (*n >= SPR_METRICS_MAX_CUTS) return SPR_ENOSPACE;
  memmove(a + i + 1, a + i, (size_t)(*n - i) * sizeof *a);
  a[i] = v;
  (*n)++;
  return 0;
}

/* Comma-separated cutoffs p[0..len) into sp. */
static int spr_parse_cut_list(const char *p, size_t len, spr_spec *sp, const char *spec,
                              size_t spec_len) {
  size_t b = 0;
  while (b <= len) {
    size_t e = b;
    while (e < len && p[e] != ',') e++;
    int64_t v = 0;
    if (spr_parse_cut(p + b, e - b, &v) < 0)
      return SPR_FAIL(SPR_EINVAL, "measure '%.*s': cutoff '%.*s' is not a positive integer",
                      (int)spec_len, spec, (int)(e - b), p + b);
    if (spr_cut_insert(sp->cuts, &sp->n_cuts, v) < 0)
      return SPR_FAIL(SPR_ENOSPACE, "measure '%.*s': more than %u cutoffs", (int)spec_len, spec,
                      SPR_METRICS_MAX_CUTS);
    b = e + 1;
  }
  return 0;
}

#define SPR_KNOWN_MEASURES                                                                   \
  "num_q, num_ret, num_rel, num_rel_ret, map, recip_rank, P[.k,...], recall[.k,...], "       \
  "ndcg_cut[.k,...], MAP, RR, RR@k, MRR@k, nDCG@k, P@k, R@k, Recall@k"

/* One spec p[0..len) (no list splitting at this level: commas belong to the cutoffs). */
static int spr_parse_spec(const char *p, size_t len, spr_spec *sp) {
  memset(sp, 0, sizeof *sp);
  const char *at = memchr(p, '@', len);
  if (at) { /* friendly: NAME@k */
    const size_t nlen = (size_t)(at - p);
    if (spr_ieq(p, nlen, "ndcg") || spr_ieq(p, nlen, "ndcg_cut"))
      sp->family = SPR_MEASURE_NDCG_CUT;
    else if (spr_ieq(p, nlen, "p") || spr_ieq(p, nlen, "precision"))
      sp->family = SPR_MEASURE_P;
    else if (spr_ieq(p, nlen, "r") || spr_ieq(p, nlen, "recall"))
      sp->family = SPR_MEASURE_RECALL;
    else if (spr_ieq(p, nlen, "rr") || spr_ieq(p, nlen, "mrr") || spr_ieq(p, nlen, "recip_rank"))
      sp->family = SPR_MEASURE_RR_CUT;
    else
      return SPR_FAIL(SPR_EINVAL, "unknown measure '%.*s' (known: " SPR_KNOWN_MEASURES ")",
                      (int)len, p);
    int64_t v = 0;
    if (spr_parse_cut(at + 1, len - nlen - 1, &v) < 0)
      return SPR_FAIL(SPR_EINVAL, "measure '%.*s': cutoff '%.*s' is not a positive integer",
                      (int)len, p, (int)(len - nlen - 1), at + 1);
    sp->cuts[0] = v;
    sp->n_cuts = 1;
    return 0;
  }
  const char *dot = memchr(p, '.', len);
  const size_t nlen = dot ? (size_t)(dot - p) : len;
  if (dot && nlen + 1 == len)
    return SPR_FAIL(SPR_EINVAL, "measure '%.*s': empty parameter list", (int)len, p);
  int found = 0;
  for (int f = 0; f < SPR_MEASURE_COUNT; f++) {
    if (f == SPR_MEASURE_RR_CUT) continue;
    if (spr_eq(p, nlen, spr_family_names[f])) {
      sp->family = (spr_measure)f;
      found = 1;
      break;
    }
  }
  if (!found && !dot) { /* friendly scalars */
    if (spr_ieq(p, nlen, "map")) {
      sp->family = SPR_MEASURE_MAP;
      found = 1;
    } else if (spr_ieq(p, nlen, "rr") || spr_ieq(p, nlen, "mrr")) {
      sp->family = SPR_MEASURE_RECIP_RANK;
      found = 1;
    }
  }
  if (!found)
    return SPR_FAIL(SPR_EINVAL, "unknown measure '%.*s' (known: " SPR_KNOWN_MEASURES ")",
                    (int)len, p);
  if (sp->family == SPR_MEASURE_RECIP_RANK && dot) sp->family = SPR_MEASURE_RR_CUT;
  if (!spr_family_has_cuts(sp->family)) return 0; /* trec_eval ignores scalar parameters */
  if (dot) return spr_parse_cut_list(dot + 1, len - nlen - 1, sp, p, len);
  for (size_t i = 0; i < SPR_NDEFAULT_CUTS; i++) sp->cuts[i] = spr_default_cuts[i];
  sp->n_cuts = (uint32_t)SPR_NDEFAULT_CUTS;
  return 0;
}

/* Merge a parsed spec into s; s unchanged on failure. */
static int spr_merge_spec(spr_measure_set *s, const spr_spec *sp, const char *p, size_t len) {
  const spr_measure f = sp->family;
  if (!spr_family_has_cuts(f)) {
    s->on[f] = 1;
    return 0;
  }
  /* Count the union first so that a failure leaves s untouched. */
  uint32_t extra = 0;
  for (uint32_t i = 0; i < sp->n_cuts; i++) {
    int seen = 0;
    for (uint32_t j = 0; j < s->n_cuts[f]; j++) seen |= s->cuts[f][j] == sp->cuts[i];
    extra += !seen;
  }
  if (s->n_cuts[f] + extra > SPR_METRICS_MAX_CUTS)
    return SPR_FAIL(SPR_ENOSPACE, "measure '%.*s': more than %u cutoffs for %s", (int)len, p,
                    SPR_METRICS_MAX_CUTS, spr_family_names[f]);
  for (uint32_t i = 0; i < sp->n_cuts; i++) {
    const int rc = spr_cut_insert(s->cuts[f], &s->n_cuts[f], sp->cuts[i]);
    SPR_ASSERT(rc == 0);
    (void)rc;
  }
  return 0;
}

int spr_measure_set_add(spr_measure_set *s, const char *spec) {
  if (!s || !spec) return SPR_FAIL(SPR_EINVAL, "spr_measure_set_add: NULL argument");
  spr_spec sp;
  const size_t len = strlen(spec);
  SPR_TRY(spr_parse_spec(spec, len, &sp));
  SPR_TRY(spr_merge_spec(s, &sp, spec, len));
  return 0;
}

int spr_measure_set_add_list(spr_measure_set *s, const char *list) {
  if (!s || !list) return SPR_FAIL(SPR_EINVAL, "spr_measure_set_add_list: NULL argument");
  const size_t len = strlen(list);
  int have_prev = 0;
  spr_measure prev = SPR_MEASURE_NUM_Q;
  const char *prev_tok = list;
  size_t prev_len = 0;
  size_t b = 0;
  while (b <= len) {
    size_t e = b;
    while (e < len && list[e] != ',') e++;
    const char *tok = list + b;
    const size_t tlen = e - b;
    spr_spec sp;
    if (tlen == 0) {
      return SPR_FAIL(SPR_EINVAL, "measure list '%s': empty item", list);
    } else if (spr_all_digits(tok, tlen)) {
      if (!have_prev || !spr_family_has_cuts(prev))
        return SPR_FAIL(SPR_EINVAL,
                        "measure list '%s': cutoff '%.*s' does not follow a measure with cutoffs",
                        list, (int)tlen, tok);
      memset(&sp, 0, sizeof sp);
      sp.family = prev;
      SPR_TRY(spr_parse_cut_list(tok, tlen, &sp, prev_tok, prev_len));
    } else {
      SPR_TRY(spr_parse_spec(tok, tlen, &sp));
      prev = sp.family;
      prev_tok = tok;
      prev_len = tlen;
      have_prev = 1;
    }
    SPR_TRY(spr_merge_spec(s, &sp, tok, tlen));
    b = e + 1;
  }
  return 0;
}

void spr_measure_set_default(spr_measure_set *s) {
  spr_measure_set_clear(s);
  s->on[SPR_MEASURE_NUM_Q] = s->on[SPR_MEASURE_NUM_RET] = s->on[SPR_MEASURE_NUM_REL] = 1;
  s->on[SPR_MEASURE_NUM_REL_RET] = s->on[SPR_MEASURE_MAP] = s->on[SPR_MEASURE_RECIP_RANK] = 1;
  static const int64_t p[] = {5, 10, 20}, r[] = {10, 100, 1000}, n[] = {10, 20, 100};
  for (uint32_t i = 0; i < 3; i++) {
    s->cuts[SPR_MEASURE_P][i] = p[i];
    s->cuts[SPR_MEASURE_RECALL][i] = r[i];
    s->cuts[SPR_MEASURE_NDCG_CUT][i] = n[i];
  }
  s->n_cuts[SPR_MEASURE_P] = s->n_cuts[SPR_MEASURE_RECALL] = s->n_cuts[SPR_MEASURE_NDCG_CUT] = 3;
}

/* ---- slots -------------------------------------------------------------------------------- */

size_t spr_measure_set_size(const spr_measure_set *s) {
  size_t n = 0;
  for (int f = 0; f < SPR_MEASURE_COUNT; f++)
    n += spr_family_has_cuts((spr_measure)f) ? s->n_cuts[f] : (s->on[f] ? 1u : 0u);
  return n;
}

int spr_measure_set_slot(const spr_measure_set *s, size_t slot, spr_measure *family,
                         int64_t *cut) {
  for (int f = 0; f < SPR_MEASURE_COUNT; f++) {
    const size_t k =
        spr_family_has_cuts((spr_measure)f) ? s->n_cuts[f] : (s->on[f] ? 1u : 0u);
    if (slot < k) {
      if (family) *family = (spr_measure)f;
      if (cut) *cut = spr_family_has_cuts((spr_measure)f) ? s->cuts[f][slot] : 0;
      return 0;
    }
    slot -= k;
  }
  return SPR_FAIL(SPR_EINVAL, "measure slot out of range");
}

static int64_t spr_format_name(spr_measure f, int64_t cut, char *buf, size_t cap) {
  const int n = spr_family_has_cuts(f)
                    ? snprintf(buf, cap, "%s_%lld", spr_family_names[f], (long long)cut)
                    : snprintf(buf, cap, "%s", spr_family_names[f]);
  if (n < 0 || (size_t)n >= cap) return SPR_ENOSPACE;
  return n;
}

int64_t spr_measure_set_name(const spr_measure_set *s, size_t slot, char *buf, size_t cap) {
  spr_measure f = SPR_MEASURE_MAP;
  int64_t cut = 0;
  SPR_TRY(spr_measure_set_slot(s, slot, &f, &cut));
  const int64_t n = spr_format_name(f, cut, buf, cap);
  if (n < 0) return SPR_FAIL(SPR_ENOSPACE, "measure name buffer of %zu bytes too small", cap);
  return n;
}

int spr_measure_set_is_integer(const spr_measure_set *s, size_t slot) {
  spr_measure f = SPR_MEASURE_MAP;
  if (spr_measure_set_slot(s, slot, &f, NULL) < 0) {
    spr_clear_error();
    return 0;
  }
  return f <= SPR_MEASURE_NUM_REL_RET;
}

int64_t spr_measure_set_find(const spr_measure_set *s, const char *name) {
  if (!s || !name) return SPR_FAIL(SPR_EINVAL, "spr_measure_set_find: NULL argument");
  const size_t n = spr_measure_set_size(s);
  char buf[SPR_METRICS_NAME_MAX];
  for (size_t i = 0; i < n; i++) {
    if (spr_measure_set_name(s, i, buf, sizeof buf) >= 0 && !strcmp(buf, name))
      return (int64_t)i;
  }
  spr_spec sp;
  SPR_TRY(spr_parse_spec(name, strlen(name), &sp));
  if (spr_family_has_cuts(sp.family) && sp.n_cuts != 1)
    return SPR_FAIL(SPR_EINVAL, "measure '%s' names %u values, not one", name, sp.n_cuts);
  const int64_t cut = spr_family_has_cuts(sp.family) ? sp.cuts[0] : 0;
  for (size_t i = 0; i < n; i++) {
    spr_measure f = SPR_MEASURE_MAP;
    int64_t c = 0;
    if (spr_measure_set_slot(s, i, &f, &c) == 0 && f == sp.family && c == cut) return (int64_t)i;
  }
  return SPR_FAIL(SPR_ENOTFOUND, "measure '%s' was not computed", name);
}

/* ---- computation -------------------------------------------------------------------------- */

/* trec_eval 9.0.7's nDCG term: the document at 0-based rank i is divided by log2(i + 2), the first
 * one included (log2(2) = 1), exactly as trec_eval writes it. (trec_eval 8 and early 9.0 betas
 * left ranks 1 and 2 both undiscounted; the golden outputs show 9.0.7 does not.) */
static double spr_dcg_term(const double gain, const int64_t i) {
  return gain / log2((double)(i + 2));
}

int spr_metrics_compute(const spr_measure_set *s, const spr_metrics_query *q, double *out) {
  if (!s || !q || !out) return SPR_FAIL(SPR_EINVAL, "spr_metrics_compute: NULL argument");
  if (q->n_ret < 0 || q->n_ideal < 0 || q->num_rel < 0 || q->rel_level < 1 ||
      (q->n_ret > 0 && !q->ranked_grades) || (q->n_ideal > 0 && !q->ideal_grades))
    return SPR_FAIL(SPR_EINVAL, "spr_metrics_compute: invalid query input");
  for (int64_t i = 0; i < q->n_ideal; i++)
    if (q->ideal_grades[i] <= 0 || (i > 0 && q->ideal_grades[i] > q->ideal_grades[i - 1]))
      return SPR_FAIL(SPR_EINVAL, "spr_metrics_compute: ideal grades not positive descending");

  const int32_t *g = q->ranked_grades;
  const int32_t lvl = q->rel_level;
  int64_t num_rel_ret = 0, first_rel = -1;
  double ap_sum = 0.0;
  for (int64_t i = 0; i < q->n_ret; i++) {
    if (g[i] >= lvl) {
      num_rel_ret++;
      ap_sum += (double)num_rel_ret / (double)(i + 1);
      if (first_rel < 0) first_rel = i;
    }
  }
  if (num_rel_ret > q->num_rel)
    return SPR_FAIL(SPR_EINVAL, "spr_metrics_compute: %lld relevant retrieved but num_rel %lld",
                    (long long)num_rel_ret, (long long)q->num_rel);

  size_t o = 0;
  for (int f = 0; f < SPR_MEASURE_COUNT; f++) {
    if (!spr_family_has_cuts((spr_measure)f)) {
      if (!s->on[f]) continue;
      double v = 0.0;
      switch ((spr_measure)f) {
        case SPR_MEASURE_NUM_Q: v = 1.0; break;
        case SPR_MEASURE_NUM_RET: v = (double)q->n_ret; break;
        case SPR_MEASURE_NUM_REL: v = (double)q->num_rel; break;
        case SPR_MEASURE_NUM_REL_RET: v = (double)num_rel_ret; break;
        case SPR_MEASURE_MAP: v = num_rel_ret ? ap_sum / (double)q->num_rel : 0.0; break;
        case SPR_MEASURE_RECIP_RANK: v = first_rel >= 0 ? 1.0 / (double)(first_rel + 1) : 0.0; break;
        default: break;
      }
      out[o++] = v;
      continue;
    }
    const uint32_t nc = s->n_cuts[f];
    if (nc == 0) continue;
    const int64_t *cuts = s->cuts[f];
    if (f == SPR_MEASURE_RR_CUT) {
      for (uint32_t c = 0; c < nc; c++)
        out[o + c] = first_rel >= 0 && first_rel < cuts[c] ? 1.0 / (double)(first_rel + 1) : 0.0;
    } else if (f == SPR_MEASURE_P || f == SPR_MEASURE_RECALL) {
      /* One pass; rel_so_far at each cutoff (cutoffs ascending). */
      int64_t rel = 0, i = 0;
      for (uint32_t c = 0; c < nc; c++) {
        for (; i < q->n_ret && i < cuts[c]; i++) rel += g[i] >= lvl;
        if (f == SPR_MEASURE_P)
          out[o + c] = (double)rel / (double)cuts[c];
        else
          out[o + c] = q->num_rel ? (double)rel / (double)q->num_rel : 0.0;
      }
    } else { /* SPR_MEASURE_NDCG_CUT */
      double dcg = 0.0, idcg = 0.0;
      int64_t i = 0, j = 0;
      for (uint32_t c = 0; c < nc; c++) {
        for (; i < q->n_ret && i < cuts[c]; i++)
          if (g[i] > 0) dcg += spr_dcg_term((double)g[i], i);
        for (; j < q->n_ideal && j < cuts[c]; j++)
          idcg += spr_dcg_term((double)q->ideal_grades[j], j);
        out[o + c] = idcg > 0.0 ? dcg / idcg : dcg;
      }
    }
    o += nc;
  }
  return 0;
}

void spr_metrics_accumulate(const spr_measure_set *s, const double *q, double *acc) {
  const size_t n = spr_measure_set_size(s);
  for (size_t i = 0; i < n; i++) acc[i] += q[i];
}

void spr_metrics_finalize(const spr_measure_set *s, int64_t n_queries, double *acc) {
  const size_t n = spr_measure_set_size(s);
  for (size_t i = 0; i < n; i++) {
    spr_measure f;
    if (spr_measure_set_slot(s, i, &f, NULL) < 0) break;
    if (f == SPR_MEASURE_NUM_Q)
      acc[i] = (double)n_queries;
    else if (f > SPR_MEASURE_NUM_REL_RET && n_queries > 0)
      acc[i] /= (double)n_queries;
  }
}
