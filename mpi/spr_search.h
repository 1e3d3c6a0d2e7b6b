/* spr_search.h: distributed top-k retrieval over an index file (collective). */
#ifndef SPR_SEARCH_H
#define SPR_SEARCH_H
#include <stdint.h>

#include "spr_coll.h"
#include "spr_corpus.h"
#include "spr_status.h"

typedef struct spr_search_params {
  const char *index;     /* borrowed: index file */
  const char *queries;   /* borrowed: queries in one of the formats of spr_queries_load_as */
  const char *run;       /* borrowed: TREC run output, written by rank 0 via run.tmp + rename */
  const char *tag;       /* run tag (6th column) */
  uint32_t k;            /* 1 .. 100000 */
  const char *algorithm; /* "bmp" (Block-Max Pruning) or "exhaustive" (the oracle) */
  double alpha, beta;    /* BMP: 1 = exact; alpha < 1 prunes blocks harder, beta < 1 drops light terms */
  int replicated;        /* 0: each rank searches its block range (partitioned); 1: each rank loads
                            the whole index and answers a share of the queries */
  const char *model;     /* splade index: the model folder for query encoding; NULL = the index's */
  const char *query_format; /* NULL or "auto", "tsv", "vectors", "tokens", "pisa" (spr_queries_load_as) */
  int progress;
} spr_search_params;

typedef struct spr_search_stats {
  uint64_t n_queries, n_results;
  double seconds;                  /* wall time of query processing (all queries, all ranks) */
  double qps;                      /* n_queries / seconds */
  double lat_mean, lat_p50, lat_p99; /* per-query latency in milliseconds (slowest rank) */
  double load_seconds;             /* opening the index and loading query terms' postings */
  uint64_t blocks_scored;          /* BMP: blocks scored, summed over queries and ranks */
} spr_search_stats;

/* Collective on c. Every rank opens the index. Partitioned: each rank scores its block range (equal
 * shares of the blocks, so docid ranges are block-aligned) for every query; replicated: each rank
 * scores every document for the queries i with i % P == rank. One MPI reduction with a top-k
 * operator merges the per-rank lists (score descending, docid ascending) on rank 0, which writes
 * the run. Exact modes give a byte-identical run for any rank count and either serving mode. */
SPR_NODISCARD int spr_search_run(const spr_comm *c, const spr_search_params *p, spr_search_stats *st);
#endif /* SPR_SEARCH_H */
