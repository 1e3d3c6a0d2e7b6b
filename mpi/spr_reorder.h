/* spr_reorder.h: document reordering for the index build (collective; docs/reorder.md). */
#ifndef SPR_REORDER_H
#define SPR_REORDER_H
#include <stdint.h>

#include "spr_coll.h"
#include "spr_docs.h"
#include "spr_index.h"

/* Collective on c. Reorder the documents by recursive graph bisection over their term sets.
 * On entry l holds this rank's documents, docids *doc_base + i in input order, l->tid global term
 * ids < n_terms ascending within each document, and *imp their impacts (parallel to l->tid; l->w is
 * NULL). On return every rank holds a contiguous share of the new order (docids *doc_base + i):
 * l's ids, id_off, dl, line, post_off and tid and *imp (reallocated) follow their documents, and
 * l->orig[i] (allocated here) is the input-order docid of local document i. The new order does not
 * depend on the rank count. p->bp_iterations and p->bp_min_docs tune it; p->progress prints. */
SPR_NODISCARD int spr_reorder_bp(const spr_comm *c, const spr_build_params *p, uint32_t n_terms, spr_build_local *l,
                                 uint8_t **imp, uint64_t *doc_base);
#endif /* SPR_REORDER_H */
