/* synth_splade_test.c: unit tests of the splade profile of the synthetic generator (spr_synth.h):
 * tokens (unique, WordPiece-like, JSON-safe), determinism, counts, weights, clusters, queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_synth.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_tokens(void) {
  const uint32_t n = 200000; /* well past 30,522: every class of spelling */
  char **tok = malloc(n * sizeof *tok);
  uint32_t pieces = 0;
  for (uint32_t t = 0; t < n; t++) {
    char buf[64];
    const size_t len = spr_synth_wordpiece(t, buf, SPR_SYNTH_TOKEN_CAP);
    CHECK(len >= 1 && len < SPR_SYNTH_TOKEN_CAP && len == strlen(buf));
    const int piece = strncmp(buf, "##", 2) == 0;
    pieces += (uint32_t)piece;
    CHECK(!piece || len >= 3);
    for (size_t k = piece ? 2 : 0; k < len; k++) CHECK(buf[k] >= 'a' && buf[k] <= 'z');
    tok[t] = strdup(buf);
  }
  CHECK(pieces == n / 5);
  char big[SPR_SYNTH_TOKEN_CAP];
  CHECK(spr_synth_wordpiece(SPR_SYNTH_VOCAB_MAX - 1, big, sizeof big) < SPR_SYNTH_TOKEN_CAP);
  CHECK(spr_synth_wordpiece(SPR_SYNTH_VOCAB_MAX - 2, big, sizeof big) < SPR_SYNTH_TOKEN_CAP);
  /* frequent (small) ids are short */
  size_t short_len = 0, long_len = 0;
  for (uint32_t t = 0; t < 1000; t++) short_len += strlen(tok[t]);
  for (uint32_t t = 29000; t < 30000; t++) long_len += strlen(tok[t]);
  CHECK(short_len < long_len);
  qsort(tok, n, sizeof *tok, cmp_str);
  for (uint32_t t = 1; t < n; t++) CHECK(strcmp(tok[t - 1], tok[t]) != 0);
  for (uint32_t t = 0; t < n; t++) free(tok[t]);
  free(tok);
}

typedef struct vec {
  uint32_t *terms;
  uint8_t *weights;
  size_t cap;
  void *work;
  size_t ws;
} vec;

static void vec_init(vec *v, const spr_synth_splade_params *p) {
  const size_t a = spr_synth_splade_doc_bound(p), b = spr_synth_splade_query_bound(p);
  v->cap = a > b ? a : b;
  v->terms = malloc(v->cap * sizeof *v->terms);
  v->weights = malloc(v->cap);
  v->ws = spr_synth_splade_workspace_size(p);
  v->work = malloc(v->ws);
}

static void vec_free(vec *v) {
  free(v->terms);
  free(v->weights);
  free(v->work);
}

static uint64_t hash_vec(uint64_t h, const uint32_t *t, const uint8_t *w, int64_t n) {
  for (int64_t k = 0; k < n; k++) h = (h ^ (t[k] * 1000003ull + w[k])) * 0x100000001B3ull;
  return (h ^ (uint64_t)n) * 0x100000001B3ull;
}

/* 1 if the n terms are distinct and < vocab and the weights in [1, 255]. */
static int valid(const spr_synth_splade_params *p, const uint32_t *t, const uint8_t *w, int64_t n) {
  for (int64_t a = 0; a < n; a++) {
    if (t[a] >= p->vocab || w[a] < 1) return 0;
    for (int64_t b = 0; b < a; b++)
      if (t[a] == t[b]) return 0;
  }
  return 1;
}

static double jaccard(const uint32_t *a, int64_t na, const uint32_t *b, int64_t nb) {
  int64_t both = 0;
  for (int64_t i = 0; i < na; i++)
    for (int64_t j = 0; j < nb; j++) both += a[i] == b[j];
  return (double)both / (double)(na + nb - both);
}

static uint64_t collection_hash(const spr_synth_splade_params *p) {
  vec v;
  vec_init(&v, p);
  uint64_t h = 1469598103934665603ull;
  for (uint64_t i = 0; i < p->ndocs; i++) {
    const int64_t n = spr_synth_splade_doc(p, i, v.work, v.ws, v.terms, v.weights, v.cap);
    CHECK(n >= 1);
    h = hash_vec(h, v.terms, v.weights, n);
  }
  for (uint64_t q = 0; q < p->nqueries; q++) {
    uint64_t d = UINT64_MAX;
    const int64_t n = spr_synth_splade_query(p, q, v.work, v.ws, &d, v.terms, v.weights, v.cap);
    CHECK(n >= 1 && d < p->ndocs);
    h = hash_vec(h, v.terms, v.weights, n) ^ d;
  }
  vec_free(&v);
  return h;
}

static void test_collection(void) {
  spr_synth_splade_params p;
  spr_synth_splade_init(&p, 4000, 400, 7);
  CHECK(spr_synth_splade_check(&p) == SPR_OK);
  CHECK(p.vocab == 30522 && p.doc_terms == 120 && p.query_terms == 44);
  vec v, u;
  vec_init(&v, &p);
  vec_init(&u, &p);
  double nnz = 0, small = 0, big = 0, total = 0, adj = 0, far = 0;
  unsigned maxw = 0;
  uint64_t clusters = 0;
  int64_t prev_n = 0;
  uint32_t *prev = malloc(v.cap * sizeof *prev);
  for (uint64_t i = 0; i < p.ndocs; i++) {
    const int64_t n = spr_synth_splade_doc(&p, i, v.work, v.ws, v.terms, v.weights, v.cap);
    CHECK(n >= 60 && n <= 180);
    CHECK(valid(&p, v.terms, v.weights, n));
    nnz += (double)n;
    for (int64_t k = 0; k < n; k++) {
      small += v.weights[k] <= 30;
      big += v.weights[k] > 100;
      if (v.weights[k] > maxw) maxw = v.weights[k];
    }
    total += (double)n;
    const uint64_t c = spr_synth_splade_cluster(&p, i);
    CHECK(c <= i && (i == 0 || c == i || c == spr_synth_splade_cluster(&p, i - 1)));
    clusters += c == i;
    if (i % 10 == 1) { /* neighbours share a cluster far more often than distant documents */
      adj += jaccard(v.terms, n, prev, prev_n);
      const int64_t m = spr_synth_splade_doc(&p, (i + p.ndocs / 2) % p.ndocs, u.work, u.ws,
                                             u.terms, u.weights, u.cap);
      far += jaccard(v.terms, n, u.terms, m);
    }
    memcpy(prev, v.terms, (size_t)n * sizeof *prev);
    prev_n = n;
  }
  nnz /= (double)p.ndocs;
  printf("docs: mean nnz %.1f, weights <= 30: %.3f, > 100: %.4f, max %u, clusters %llu, "
         "jaccard adjacent %.3f far %.3f\n",
         nnz, small / total, big / total, maxw, (unsigned long long)clusters, adj / 400, far / 400);
  CHECK(nnz > 115 && nnz < 125);
  CHECK(small / total > 0.7);      /* skewed low */
  CHECK(big / total > 0.001);      /* with a tail */
  CHECK(maxw >= 200);
  CHECK(clusters > 4000 / 256 / 2 && clusters < 4000 / 256 * 2);
  CHECK(adj > 1.5 * far);

  /* Queries: counts, validity, source document; the inference-free shape. */
  double qn = 0, shared = 0;
  for (uint64_t q = 0; q < p.nqueries; q++) {
    uint64_t d;
    const int64_t n = spr_synth_splade_query(&p, q, v.work, v.ws, &d, v.terms, v.weights, v.cap);
    CHECK(n >= 33 && n <= 55 && d < p.ndocs);
    CHECK(valid(&p, v.terms, v.weights, n));
    qn += (double)n;
    const int64_t m = spr_synth_splade_doc(&p, d, u.work, u.ws, u.terms, u.weights, u.cap);
    int64_t common = 0;
    for (int64_t a = 0; a < n; a++)
      for (int64_t b = 0; b < m; b++) common += v.terms[a] == u.terms[b];
    shared += (double)common / (double)n;
  }
  qn /= (double)p.nqueries;
  printf("queries: mean nnz %.1f, share of terms in the source document %.2f\n", qn,
         shared / (double)p.nqueries);
  CHECK(qn > 42 && qn < 46);
  CHECK(shared / (double)p.nqueries > 0.35); /* doc terms + cluster terms the doc also has */
  p.query_terms = 7;
  for (uint64_t q = 0; q < p.nqueries; q++) {
    uint64_t d;
    const int64_t n = spr_synth_splade_query(&p, q, v.work, v.ws, &d, v.terms, v.weights, v.cap);
    CHECK(n == 6 || n == 7);
    CHECK(valid(&p, v.terms, v.weights, n));
  }
  free(prev);
  vec_free(&v);
  vec_free(&u);
}

static void test_determinism(void) {
  spr_synth_splade_params p;
  spr_synth_splade_init(&p, 600, 100, 42);
  const uint64_t h = collection_hash(&p);
  CHECK(collection_hash(&p) == h);
  spr_synth_splade_params p2 = p;
  p2.seed = 43;
  CHECK(collection_hash(&p2) != h);
  /* a document does not depend on how many documents follow it */
  spr_synth_splade_params p3 = p;
  p3.ndocs = 601;
  vec a, b;
  vec_init(&a, &p);
  vec_init(&b, &p3);
  for (uint64_t i = 0; i < p.ndocs; i += 37) {
    const int64_t na = spr_synth_splade_doc(&p, i, a.work, a.ws, a.terms, a.weights, a.cap);
    const int64_t nb = spr_synth_splade_doc(&p3, i, b.work, b.ws, b.terms, b.weights, b.cap);
    CHECK(na == nb && hash_vec(0, a.terms, a.weights, na) == hash_vec(0, b.terms, b.weights, nb));
  }
  vec_free(&a);
  vec_free(&b);
  /* small and odd parameters stay valid */
  spr_synth_splade_params s;
  spr_synth_splade_init(&s, 50, 20, 1);
  s.vocab = 1000;
  s.doc_terms = 125;
  s.query_terms = 1;
  s.cluster_docs = 1;
  s.cluster_terms = 10;
  CHECK(spr_synth_splade_check(&s) == SPR_OK);
  (void)collection_hash(&s);
  s.cluster_docs = SPR_SYNTH_CLUSTER_MAX;
  (void)collection_hash(&s);
}

/* CHECK_REJECTED(p, field, value): a copy of the valid p with field = value fails the check. */
#define CHECK_REJECTED(p, field, value)                                                        \
  do {                                                                                         \
    spr_synth_splade_params bad_ = (p);                                                        \
    bad_.field = (value);                                                                      \
    CHECKF(spr_synth_splade_check(&bad_) == SPR_EINVAL, "%s = %s accepted", #field, #value);  \
  } while (0)

static void test_errors(void) {
  spr_synth_splade_params p;
  spr_synth_splade_init(&p, 0, 1, 1);
  CHECK(spr_synth_splade_check(&p) == SPR_EINVAL);
  spr_synth_splade_init(&p, 10, 1, 1); /* vocab 30522, doc 120 and query 44 terms, clusters 256/400 */
  CHECK(spr_synth_splade_check(&p) == SPR_OK);
  CHECK_REJECTED(p, vocab, 999);
  CHECK_REJECTED(p, doc_terms, 0);
  CHECK_REJECTED(p, query_terms, SPR_SYNTH_TERMS_MAX + 1);
  CHECK_REJECTED(p, cluster_docs, 0);
  CHECK_REJECTED(p, cluster_terms, 5);
  vec v;
  vec_init(&v, &p);
  uint64_t d;
  CHECK(spr_synth_splade_doc(&p, 10, v.work, v.ws, v.terms, v.weights, v.cap) == SPR_EINVAL);
  CHECK(spr_synth_splade_doc(&p, 0, v.work, v.ws - 8, v.terms, v.weights, v.cap) == SPR_EINVAL);
  CHECK(spr_synth_splade_doc(&p, 0, v.work, v.ws, v.terms, v.weights, 100) == SPR_ENOSPACE);
  CHECK(spr_synth_splade_query(&p, 1, v.work, v.ws, &d, v.terms, v.weights, v.cap) == SPR_EINVAL);
  CHECK(spr_synth_splade_query(&p, 0, v.work, v.ws, &d, v.terms, v.weights, 10) == SPR_ENOSPACE);
  vec_free(&v);
}

int main(void) {
  test_tokens();
  test_collection();
  test_determinism();
  test_errors();
  return spr_check_summary("synth splade");
}
