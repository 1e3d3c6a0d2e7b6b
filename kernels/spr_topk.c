/* spr_topk.c: heap and exhaustive scorer. The exhaustive scorer is deliberately simple: a dense
 * accumulator over the docid range, then a heap pass over the touched documents. */
#include "spr_topk.h"
#include "spr_select.h"

#include <string.h>

static inline int spr_worse(spr_hit a, spr_hit b) { return spr_hit_before(b, a); }

static void spr_sift_down(spr_hit *h, uint32_t n, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, w = i;
    if (l < n && spr_worse(h[l], h[w])) w = l;
    if (l + 1 < n && spr_worse(h[l + 1], h[w])) w = l + 1;
    if (w == i) return;
    const spr_hit t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

void spr_topk_push(spr_topk *t, spr_hit x) {
  if (t->k == 0) return;
  if (t->n < t->k) {
    uint32_t i = t->n++;
    t->h[i] = x;
    while (i > 0) {
      const uint32_t p = (i - 1) / 2;
      if (!spr_worse(t->h[i], t->h[p])) break;
      const spr_hit s = t->h[i];
      t->h[i] = t->h[p];
      t->h[p] = s;
      i = p;
    }
    return;
  }
  if (!spr_hit_before(x, t->h[0])) return;
  t->h[0] = x;
  spr_sift_down(t->h, t->n, 0);
}

uint32_t spr_topk_sort(spr_topk *t) {
  /* Heapsort with the worst at the root: repeatedly move the root to the end. */
  const uint32_t n = t->n;
  for (uint32_t m = n; m > 1; m--) {
    const spr_hit s = t->h[0];
    t->h[0] = t->h[m - 1];
    t->h[m - 1] = s;
    spr_sift_down(t->h, m - 1, 0);
  }
  t->n = 0;
  return n;
}

size_t spr_exhaustive_workspace_size(uint32_t n_docs) { return (size_t)n_docs * sizeof(uint32_t); }

int64_t spr_exhaustive_topk(const spr_plist *terms, size_t n_terms, uint32_t doc_begin, uint32_t n_docs,
                            uint32_t k, void *workspace, spr_hit *out) {
  uint32_t *acc = workspace;
  memset(acc, 0, spr_exhaustive_workspace_size(n_docs));
  for (size_t t = 0; t < n_terms; t++) {
    const spr_plist *p = &terms[t];
    for (uint32_t i = 0; i < p->n; i++) {
      const uint32_t d = p->docs[i] - doc_begin;
      if (p->docs[i] < doc_begin || d >= n_docs)
        return SPR_FAIL(SPR_EINVAL, "posting docid %u outside [%u,%u)", p->docs[i], doc_begin,
                        doc_begin + n_docs);
      acc[d] += p->weight * (uint32_t)p->impacts[i];
    }
  }
  spr_topk heap;
  spr_topk_init(&heap, out, k);
  for (uint32_t d = 0; d < n_docs; d++)
    if (acc[d]) spr_topk_push(&heap, (spr_hit){acc[d], doc_begin + d});
  return (int64_t)spr_topk_sort(&heap);
}

void spr_topk_pad(spr_hit *list, uint32_t n, uint32_t k) {
  for (uint32_t i = n; i < k; i++) list[i] = (spr_hit){0, UINT32_MAX};
}

uint32_t spr_topk_count(const spr_hit *list, uint32_t k) {
  uint32_t n = 0;
  while (n < k && list[n].doc != UINT32_MAX) n++;
  return n;
}

void spr_topk_merge(const spr_hit *in, spr_hit *inout, uint32_t k, spr_hit *scratch) {
  uint32_t a = 0, b = 0;
  for (uint32_t i = 0; i < k; i++) {
    /* empty slots ({0, UINT32_MAX}) lose against every real hit: score 0 with the largest docid */
    if (spr_hit_before(in[a], inout[b])) scratch[i] = in[a++];
    else scratch[i] = inout[b++];
  }
  memcpy(inout, scratch, (size_t)k * sizeof *inout);
}

SPR_DEFINE_SELECT_DESC(spr_select_u32, uint32_t)

uint32_t spr_topk_scores_select(uint32_t *a, uint32_t n, uint32_t m) {
  spr_select_u32(a, n, m);
  return a[m - 1];
}

uint32_t spr_topk_scores_min(const uint32_t *s, uint32_t k) {
  if (k == 0) return 0;
  uint32_t m = s[0];
  for (uint32_t i = 1; i < k; i++) m = s[i] < m ? s[i] : m;
  return m;
}
