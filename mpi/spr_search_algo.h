/* spr_search_algo.h: the search algorithms behind one small interface. A row of the table in
 * spr_search_algo.c names an algorithm and gives four functions: load this rank's part of the
 * index, the workspace a thread needs, the search of one query, and free. spr_search_run
 * (spr_search.c) drives any row the same way: load, threads over queries each with its own
 * workspace, the top-k merge across ranks. A new algorithm is a kernel file and one row. */
#ifndef SPR_SEARCH_ALGO_H
#define SPR_SEARCH_ALGO_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bmp.h"
#include "spr_index.h"
#include "spr_progress.h"
#include "spr_topk.h"

/* What a load gets: this rank's blocks [blo, bhi) = docids [lo, hi), the queries' terms
 * (qt[qoff[i] .. qoff[i + 1]) for i < n_queries), k, and whether to print progress (rank 0's
 * range stands for all: ranks load equal shares at once). */
typedef struct spr_search_load {
  uint64_t blo, bhi;
  uint32_t lo, hi, k;
  const spr_qterm *qt;
  const uint64_t *qoff;
  size_t n_queries;
  int progress;
} spr_search_load;

/* One query's settings (docs/bmp.md for alpha and beta; exhaustive ignores them). */
typedef struct spr_search_query {
  uint32_t k;
  double alpha, beta;
} spr_search_query;

typedef struct spr_search_algo {
  const char *name;
  /* Local. This rank's part of the index into *state (freed by free_state, also after a failure). */
  int (*load)(spr_index *ix, const spr_search_load *in, void **state);
  /* Bytes of workspace one thread needs for queries of up to max_terms terms. */
  size_t (*workspace_size)(const void *state, uint32_t k, uint32_t max_terms);
  /* Local, reentrant. One query's best hits of this part into out (best first, global docids);
   * returns their number or a negative status. *blocks_scored is added to. */
  int64_t (*search)(const void *state, const spr_qterm *q, uint32_t n_terms, const spr_search_query *sq, void *ws,
                    spr_hit *out, uint64_t *blocks_scored);
  void (*free_state)(void *state);
  /* Optional (NULL: none). The partitioned search at more than one rank with shared thresholds
   * (spr_search_parts.h): the bmp state's BMP index. */
  const spr_bmp_index *(*shared_thresholds)(const void *state, uint32_t *doc_base);
} spr_search_algo;

/* The row named name, or NULL. Never fails. */
const spr_search_algo *spr_search_algo_find(const char *name);
/* The algorithms' names, joined by ", " (for messages). */
const char *spr_search_algo_names(void);
#endif /* SPR_SEARCH_ALGO_H */
