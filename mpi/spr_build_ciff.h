/* spr_build_ciff.h: the index build's reading of a CIFF file (mpi/spr_build_ciff.c). Not a public
 * interface. */
#ifndef SPR_BUILD_CIFF_H
#define SPR_BUILD_CIFF_H
#include <stddef.h>
#include <stdint.h>

#include "spr_coll.h"
#include "spr_docs.h"
#include "spr_index.h"
#include "spr_status.h"
#include "spr_vocab.h"

/* Collective on c. Read a CIFF file (p->corpus; docs/ciff.md): rank r ends with a contiguous share
 * of the documents in CIFF docid order, each added with spr_build_add_doc (terms interned in voc,
 * weights = the postings' tf values), l->dl set from the document records' lengths, l->line the
 * document's index in the CIFF docid order (1-based). The build takes the weights as impacts
 * (p->vectors = 1: encoder auto or vectors) or as term frequencies for BM25 (encoder bm25). */
SPR_NODISCARD int spr_build_read_ciff(const spr_comm *c, const spr_build_params *p, spr_vocab *voc,
                                      spr_build_local *l);
#endif /* SPR_BUILD_CIFF_H */
