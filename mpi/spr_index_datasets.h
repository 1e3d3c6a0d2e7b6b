/* spr_index_datasets.h: every dataset of the index file, declared once (docs/format.md).
 * The list below is the only place a dataset's path and element type are spelled: the writers
 * (mpi/spr_build_write.c, for the in-memory and bounded builds alike), the reader and verifier
 * (mpi/spr_index_read.c), the checksums and the test that docs/format.md lists exactly these
 * datasets with these types (tests/unit/format_doc_test.c) all take them from here.
 * Not a public interface (mpi/ and its tests). */
#ifndef SPR_INDEX_DATASETS_H
#define SPR_INDEX_DATASETS_H
#include <stdint.h>

#include "spr_h5.h"
#include "spr_status.h"

/* X(ID, path, element type, presence, hashed on open)
 * - element type: U8, U32 or U64 (SPR_H5_<type>; little-endian on disk);
 * - presence: ALWAYS (in every file of formats 2 and 3), REORDER (only in an index built with
 *   --reorder bp), FORMAT2 (only format 2 wrote it; this spire neither writes nor reads it, but
 *   `inspect --verify` checks its checksum when present);
 * - hashed on open: 1 if spr_index_open checks its XXH3-64 (the datasets that grow with the terms,
 *   the documents or the codec blocks, not with the postings themselves: docs/reliability.md).
 * Every dataset present carries its checksum attribute (spr_index_write_checksums). The order is
 * the order of the checksum pass and of `inspect --verify`. */
#define SPR_INDEX_DATASETS(X)                                          \
  X(DOCS_IDS, "/docs/ids", U8, ALWAYS, 1)                              \
  X(DOCS_ID_OFFSETS, "/docs/id_offsets", U64, ALWAYS, 1)               \
  X(DOCS_LENGTH, "/docs/length", U32, ALWAYS, 1)                       \
  X(TERMS_BYTES, "/terms/bytes", U8, ALWAYS, 1)                        \
  X(TERMS_OFFSETS, "/terms/offsets", U64, ALWAYS, 1)                   \
  X(TERMS_DF, "/terms/df", U32, ALWAYS, 1)                             \
  X(TERMS_MAX_IMPACT, "/terms/max_impact", U8, ALWAYS, 1)              \
  X(TERMS_KTH_IMPACT, "/terms/kth_impact", U8, ALWAYS, 1)              \
  X(TERMS_POSTING_OFFSETS, "/terms/posting_offsets", U64, ALWAYS, 1)   \
  X(TERMS_POSTING_BLOCKS, "/terms/posting_blocks", U64, ALWAYS, 1)     \
  X(POSTINGS_ENCODED, "/postings/encoded", U8, ALWAYS, 0)              \
  X(POSTINGS_BLOCK_OFFSETS, "/postings/block_offsets", U64, ALWAYS, 1) \
  X(POSTINGS_BLOCK_LAST, "/postings/block_last", U32, ALWAYS, 1)       \
  X(BLOCKMAX_OFFSETS, "/blockmax/offsets", U64, FORMAT2, 0)            \
  X(BLOCKMAX_BLOCKS, "/blockmax/blocks", U32, FORMAT2, 0)              \
  X(BLOCKMAX_MAX, "/blockmax/max", U8, FORMAT2, 0)                     \
  X(FORWARD_BLOCK_OFFSETS, "/forward/block_offsets", U64, FORMAT2, 0)  \
  X(FORWARD_POSTING_OFFSETS, "/forward/posting_offsets", U64, FORMAT2, 0) \
  X(FORWARD_TERMS, "/forward/terms", U32, FORMAT2, 0)                  \
  X(FORWARD_COUNTS_MINUS_1, "/forward/counts_minus_1", U8, FORMAT2, 0) \
  X(FORWARD_DOCS, "/forward/docs", U8, FORMAT2, 0)                     \
  X(FORWARD_IMPACTS, "/forward/impacts", U8, FORMAT2, 0)               \
  X(DOCS_INPUT_DOCID, "/docs/input_docid", U32, REORDER, 1)

#define SPR_DS_CHECKSUM_ATTR "xxh3_64" /* every dataset's checksum attribute */

/* One constant per dataset: SPR_DS_DOCS_IDS, ... in the list's order. */
typedef enum spr_ds {
#define SPR_DS_ENUM_(id, path, type, presence, open_hash) SPR_DS_##id,
  SPR_INDEX_DATASETS(SPR_DS_ENUM_)
#undef SPR_DS_ENUM_
  SPR_DS_COUNT
} spr_ds;

typedef enum spr_ds_presence { SPR_DS_PRESENCE_ALWAYS, SPR_DS_PRESENCE_REORDER, SPR_DS_PRESENCE_FORMAT2 } spr_ds_presence;

typedef struct spr_index_dataset {
  const char *name;         /* its path in the file */
  spr_h5_type type;         /* its element type on disk, and the one it is read and written as */
  spr_ds_presence presence;
  int optional;             /* presence != ALWAYS: ask whether it exists before reading it */
  int open_hash;            /* spr_index_open checks its checksum */
} spr_index_dataset;

/* The list, indexed by spr_ds (SPR_DS_COUNT entries; static storage). */
extern const spr_index_dataset spr_index_dataset_table[SPR_DS_COUNT];
static inline const char *spr_ds_name(spr_ds d) { return spr_index_dataset_table[d].name; }

/* spr_h5_write / spr_h5_write_fd / spr_h5_read / spr_h5_len / spr_h5_exists / spr_h5_hash on
 * dataset d, with its path and element type (collectiveness and errors as theirs, mpi/spr_h5.h). */
SPR_NODISCARD int spr_ds_write(spr_h5_writer *w, spr_ds d, uint64_t total, uint64_t offset, uint64_t count,
                               const void *data);
SPR_NODISCARD int spr_ds_write_fd(spr_h5_writer *w, spr_ds d, uint64_t total, uint64_t offset, uint64_t count, int fd,
                                  uint64_t foff);
SPR_NODISCARD int spr_ds_read(spr_h5_reader *r, spr_ds d, uint64_t offset, uint64_t count, void *out);
SPR_NODISCARD int64_t spr_ds_len(spr_h5_reader *r, spr_ds d);
SPR_NODISCARD int spr_ds_exists(spr_h5_reader *r, spr_ds d);
SPR_NODISCARD int spr_ds_hash(spr_h5_reader *r, spr_ds d, uint64_t *hash);
#endif /* SPR_INDEX_DATASETS_H */
