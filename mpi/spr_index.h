/* spr_index.h: build and open spire's index file (format version 3, docs/format.md).
 * Building is collective; reading is local or collective as stated. */
#ifndef SPR_INDEX_H
#define SPR_INDEX_H
#include <stdint.h>

#include "spr_coll.h"
#include "spr_bmp.h"
#include "spr_progress.h"
#include "spr_corpus.h"
#include "spr_model.h"
#include "spr_prune.h"
#include "spr_status.h"
#include "spr_topk.h"
#include "spr_vocab.h"

#define SPR_FORMAT_VERSION 3u        /* written */
#define SPR_FORMAT_VERSION_OLDEST 2u /* also read (docs/format.md, "Versions") */

typedef struct spr_build_params {
  const char *corpus;       /* borrowed */
  spr_corpus_format format;
  const char *encoder;      /* "auto" (by the corpus format), "bm25" or "vectors" */
  int vectors;              /* set by the build: 1 when the corpus holds pre-encoded vectors */
  const spr_model *model;  /* set by the build when encoder is a model folder (SPLADE) */
  const char *model_dir;    /* set by the build: the model folder, absolute */
  int max_length;           /* SPLADE: tokens per document, 0 = 512 */
  const char *precision;    /* SPLADE: "f32" (or NULL) or "int8" (shard/spr_bert_quant.h) */
  const spr_bert_weights *weights; /* set by the build: the model's weights at that precision */
  spr_corpus_policy policy; /* on_error = fail | skip, max_record_bytes (0 = the default) */
  const char *analyzer;     /* "english" | "standard" (text corpora) */
  double k1, b;
  int bits;                 /* impact bits, 1..8 */
  const char *output;       /* the index file; written as output.tmp then renamed */
  int zstd_level;           /* 0 = uncompressed */
  int block_size;           /* BMP block size in documents, 4..256 */
  int progress;             /* print progress lines (rank 0) */
  /* document reordering (docs/reorder.md) */
  const char *reorder;      /* NULL or "none": input order; "bp": recursive graph bisection */
  int bp_iterations;        /* BP: swap rounds per bisection, 0 = the default (20) */
  uint32_t bp_min_docs;     /* BP: do not bisect parts smaller than this, 0 = the default (block size) */
  /* static pruning (docs/pruning.md); 0 = off for each */
  uint32_t prune_top_terms; /* keep each document's N heaviest terms */
  double prune_min_weight;  /* drop postings whose weight (vectors, SPLADE) or BM25 score is below */
  uint32_t prune_list_max;  /* keep each term's M heaviest postings (ties: lower docid) */
  /* bounded memory (docs/memory.md) */
  uint64_t memory_budget;   /* bytes per rank for what grows with postings; 0 = hold everything in memory */
  const char *spill_dir;    /* temporary files of the bounded build; NULL = the output's folder */
} spr_build_params;

/* The static-pruning rules of p (shard/spr_prune.h). */
static inline spr_prune_rules spr_build_prune_rules(const spr_build_params *p) {
  return (spr_prune_rules){.min_weight = p->prune_min_weight, .top_terms = p->prune_top_terms,
                           .list_max = p->prune_list_max};
}

typedef struct spr_build_stats {
  uint64_t n_docs, n_terms, n_postings;
  double avgdl, score_max;
  int identity;             /* vectors' integer weights kept as impacts */
  double seconds;
  double t_read, t_dict, t_route, t_write, t_checksum; /* phases: read+encode, dictionary and
                                                           statistics, routing and BMP build, the
                                                           collective HDF5 write, checksums */
  double t_io;              /* of t_write: time inside the HDF5 writes and the close (the merge
                               proper: zstd filter + MPI-IO), without preparing the slices */
  uint64_t file_bytes;
  uint64_t skipped[SPR_SKIP_NREASONS]; /* records skipped by reason (on_error = skip), all ranks */
  uint64_t pruned_doc, pruned_list; /* postings removed by document-side and list-side pruning */
  double t_reorder;         /* of t_route: the reordering */
  double peak_rss_mib;      /* the largest rank's peak resident memory (getrusage), MiB */
} spr_build_stats;

/* Collective on c. Read the corpus by byte ranges; analyze and weight with BM25 from global
 * statistics, or take pre-encoded vectors; quantize; write one HDF5 index file whose contents do not
 * depend on the rank count. On failure no file is left at p->output (nor its temporary). */
SPR_NODISCARD int spr_index_build(const spr_comm *c, const spr_build_params *p, spr_build_stats *st);

/* Collective on c. Checksum every dataset of the closed file at path (the list of
 * mpi/spr_index_datasets.h; XXH3-64 of its elements as little-endian bytes; datasets dealt out to
 * ranks) and store each as the dataset's attribute "xxh3_64" (rank 0 annotates the file). The
 * values do not depend on the rank count. */
SPR_NODISCARD int spr_index_write_checksums(const spr_comm *c, const char *path);

/* ---------------------------------------------------------------- reading */
typedef struct spr_index spr_index;

typedef struct spr_index_info {
  uint64_t format_version, n_docs, n_terms, n_postings, bits;
  uint64_t block_size, n_blocks;
  double k1, b, avgdl, score_max;
  char encoder[32], analyzer[32];
  char quantization[128];
  char model[1024];         /* splade: the model folder the documents were encoded with */
  uint64_t max_length;      /* splade: document max length */
} spr_index_info;

/* Local. Open an index file, check its format version and read the header and the term list. */
SPR_NODISCARD int spr_index_open(const char *path, spr_index **out);
void spr_index_close(spr_index **ix);
const spr_index_info *spr_index_get_info(const spr_index *ix);
/* Sorted term list (borrowed; lives as long as ix). */
const spr_strlist *spr_index_terms(const spr_index *ix);
/* Local. Read the postings of term t whose docids lie in [lo, hi): *docs and *impacts are malloc'ed
 * (caller frees both), *n their length. Validates ascending docids < n_docs and non-zero impacts. */
SPR_NODISCARD int spr_index_read_postings(spr_index *ix, uint32_t t, uint32_t lo, uint32_t hi,
                                          uint32_t **docs, uint8_t **impacts, uint32_t *n);
/* Local. External id of every document (for writing runs): one allocation *ids (caller frees) with
 * n_docs NUL-terminated strings; *off (caller frees) gives each start. */
SPR_NODISCARD int spr_index_read_docids(spr_index *ix, char **ids, uint64_t **off);
/* Local. Per-document lengths (n_docs entries, caller frees). */
SPR_NODISCARD int spr_index_read_lengths(spr_index *ix, uint32_t **len);
/* The BMP structures of one block range, loaded from the file: view borrows the owned arrays. */
typedef struct spr_bmp_data {
  spr_bmp_index view;  /* local docids: doc_base + local = global docid */
  uint32_t doc_base;
  void *mem[12];       /* owned allocations behind the view */
} spr_bmp_data;
/* Local. Load blocks [blk_lo, blk_hi) (block = global docid / block_size): the postings whose
 * docids fall in the range are decoded from the posting lists (the skip list picks each term's codec
 * blocks; /postings/encoded is read in pieces of 32 MB), and the forward blocks and per-term block
 * maxima of the range are built from them. The result passes spr_bmp_index_check. */
SPR_NODISCARD int spr_index_load_bmp(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, spr_bmp_data *out);
void spr_bmp_data_free(spr_bmp_data *d);
/* Local. What spr_index_load_bmp + spr_bmp_accel_build (dense_div, major) + releasing the forward arrays and
 * block maxima give, without ever making them: the range's decoded postings go straight into the
 * acceleration (spr_bmp_accel_csr, kernels/spr_bmp.h), which checks them. The view has only the
 * acceleration, bm_off and kth (the accelerated search is the only one that applies). SPR_ECORRUPT
 * names the file and the blocks. prog (NULL: none) counts the terms read (n_terms units). */
SPR_NODISCARD int spr_index_load_bmp_accel(spr_index *ix, uint64_t blk_lo, uint64_t blk_hi, uint32_t dense_div,
                                           spr_bmp_major major, spr_progress *prog, spr_bmp_data *out);
/* The block range of rank r of P: equal contiguous shares of the blocks. */
void spr_index_block_range(const spr_index *ix, int r, int P, uint64_t *blk_lo, uint64_t *blk_hi);

/* Local. Recompute every dataset's checksum and compare with its "xxh3_64" attribute:
 * SPR_ECORRUPT naming the first dataset that differs. */
SPR_NODISCARD int spr_index_verify_checksums(spr_index *ix);
/* Local. Check every structural invariant of the file (offsets, sortedness, ranges, df, sorted
 * unique terms). Returns SPR_ECORRUPT with the first violation named. */
SPR_NODISCARD int spr_index_verify(spr_index *ix);
#endif /* SPR_INDEX_H */
