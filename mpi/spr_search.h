/* spr_search.h: distributed top-k retrieval over an index file (collective). */
#ifndef SPR_SEARCH_H
#define SPR_SEARCH_H
#include <stdint.h>

#include "spr_coll.h"
#include "spr_corpus.h"
#include "spr_status.h"

typedef struct spr_search_params {
  const char *index;     /* borrowed: index file */
  const char *queries;   /* borrowed: TSV qid<TAB>text, analyzed with the index's analyzer */
  const char *run;       /* borrowed: TREC run output, written by rank 0 via run.tmp + rename */
  const char *tag;       /* run tag (6th column) */
  uint32_t k;            /* 1 .. 100000 */
  const char *algorithm; /* "exhaustive" */
  int progress;
} spr_search_params;

typedef struct spr_search_stats {
  uint64_t n_queries, n_results;
  double seconds;                  /* wall time of query processing (all queries, all ranks) */
  double qps;                      /* n_queries / seconds */
  double lat_mean, lat_p50, lat_p99; /* per-query latency in milliseconds (slowest rank) */
  double load_seconds;             /* opening the index and loading query terms' postings */
} spr_search_stats;

/* Collective on c. Every rank opens the index and scores its docid range [N*r/P, N*(r+1)/P);
 * the per-rank top-k lists are merged on rank 0 (score descending, docid ascending), which writes
 * the run. The run is byte-identical for any rank count. */
SPR_NODISCARD int spr_search_run(const spr_comm *c, const spr_search_params *p, spr_search_stats *st);
#endif /* SPR_SEARCH_H */
