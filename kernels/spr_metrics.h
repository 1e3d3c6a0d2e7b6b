/* spr_metrics.h: per-query effectiveness measures whose numbers equal NIST trec_eval 9.0.7's
 * (map, recip_rank, P, recall, ndcg_cut, num_q, num_ret, num_rel, num_rel_ret), the measure-name
 * syntax of trec_eval's -m flag, and the averaging over queries.
 * Pure: no I/O, no MPI, no allocation, no globals. Every function is Local and reentrant.
 *
 * Model (trec_eval's): a query has a ranked list of retrieved documents, each with the grade the
 * qrels give it (SPR_METRICS_NONPOOL when the qrels do not mention it; negative qrels grades mean
 * "judged as unjudged" and count as non-relevant), and the multiset of qrels grades. A document
 * is relevant when grade >= rel_level (trec_eval -l, default 1). nDCG gains are the grades
 * themselves (positive only); the discount of rank r (1-based) is 1 / log2(r + 1), computed as
 * trec_eval does (gain / log2(r + 1), summed in rank order). The ideal ranking is the positive qrels grades sorted descending. Ranking the run
 * (score descending, ties by docid in reverse strcmp order) is the caller's job.
 *
 * Values of one query are laid out in "slots", in the order trec_eval prints them:
 *   num_q num_ret num_rel num_rel_ret map recip_rank recip_rank_k... P_k... recall_k... ndcg_cut_k...
 * recip_rank_k (reciprocal rank within the top k, equal to `trec_eval -M k -m recip_rank`) is a
 * spire extension with no trec_eval measure of its own. */
#ifndef SPR_METRICS_H
#define SPR_METRICS_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

/* Grade of a retrieved document the qrels do not mention (trec_eval's RELVALUE_NONPOOL). */
#define SPR_METRICS_NONPOOL INT32_MIN
/* At most this many cutoffs per measure. */
#define SPR_METRICS_MAX_CUTS 32u
/* Longest slot name, NUL included ("ndcg_cut_" + 19 digits fits). */
#define SPR_METRICS_NAME_MAX 48u

/* Measure families, in trec_eval's print order. */
typedef enum spr_measure {
  SPR_MEASURE_NUM_Q = 0,    /* integer: queries averaged over */
  SPR_MEASURE_NUM_RET,      /* integer sum: retrieved documents (after -M) */
  SPR_MEASURE_NUM_REL,      /* integer sum: relevant documents in the qrels */
  SPR_MEASURE_NUM_REL_RET,  /* integer sum: relevant retrieved documents */
  SPR_MEASURE_MAP,          /* mean average precision */
  SPR_MEASURE_RECIP_RANK,   /* reciprocal rank of the first relevant document */
  SPR_MEASURE_RR_CUT,       /* recip_rank_k: reciprocal rank within the top k (cutoffs) */
  SPR_MEASURE_P,            /* P_k (cutoffs) */
  SPR_MEASURE_RECALL,       /* recall_k (cutoffs) */
  SPR_MEASURE_NDCG_CUT,     /* ndcg_cut_k (cutoffs) */
  SPR_MEASURE_COUNT
} spr_measure;

/* A set of requested measures. Plain value type: zero-initialise (or spr_measure_set_clear), then
 * add to it. Cutoffs of a family are kept ascending and unique. */
typedef struct spr_measure_set {
  uint8_t on[SPR_MEASURE_COUNT];                       /* scalar families: 1 = requested */
  uint32_t n_cuts[SPR_MEASURE_COUNT];                  /* cutoff families: how many */
  int64_t cuts[SPR_MEASURE_COUNT][SPR_METRICS_MAX_CUTS]; /* cutoff families: ascending, > 0 */
} spr_measure_set;

/* One query's input. Every pointer is borrowed for the duration of the call. */
typedef struct spr_metrics_query {
  const int32_t *ranked_grades; /* n_ret grades in rank order (already truncated by -M) */
  int64_t n_ret;
  const int32_t *ideal_grades;  /* the query's positive qrels grades, sorted descending */
  int64_t n_ideal;
  int64_t num_rel;              /* qrels documents with grade >= rel_level */
  int32_t rel_level;            /* >= 1; trec_eval's default is 1 */
} spr_metrics_query;

/* Empty the set. Never fails. */
void spr_measure_set_clear(spr_measure_set *s);

/* The set `spire eval` uses when none is given: trec_eval's
 * `-m map -m ndcg_cut.10,20,100 -m recip_rank -m P.5,10,20 -m recall.10,100,1000
 *  -m num_rel_ret -m num_ret -m num_rel -m num_q`. Never fails. */
void spr_measure_set_default(spr_measure_set *s);

/* Add one measure spec. Accepted, case-sensitive, as trec_eval's -m:
 *   num_q num_ret num_rel num_rel_ret map recip_rank          (scalars; a ".params" is ignored,
 *                                                              except recip_rank.k -> recip_rank_k)
 *   P recall ndcg_cut                (default cutoffs 5,10,15,20,30,100,200,500,1000)
 *   P.5,10 recall.100 ndcg_cut.10,20 (cutoffs: positive integers; merged with earlier ones)
 * and the friendly names, case-insensitive: MAP, RR (= recip_rank), RR@k / MRR@k (recip_rank_k),
 * nDCG@k, P@k, R@k / Recall@k.
 * Returns 0, SPR_EINVAL (unknown name, bad cutoff; message names the spec) or SPR_ENOSPACE
 * (more than SPR_METRICS_MAX_CUTS cutoffs). On failure s is unchanged. */
SPR_NODISCARD int spr_measure_set_add(spr_measure_set *s, const char *spec);

/* Add a comma-separated list of specs ("map,ndcg_cut.10,20,P@10,recall.1000"). A token made only
 * of digits is one more cutoff of the previous token's family, so "ndcg_cut.10,20,100" is one
 * measure with three cutoffs. Errors as spr_measure_set_add; on failure s may hold a prefix. */
SPR_NODISCARD int spr_measure_set_add_list(spr_measure_set *s, const char *list);

/* Number of value slots of the set (0 when empty). Never fails. */
size_t spr_measure_set_size(const spr_measure_set *s);

/* Family and cutoff (0 for scalars) of a slot. Returns 0 or SPR_EINVAL (slot out of range). */
SPR_NODISCARD int spr_measure_set_slot(const spr_measure_set *s, size_t slot, spr_measure *family,
                                       int64_t *cut);

/* trec_eval's printed name of a slot ("map", "P_10", "ndcg_cut_20") into buf.
 * Returns the name length, SPR_EINVAL (slot out of range) or SPR_ENOSPACE. */
SPR_NODISCARD int64_t spr_measure_set_name(const spr_measure_set *s, size_t slot, char *buf,
                                           size_t cap);

/* 1 if the slot is an integer count (num_q, num_ret, num_rel, num_rel_ret), else 0. */
int spr_measure_set_is_integer(const spr_measure_set *s, size_t slot);

/* Slot of a measure given by printed name ("P_10") or by one single-valued spec ("P@10",
 * "nDCG@10", "P.10", "MAP"). Returns the slot, SPR_ENOTFOUND (valid but not in the set) or
 * SPR_EINVAL (not a measure name, or a spec naming several values). */
SPR_NODISCARD int64_t spr_measure_set_find(const spr_measure_set *s, const char *name);

/* Compute one query's values into out[0 .. spr_measure_set_size(s)) (num_q = 1, counts as
 * doubles). Returns 0 or SPR_EINVAL (negative counts, rel_level < 1, ideal grades not positive
 * and descending). */
SPR_NODISCARD int spr_metrics_compute(const spr_measure_set *s, const spr_metrics_query *q,
                                      double *out);

/* acc[i] += q[i] for every slot: trec_eval's accumulation (do it in query order for identical
 * rounding). Never fails. */
void spr_metrics_accumulate(const spr_measure_set *s, const double *q, double *acc);

/* Turn the accumulated sums of n_queries queries into trec_eval's `all` values in place: counts
 * stay sums, num_q becomes n_queries, the rest are divided by n_queries (left as is when 0). */
void spr_metrics_finalize(const spr_measure_set *s, int64_t n_queries, double *acc);

#endif /* SPR_METRICS_H */
