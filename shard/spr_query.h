/* spr_query.h: query preparation, the local work every rank does before a search (docs/queries.md):
 * read the queries in their format, encode SPLADE text queries with the model, then turn each query
 * into (term id, u8 weight) pairs against the index's vocabulary. Local (no MPI, no file access but
 * the queries' and the model's files); what it needs of the index comes in spr_query_index, so that
 * shard/ does not depend on the index reader in mpi/. Not thread-safe across calls on one spr_queries. */
#ifndef SPR_QUERY_H
#define SPR_QUERY_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bmp.h"    /* spr_qterm */
#include "spr_corpus.h" /* spr_queries */
#include "spr_status.h"
#include "spr_vocab.h"  /* spr_strlist */

/* What query preparation needs of an index: how its documents were made and its vocabulary. */
typedef struct spr_query_index {
  const char *analyzer;     /* borrowed: "english", "standard", or "none" (an index of vectors) */
  const char *encoder;      /* borrowed: "bm25", "vectors", "splade", ... */
  const char *model;        /* borrowed: splade: the model folder that encodes text queries */
  const spr_strlist *terms; /* borrowed: the index's sorted term list (looked up with spr_strlist_find) */
} spr_query_index;

/* Local. Read the queries of path in format (NULL or "auto", "tsv", "vectors", "tokens", "pisa";
 * spr_queries_load_as) into *q, made ready for spr_query_terms: TSV queries on an index of
 * pre-encoded vectors (analyzer "none", encoder not splade) are pre-tokenized (a token repeated n
 * times weighs n, as Anserini's impact queries); text queries on a splade index are encoded by
 * ix->model (with its idf.json: inference-free) into vector queries. On failure *q holds what was
 * read so far (free it with spr_queries_free either way). Errors: those of the readers and the
 * encoder (SPR_EIO, SPR_EPARSE, SPR_ENOMEM, ...). */
SPR_NODISCARD int spr_query_load(const char *path, const char *format, const spr_query_index *ix, spr_queries *q);

/* One term of a query before quantization: its string (borrowed) and its raw weight (finite). */
typedef struct spr_qraw {
  const char *s;
  double w;
} spr_qraw;

/* Local. The u8 weights of one query's n distinct terms t (a repeated term already summed), the one
 * rule of every query format (docs/queries.md), into out[0..n):
 * - every positive weight an integer in [1, 255]: kept exactly;
 * - otherwise one factor per query, 255 / (largest weight): each weight times the factor, rounded
 *   to the nearest integer (halves to even), so the largest becomes 255 and the ratios hold up to
 *   rounding; a positive weight that would round to 0 weighs 1 (scaling never drops a term).
 * Weights <= 0 give 0 (no term). The largest weight is taken over all the terms given, so the
 * caller passes terms absent from the index too (a query's weights do not depend on the index).
 * Never fails; reentrant. */
void spr_query_quantize(const spr_qraw *t, size_t n, uint32_t *out);

/* Local. Every query of q as (term id, u8 weight) pairs sorted by term id: query i's are
 * (*terms)[off[i] .. off[i + 1]) (off: q->n + 1 entries, caller-allocated; *terms malloc'ed, the
 * caller frees it). Text queries are analyzed with ix->analyzer and a term's raw weight is its
 * number of occurrences (as Lucene's BooleanQuery sums a repeated term); vector queries (token
 * formats included) match index terms exactly and repeated keys sum. Every query then goes through
 * spr_query_quantize; terms absent from ix->terms are dropped after quantization. Errors:
 * SPR_EINVAL (text queries on an index of vectors), the analyzer's, SPR_ENOMEM. */
SPR_NODISCARD int spr_query_terms(const spr_query_index *ix, const spr_queries *q, spr_qterm **terms, uint64_t *off);
#endif /* SPR_QUERY_H */
