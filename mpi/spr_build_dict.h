/* spr_build_dict.h: the index build's distributed term dictionary and term ranges
 * (mpi/spr_build_dict.c). Not a public interface. */
#ifndef SPR_BUILD_DICT_H
#define SPR_BUILD_DICT_H
#include <stddef.h>
#include <stdint.h>

#include "spr_coll.h"
#include "spr_docs.h"
#include "spr_status.h"
#include "spr_vocab.h"

/* The term dictionary (spr_build_dict): global ids in byte order of the strings. */
typedef struct spr_dict {
  uint32_t n_terms;   /* global */
  uint32_t d0;        /* first global id owned here */
  spr_strlist own;    /* owned: this rank's slice of the sorted vocabulary */
  uint32_t *lgid;     /* owned: global id of every local vocabulary id */
  uint32_t *ldf;      /* owned: global df of every local vocabulary id */
  uint64_t *own_df;   /* owned: df of every owned term */
} spr_dict;
void spr_dict_free(spr_dict *d);
/* Collective on c. The distributed term dictionary of voc's terms; their local document
 * frequencies are ldf (by local id) or, when ldf is NULL, counted from l's postings. */
SPR_NODISCARD int spr_build_dict(const spr_comm *c, const spr_vocab *voc, const spr_build_local *l,
                                 const uint32_t *ldf, spr_dict *dict);
/* Collective on c. Rank r owns the terms [tb[r], tb[r+1]): about equal shares of `total` postings. */
SPR_NODISCARD int spr_term_ranges_dist(const spr_comm *c, const spr_dict *d, uint64_t total, uint32_t *tb);
#endif /* SPR_BUILD_DICT_H */
