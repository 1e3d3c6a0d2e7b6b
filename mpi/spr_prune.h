/* spr_prune.h: static pruning of the index build's postings (mpi/spr_prune.c, docs/pruning.md).
 * Not a public interface. */
#ifndef SPR_PRUNE_H
#define SPR_PRUNE_H
#include <stddef.h>
#include <stdint.h>

#include "spr_docs.h"
#include "spr_index.h"
#include "spr_status.h"

/* Static pruning (docs/pruning.md). Local: in every document of l drop the postings whose score
 * (parallel to l->tid) is below p->prune_min_weight, then all but the p->prune_top_terms heaviest
 * (ties: the lower term id stays); l->tid, score and l->post_off are compacted, l->dl kept.
 * *removed counts the postings dropped here. */
SPR_NODISCARD int spr_prune_docs(const spr_build_params *p, spr_build_local *l, double *score, uint64_t *removed);
/* One document's postings (term ids, scores; n of them) pruned in place by the document rules of
 * spr_prune_docs; returns how many stay. scratch: spr_prune_scratch_size(n) bytes. */
uint64_t spr_prune_doc(const spr_build_params *p, uint32_t *tid, double *score, uint64_t n, void *scratch);
size_t spr_prune_scratch_size(uint64_t n);
/* Local. A term owner keeps the p->prune_list_max heaviest postings of each of its nt lists
 * (odocs/oimp/oterm_off, compacted in place; ties: the lower docid stays). *removed counts the
 * postings its lists lost. */
void spr_prune_lists(const spr_build_params *p, uint32_t nt, uint32_t *odocs, uint8_t *oimp, uint64_t *oterm_off,
                     uint64_t *removed);
#endif /* SPR_PRUNE_H */
