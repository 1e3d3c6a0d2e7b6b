/* spr_docs.h: a rank's document store while the index is built: its documents in order, their
 * (term, weight) postings, and in bounded memory the spill of those postings to a temporary file.
 * Local work shared by the build's stages (mpi/spr_build*.c, shard/spr_docs_read.c, shard/spr_prune.c,
 * mpi/spr_reorder.c); no MPI, no HDF5 (docs/architecture.md). Not a public interface. */
#ifndef SPR_DOCS_H
#define SPR_DOCS_H
#include <stddef.h>
#include <stdint.h>

#include "spr_status.h"

struct spr_pair;

/* Bounded memory (docs/memory.md): while reading, a rank's postings go to an unlinked temporary
 * file in documents' order -- per document a u32 count, then count (u32 local term id, f64 weight)
 * records -- whenever `cap` of them are in memory. */
typedef struct spr_spill {
  int on;         /* postings spill (p->memory_budget > 0) */
  int fd;         /* the spill file (valid when on) */
  uint64_t cap;   /* spill when this many postings are in memory */
  uint64_t docs;  /* documents spilled so far */
  uint64_t bytes; /* bytes in the file */
  uint8_t *keep;  /* owned: after duplicate removal, 1 per spilled document that stays; NULL = all */
  const char *dir; /* borrowed: where the temporary files go */
  uint32_t nl;     /* the rank's vocabulary size (local term ids are below it) */
} spr_spill;

typedef struct spr_build_local {
  /* documents of this rank, in input order (after reordering: in the new order) */
  uint64_t n_docs;
  char *ids;         /* owned: external ids back to back, no separators */
  uint64_t ids_len, ids_cap;
  uint64_t *id_off;  /* owned: n_docs + 1 */
  uint32_t *dl;      /* owned: n_docs lengths */
  uint64_t *line;    /* owned: n_docs line numbers in the corpus (CIFF: the document record's index) */
  uint64_t line_cap;
  uint64_t dl_cap, id_off_cap, post_off_cap;
  /* per-document (term, weight): tf for text, the given weight for vectors; local term ids until
   * remapped to global ones */
  uint64_t *post_off; /* owned: n_docs + 1 */
  uint32_t *tid;     /* owned */
  void *w;           /* owned: the weights, float while every one so far is a float exactly (tf,
                        integer and SPLADE weights), double from the first that is not (w_f64) */
  int w_f64;
  uint64_t n_post, tid_cap, w_cap;
  uint32_t *orig;    /* owned: input-order docid of every document once reordered; NULL = identity */
  uint64_t post_base; /* bounded memory: postings [0, post_base) are in the spill file, tid/w hold
                         [post_base, n_post) */
  spr_spill spill;
  struct spr_pair *sort_tmp; /* owned: scratch of spr_build_add_doc's sort */
  uint64_t sort_cap;
} spr_build_local;

void spr_build_local_free(spr_build_local *l);
/* The weight of l's i-th posting in memory (i counted from post_base). */
static inline double spr_build_w(const spr_build_local *l, uint64_t i) {
  return l->w_f64 ? ((const double *)l->w)[i] : (double)((const float *)l->w)[i];
}
static inline size_t spr_build_w_size(const spr_build_local *l) { return l->w_f64 ? sizeof(double) : sizeof(float); }
/* The most postings any of l's documents has (scratch sizes for per-document work). */
uint64_t spr_build_max_doc_postings(const spr_build_local *l);
/* Grow *p (capacity *cap elements of esz bytes) to hold need elements (doubling). */
SPR_NODISCARD int spr_build_grow(void **p, uint64_t *cap, uint64_t need, size_t esz);

/* Bounded memory: create an unlinked temporary file in dir (its name never shows; nothing is left
 * behind, whatever happens to the process). *fd set on success. */
SPR_NODISCARD int spr_spill_tmpfile(const char *dir, int *fd);
/* Write n bytes to fd (all of them, or an error naming the folder: full disk). */
SPR_NODISCARD int spr_spill_write(int fd, const void *buf, uint64_t n, const char *dir);
/* Bounded memory: append the documents not yet spilled and their in-memory postings to the spill
 * file; afterwards post_base = n_post. */
SPR_NODISCARD int spr_spill_flush(spr_build_local *l);

typedef struct spr_pair { /* a document's term and its weight (tf, or a vector's weight) */
  uint32_t term;
  double weight;
} spr_pair;

/* Sort a document's pairs by term, stably (repeats stay in input order); tmp: n elements. */
void spr_sort_pairs(spr_pair *a, size_t n, spr_pair *tmp);

/* Append one document: its id and its (term, weight) pairs, sorted by term with repeats merged
 * (tokens count up to tf; a vector's repeated key sums). dl = the number of pairs before merging
 * (terms after analysis; entries of a vector); the caller may overwrite l->dl[l->n_docs - 1]
 * afterwards (CIFF document lengths). pairs is reordered. l->id_off[0] must be 0 before the first. */
SPR_NODISCARD int spr_build_add_doc(spr_build_local *l, const char *id, size_t id_len, uint64_t line,
                                    spr_pair *pairs, size_t np);
/* spr_build_add_doc, told whether the pairs' terms are known to be all different (distinct): then
 * they are appended in the order given, neither sorted nor merged. */
SPR_NODISCARD int spr_build_add_doc_distinct(spr_build_local *l, const char *id, size_t id_len, uint64_t line,
                                             spr_pair *pairs, size_t np, int distinct);

/* Buffered files for the bounded-memory build's spills and runs (unlinked temporary files). */
typedef struct spr_wbuf { /* appends to a file through a buffer */
  int fd;
  const char *dir;
  char *b;
  size_t n, cap;
  uint64_t size; /* bytes appended (buffered ones included) */
} spr_wbuf;
/* A new temporary file in dir with a cap-byte buffer. */
SPR_NODISCARD int spr_wbuf_open(spr_wbuf *w, const char *dir, size_t cap);
SPR_NODISCARD int spr_wbuf_flush(spr_wbuf *w);
SPR_NODISCARD int spr_wbuf_put(spr_wbuf *w, const void *p, size_t n);
/* Closes the file (its space returns) and frees the buffer. */
void spr_wbuf_close(spr_wbuf *w);

typedef struct spr_rbuf { /* reads bytes [off, end) of a file through a buffer */
  int fd;
  char *b;
  size_t n, pos, cap;
  uint64_t off, end;
} spr_rbuf;
SPR_NODISCARD int spr_rbuf_open(spr_rbuf *r, int fd, uint64_t off, uint64_t end, size_t cap);
/* n bytes, or an error at the file's end. */
SPR_NODISCARD int spr_rbuf_get(spr_rbuf *r, void *dst, size_t n);
void spr_rbuf_close(spr_rbuf *r);
#endif /* SPR_DOCS_H */
