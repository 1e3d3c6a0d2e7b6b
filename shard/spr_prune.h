/* spr_prune.h: static pruning of the index build's postings (shard/spr_prune.c, docs/pruning.md).
 * Local: no MPI. */
#ifndef SPR_PRUNE_H
#define SPR_PRUNE_H
#include <stddef.h>
#include <stdint.h>

#include "spr_docs.h"
#include "spr_status.h"

/* The rules (docs/pruning.md); 0 turns each off. */
typedef struct spr_prune_rules {
  double min_weight;  /* drop postings whose score is below this */
  uint32_t top_terms; /* keep each document's N heaviest terms */
  uint32_t list_max;  /* keep each term's M heaviest postings */
} spr_prune_rules;

/* Static pruning (docs/pruning.md). Local: in every document of l drop the postings whose score
 * (parallel to l->tid) is below p->min_weight, then all but the p->top_terms heaviest
 * (ties: the lower term id stays); l->tid, score and l->post_off are compacted, l->dl kept.
 * *removed counts the postings dropped here. */
SPR_NODISCARD int spr_prune_docs(const spr_prune_rules *p, spr_build_local *l, double *score, uint64_t *removed);
/* One document's postings (term ids, scores; n of them) pruned in place by the document rules of
 * spr_prune_docs; returns how many stay. scratch: spr_prune_scratch_size(n) bytes. */
uint64_t spr_prune_doc(const spr_prune_rules *p, uint32_t *tid, double *score, uint64_t n, void *scratch);
size_t spr_prune_scratch_size(uint64_t n);
/* Local. A term owner keeps the p->list_max heaviest postings of each of its nt lists
 * (odocs/oimp/oterm_off, compacted in place; ties: the lower docid stays). *removed counts the
 * postings its lists lost. */
void spr_prune_lists(const spr_prune_rules *p, uint32_t nt, uint32_t *odocs, uint8_t *oimp, uint64_t *oterm_off,
                     uint64_t *removed);
#endif /* SPR_PRUNE_H */
