/* spr_search_parts.h: the partitioned BMP search at more than one rank, ranks sharing their
 * thresholds while it runs (collective). */
#ifndef SPR_SEARCH_PARTS_H
#define SPR_SEARCH_PARTS_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bmp.h"
#include "spr_coll.h"
#include "spr_progress.h"
#include "spr_topk.h"

/* Collective on c: every rank passes the same queries (qt[qoff[i] .. qoff[i + 1]) for i < n_queries,
 * at most max_terms each), the same bp (bp->parts is set to c->size) and its own part ix of the
 * collection (docids doc_base + local). Writes query i's best hits of this part to
 * hits[i * k ..] (best first) and their number to nhits[i], ready for spr_mpi_topk_reduce, whose
 * result equals one index's at any rank count for exact parameters. lat[i]: the seconds this rank
 * spent on query i, its share of waits included; blocks_scored is added to. prog: updated as
 * batches finish. Returns 0, or this rank's failure (SPR_ENOMEM, SPR_EINVAL from spr_bmp_begin,
 * SPR_EMPI) after taking part in every collective; the caller agrees on it. */
SPR_NODISCARD int spr_search_parts_run(const spr_comm *c, const spr_bmp_index *ix, uint32_t doc_base,
                                       const spr_qterm *qt, const uint64_t *qoff, size_t n_queries,
                                       uint32_t max_terms, const spr_bmp_params *bp, spr_hit *hits, uint32_t *nhits,
                                       double *lat, uint64_t *blocks_scored, spr_progress *prog);
#endif /* SPR_SEARCH_PARTS_H */
