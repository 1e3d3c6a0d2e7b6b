/* The exhaustive scorer and the top-k heap against a brute-force oracle (full sort), on random
 * collections including heavy queries, k beyond the collection and ties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bm25.h"
#include "spr_topk.h"
#include "spr_test_util.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n) { return (uint32_t)(spr_test_xorshift(&rng) % n); }
static int cmp_u32_desc(const void *a, const void *b) {
  const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_hit(const void *a, const void *b) {
  const spr_hit *x = a, *y = b;
  return spr_hit_before(*x, *y) ? -1 : spr_hit_before(*y, *x) ? 1 : 0;
}

#include "spr_check.h"

int main(void) {
  for (int trial = 0; trial < 500; trial++) {
    const uint32_t n_docs = 1 + rnd(300), n_terms = 1 + rnd(45), begin = rnd(1000);
    const uint32_t k = 1 + rnd(trial % 5 == 0 ? 1000 : 20);
    spr_plist pl[64];
    uint32_t *docs[64];
    uint8_t *imp[64];
    uint32_t *acc = calloc(n_docs, sizeof *acc);
    for (uint32_t t = 0; t < n_terms; t++) {
      docs[t] = malloc(n_docs * sizeof(uint32_t));
      imp[t] = malloc(n_docs);
      uint32_t n = 0;
      const uint32_t density = 1 + rnd(100);
      for (uint32_t d = 0; d < n_docs; d++)
        if (rnd(100) < density) {
          docs[t][n] = begin + d;
          imp[t][n] = (uint8_t)(trial % 7 == 0 ? 255 : 1 + rnd(trial % 3 == 0 ? 3 : 255));
          n++;
        }
      pl[t] = (spr_plist){docs[t], imp[t], n, 1 + rnd(trial % 4 == 0 ? 255 : 3)};
      for (uint32_t i = 0; i < n; i++) acc[docs[t][i] - begin] += pl[t].weight * imp[t][i];
    }
    spr_hit *oracle = malloc(n_docs * sizeof *oracle), *out = malloc(k * sizeof *out);
    uint32_t m = 0;
    for (uint32_t d = 0; d < n_docs; d++)
      if (acc[d]) oracle[m++] = (spr_hit){acc[d], begin + d};
    qsort(oracle, m, sizeof *oracle, cmp_hit);
    void *ws = malloc(spr_exhaustive_workspace_size(n_docs));
    const int64_t got = spr_exhaustive_topk(pl, n_terms, begin, n_docs, k, ws, out);
    const uint32_t want = m < k ? m : k;
    CHECK(got == (int64_t)want, "trial %d: %lld hits, expected %u", trial, (long long)got, want);
    for (uint32_t i = 0; i < want; i++)
      CHECK(out[i].doc == oracle[i].doc && out[i].score == oracle[i].score,
            "trial %d rank %u: (%u,%u) expected (%u,%u)", trial, i, out[i].doc, out[i].score, oracle[i].doc,
            oracle[i].score);
    for (uint32_t t = 0; t < n_terms; t++) {
      free(docs[t]);
      free(imp[t]);
    }
    free(acc);
    free(oracle);
    free(out);
    free(ws);
  }
  /* the reduction operator: merging per-rank padded lists = the top k of the union */
  for (int trial = 0; trial < 300; trial++) {
    const uint32_t k = 1 + rnd(50), parts = 1 + rnd(5);
    spr_hit all[512], acc[64], part[64], scratch[64];
    uint32_t n_all = 0;
    spr_topk_pad(acc, 0, k);
    for (uint32_t p = 0; p < parts; p++) {
      const uint32_t m = rnd(2 * k + 1);
      spr_hit tmp[128];
      for (uint32_t i = 0; i < m; i++) tmp[i] = (spr_hit){1 + rnd(trial % 2 ? 4 : 1000), p * 1000 + i};
      for (uint32_t i = 0; i < m; i++) all[n_all++] = tmp[i];
      qsort(tmp, m, sizeof *tmp, cmp_hit);
      const uint32_t keep = m < k ? m : k;
      memcpy(part, tmp, keep * sizeof *part);
      spr_topk_pad(part, keep, k);
      spr_topk_merge(part, acc, k, scratch);
    }
    qsort(all, n_all, sizeof *all, cmp_hit);
    const uint32_t want = n_all < k ? n_all : k;
    CHECK(spr_topk_count(acc, k) == want, "merge trial %d: %u hits, want %u", trial, spr_topk_count(acc, k), want);
    for (uint32_t i = 0; i < want; i++)
      CHECK(acc[i].doc == all[i].doc && acc[i].score == all[i].score, "merge trial %d rank %u", trial, i);
  }
  /* the score selection: the m largest first, the m-th largest returned */
  for (int trial = 0; trial < 500; trial++) {
    const uint32_t n = 1 + rnd(200), m = 1 + rnd(n);
    uint32_t a[200], want[200];
    for (uint32_t i = 0; i < n; i++) a[i] = want[i] = trial % 3 == 0 ? rnd(4) : rnd(100000);
    qsort(want, n, sizeof *want, cmp_u32_desc);
    const uint32_t got = spr_topk_scores_select(a, n, m);
    CHECK(got == want[m - 1], "select trial %d: m-th largest %u, want %u (n %u m %u)", trial, got, want[m - 1], n, m);
    qsort(a, m, sizeof *a, cmp_u32_desc);
    for (uint32_t i = 0; i < m; i++) CHECK(a[i] == want[i], "select trial %d: rank %u holds %u, want %u", trial, i, a[i], want[i]);
    CHECK(spr_topk_scores_min(a, m) == want[m - 1], "select trial %d: min", trial);
  }
  /* a posting outside the range is refused, not written out of bounds */
  {
    const uint32_t d[1] = {5};
    const uint8_t w[1] = {1};
    spr_plist p = {d, w, 1, 1};
    uint32_t ws[4];
    spr_hit out[4];
    CHECK(spr_exhaustive_topk(&p, 1, 0, 4, 4, ws, out) == SPR_EINVAL, "out-of-range posting accepted");
  }
  /* quantizer: monotone, never 0, top maps to 2^bits - 1 */
  for (int bits = 1; bits <= 8; bits++) {
    const unsigned top = (1u << bits) - 1u;
    CHECK(spr_quantize_linear(10.0, 10.0, bits) == (bits == 1 ? 1 : top), "bits %d top", bits);
    CHECK(spr_quantize_linear(1e-9, 10.0, bits) == 1, "bits %d bottom", bits);
    unsigned prev = 0;
    for (int i = 1; i <= 1000; i++) {
      const unsigned q = spr_quantize_linear(i / 100.0, 10.0, bits);
      CHECK(q >= prev && q >= 1 && q <= top, "bits %d not monotone at %d", bits, i);
      prev = q;
    }
  }
  /* Lucene's BM25 idf and saturation */
  spr_bm25 p = {.k1 = 0.9, .b = 0.4, .n_docs = 1000, .avgdl = 100};
  const double idf = spr_bm25_idf(&p, 10);
  CHECK(idf > 4.5 && idf < 4.6, "idf %f", idf); /* ln(1 + 990.5 / 10.5) = 4.5591 */
  CHECK(spr_bm25_score(&p, 1.0, 1, 100) > 0.526 && spr_bm25_score(&p, 1.0, 1, 100) < 0.527, "tf=1 at avgdl");
  printf("ok\n");
  return 0;
}
