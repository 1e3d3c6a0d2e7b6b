/* spr_build_read.h: a rank's reading of text and vector records for the index build
 * (mpi/spr_build_read.c). Not a public interface. */
#ifndef SPR_BUILD_READ_H
#define SPR_BUILD_READ_H
#include <stddef.h>
#include <stdint.h>

#include "spr_corpus.h"
#include "spr_docs.h"
#include "spr_index.h"
#include "spr_status.h"
#include "spr_vocab.h"

/* Local. Read the text or vector records of [begin, end) of corp into l with all OpenMP threads,
 * terms interned in voc: the same documents, term ids, skips and first error as one reader front to
 * back (mpi/spr_build_read.c). The range's first line is numbered first_line; 0 = not known: the
 * documents' lines are then numbered from 1 within the range (the caller shifts them), and an error
 * message counts the lines before begin to name the real one. show: print progress (in bytes).
 * skipped: SPR_SKIP_NREASONS counts, set; *n_lines: the lines of the range. */
SPR_NODISCARD int spr_build_read_records(const spr_build_params *p, spr_corpus *corp, uint64_t begin, uint64_t end,
                                         uint64_t first_line, int show, spr_vocab *voc, spr_build_local *l,
                                         uint64_t skipped[SPR_SKIP_NREASONS], uint64_t *n_lines);
#endif /* SPR_BUILD_READ_H */
