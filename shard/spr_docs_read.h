/* spr_docs_read.h: a rank's reading of text and vector records into its document store, shared
 * among its OpenMP threads (shard/spr_docs_read.c). Local: no MPI. */
#ifndef SPR_DOCS_READ_H
#define SPR_DOCS_READ_H
#include <stddef.h>
#include <stdint.h>

#include "spr_corpus.h"
#include "spr_docs.h"
#include "spr_status.h"
#include "spr_vocab.h"

/* What the reader needs of the build's settings. */
typedef struct spr_docs_read_opts {
  const char *label;        /* the corpus's name in messages (its path) */
  int vectors;              /* 1: vector records ({"id", "vector"}); 0: text records */
  const char *analyzer;     /* text: "english" or "standard" */
  spr_corpus_policy policy; /* bad records; max_record_bytes 0 = the default */
  uint64_t memory_budget;   /* bytes; 0 = unbounded (bounded: smaller batches in flight) */
} spr_docs_read_opts;

/* Local. Read the text or vector records of [begin, end) of corp into l with all OpenMP threads,
 * terms interned in voc: the same documents, term ids, skips and first error as one reader front to
 * back. The range's first line is numbered first_line; 0 = not known: the documents' lines are
 * then numbered from 1 within the range (the caller shifts them), and an error message counts the
 * lines before begin to name the real one. show: print progress (in bytes).
 * skipped: SPR_SKIP_NREASONS counts, set; *n_lines: the lines of the range. */
SPR_NODISCARD int spr_docs_read(const spr_docs_read_opts *o, spr_corpus *corp, uint64_t begin, uint64_t end,
                                uint64_t first_line, int show, spr_vocab *voc, spr_build_local *l,
                                uint64_t skipped[SPR_SKIP_NREASONS], uint64_t *n_lines);
#endif /* SPR_DOCS_READ_H */
