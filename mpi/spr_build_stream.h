/* spr_build_stream.h: the bounded-memory index build (mpi/spr_build_stream.c). Not a public
 * interface. */
#ifndef SPR_BUILD_STREAM_H
#define SPR_BUILD_STREAM_H
#include <stddef.h>
#include <stdint.h>

#include "spr_build_dict.h"
#include "spr_coll.h"
#include "spr_docs.h"
#include "spr_index.h"
#include "spr_status.h"

/* Collective on c. The bounded-memory build after the dictionary (mpi/spr_build_stream.c): scores,
 * quantization, routing in rounds through sorted runs on disk, the BMP structures and the write to
 * tmp. l's postings are in its spill file. */
SPR_NODISCARD int spr_build_stream(const spr_comm *c, const spr_build_params *p, spr_build_local *l, uint64_t doc_base,
                                   uint64_t n_docs, spr_dict *dict, const char *tmp, spr_build_stats *st);

/* Bounded memory: the local document frequency of every local term id (< nl), counted from the
 * spill file (after duplicate removal). *ldf malloc'ed, caller frees. */
SPR_NODISCARD int spr_stream_local_df(const spr_build_local *l, uint32_t nl, uint32_t **ldf);
#endif /* SPR_BUILD_STREAM_H */
