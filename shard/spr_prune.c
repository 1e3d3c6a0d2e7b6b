/* spr_prune.c: static index pruning inside the build (docs/pruning.md); local work, no MPI. Document-side rules need
 * only a document's own postings; the list cap needs a whole posting list, which only its term's
 * owner holds after routing (the lists are the index's only copy of the postings, so nothing else
 * needs to hear of the cut). Every rule is a
 * function of the global collection (ties broken by term id or docid), so the result does not
 * depend on the rank count. */
#include <stdlib.h>
#include <string.h>

#include "spr_prune.h"

typedef struct spr_scored {
  double s;
  uint32_t term;
  uint32_t at; /* position in the document */
} spr_scored;

static int spr_cmp_scored(const void *pa, const void *pb) { /* heaviest first, then lower term id */
  const spr_scored *a = pa, *b = pb;
  if (a->s != b->s) return a->s > b->s ? -1 : 1;
  return (a->term > b->term) - (a->term < b->term);
}

static int spr_cmp_u32p(const void *pa, const void *pb) {
  const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  return (a > b) - (a < b);
}

size_t spr_prune_scratch_size(uint64_t n) { return (n ? n : 1) * (sizeof(spr_scored) + sizeof(uint32_t)); }

uint64_t spr_prune_doc(const spr_prune_rules *p, uint32_t *tid, double *score, uint64_t n, void *scratch) {
  spr_scored *tmp = scratch;
  uint32_t *keep = (uint32_t *)(tmp + (n ? n : 1));
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; i++)
    if (!(p->min_weight > 0) || score[i] >= p->min_weight) tmp[m++] = (spr_scored){score[i], tid[i], (uint32_t)i};
  if (p->top_terms > 0 && m > p->top_terms) {
    qsort(tmp, m, sizeof *tmp, spr_cmp_scored);
    m = p->top_terms;
  }
  for (uint32_t j = 0; j < m; j++) keep[j] = tmp[j].at;
  qsort(keep, m, sizeof *keep, spr_cmp_u32p); /* back to the document's order */
  for (uint32_t j = 0; j < m; j++) { /* keep[j] >= j: compaction moves entries left only */
    tid[j] = tid[keep[j]];
    score[j] = score[keep[j]];
  }
  return m;
}

int spr_prune_docs(const spr_prune_rules *p, spr_build_local *l, double *score, uint64_t *removed) {
  void *scratch = malloc(spr_prune_scratch_size(spr_build_max_doc_postings(l)));
  if (!scratch) return SPR_FAIL(SPR_ENOMEM, "static pruning: out of memory");
  uint64_t out = 0, dropped = 0, start = 0;
  for (uint64_t d = 0; d < l->n_docs; d++) {
    const uint64_t s0 = start, s1 = l->post_off[d + 1];
    start = s1;
    const uint64_t m = spr_prune_doc(p, l->tid + s0, score + s0, s1 - s0, scratch);
    dropped += (s1 - s0) - m;
    l->post_off[d] = out;
    memmove(l->tid + out, l->tid + s0, m * sizeof *l->tid);
    memmove(score + out, score + s0, m * sizeof *score);
    out += m;
  }
  l->post_off[l->n_docs] = out;
  l->n_post = out;
  *removed = dropped;
  free(scratch);
  return SPR_OK;
}

void spr_prune_lists(const spr_prune_rules *p, uint32_t nt, uint32_t *odocs, uint8_t *oimp, uint64_t *oterm_off,
                     uint64_t *removed) {
  const uint32_t M = p->list_max;
  /* cut: with u8 impacts, the M-th heaviest impact theta splits each list: every posting above
   * theta stays, and of those at theta the ones with the lowest docids until M are kept */
  uint64_t out = 0, start = 0;
  for (uint32_t t = 0; t < nt; t++) {
    const uint64_t s0 = start, s1 = oterm_off[t + 1], n = s1 - s0;
    start = s1;
    oterm_off[t] = out;
    if (n <= M) {
      memmove(odocs + out, odocs + s0, n * sizeof *odocs);
      memmove(oimp + out, oimp + s0, n);
      out += n;
      continue;
    }
    uint64_t hist[256] = {0};
    for (uint64_t i = s0; i < s1; i++) hist[oimp[i]]++;
    uint64_t above = 0;
    int theta = 255;
    while (theta > 0 && above + hist[theta] < M) above += hist[theta--];
    uint64_t at_theta = M - above; /* postings at theta that stay, lowest docids first */
    for (uint64_t i = s0; i < s1; i++) {
      const int v = oimp[i];
      if (v > theta || (v == theta && at_theta > 0)) {
        if (v == theta) at_theta--;
        odocs[out] = odocs[i];
        oimp[out] = oimp[i];
        out++;
      }
    }
  }
  *removed = start - out;
  oterm_off[nt] = out;
}
