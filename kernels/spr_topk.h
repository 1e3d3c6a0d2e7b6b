/* spr_topk.h: exact top-k by impact sum (the exhaustive oracle every faster algorithm is tested
 * against), and the bounded heap that keeps a top-k. Pure: no I/O, MPI or allocation.
 * Order: score descending, then docid ascending. */
#ifndef SPR_TOPK_H
#define SPR_TOPK_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

typedef struct spr_hit {
  uint32_t score; /* sum of query weight x u8 impact, 32-bit accumulation */
  uint32_t doc;   /* global docid */
} spr_hit;

/* 1 if a ranks before b (higher score, or equal score and lower docid). */
static inline int spr_hit_before(spr_hit a, spr_hit b) {
  return a.score > b.score || (a.score == b.score && a.doc < b.doc);
}

/* A bounded min-heap (worst hit at the root) over caller-owned storage of k entries. */
typedef struct spr_topk {
  spr_hit *h; /* borrowed: k entries */
  uint32_t k, n;
} spr_topk;

static inline void spr_topk_init(spr_topk *t, spr_hit *storage, uint32_t k) {
  t->h = storage;
  t->k = k;
  t->n = 0;
}
/* Offer a hit; keeps the k best. */
void spr_topk_push(spr_topk *t, spr_hit x);
/* Sort the kept hits best first in place (the heap is consumed). Returns n. */
uint32_t spr_topk_sort(spr_topk *t);

/* Merge two best-first lists of k slots each into `inout` (best k of the union, best first).
 * Empty slots are {0, UINT32_MAX} and sort last (spr_topk_pad fills them). scratch: k entries.
 * Commutative and associative: the reduction operator of the distributed top-k. */
void spr_topk_merge(const spr_hit *in, spr_hit *inout, uint32_t k, spr_hit *scratch);
/* Fill slots [n, k) of a best-first list with empty slots. */
void spr_topk_pad(spr_hit *list, uint32_t n, uint32_t k);
/* Number of non-empty slots of a padded list. */
uint32_t spr_topk_count(const spr_hit *list, uint32_t k);

/* Reorder a[0..n) so that a[0..m) holds its m largest values (any order) and return the m-th largest
 * (1 <= m <= n; quickselect, O(n)). The partitioned search's ranks share their best scores with it:
 * the k-th largest of the scores all ranks found so far is a lower bound of the final k-th score. */
uint32_t spr_topk_scores_select(uint32_t *a, uint32_t n, uint32_t m);
/* The smallest of k scores; 0 when k is 0. */
uint32_t spr_topk_scores_min(const uint32_t *s, uint32_t k);

/* One query term's postings restricted to a docid range: ascending docids, u8 impacts. */
typedef struct spr_plist {
  const uint32_t *docs;  /* borrowed */
  const uint8_t *impacts; /* borrowed */
  uint32_t n;
  uint32_t weight;       /* query term weight (>= 1) */
} spr_plist;

/* Size in bytes of the accumulator workspace for a docid range of n_docs documents. */
size_t spr_exhaustive_workspace_size(uint32_t n_docs);
/* Exhaustive ranked-OR over docids [doc_begin, doc_begin + n_docs): accumulate every posting,
 * then keep the top k (k <= out capacity). Documents with score 0 are never returned.
 * workspace: spr_exhaustive_workspace_size(n_docs) bytes, any content. Returns the number of hits
 * written to out (best first), or SPR_EINVAL for a posting outside the range.
 * Reentrant; each thread passes its own workspace. */
SPR_NODISCARD int64_t spr_exhaustive_topk(const spr_plist *terms, size_t n_terms, uint32_t doc_begin,
                                          uint32_t n_docs, uint32_t k, void *workspace, spr_hit *out);
#endif /* SPR_TOPK_H */
