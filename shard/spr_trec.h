/* spr_trec.h: readers of TREC qrels (`qid iter docno grade`) and TREC run files
 * (`qid Q0 docno rank score tag`), with trec_eval 9.0.7's reading rules, and the writer of spire's
 * runs (the one place the run format is spelled).
 * Local (no MPI); reads whole files into memory. Not thread-safe on one object; distinct objects
 * may be used from distinct threads.
 *
 * Reading rules (trec_eval's, stricter where trec_eval silently misreads):
 * - fields are separated by blanks (space, tab, CR, VT, FF); lines end with LF;
 * - blank lines and lines whose first non-blank character is '#' are skipped;
 * - qrels: exactly 4 fields, iter ignored, grade a decimal integer (int32);
 * - runs: at least 6 fields (more are ignored), iter, rank and tag ignored, score a finite or
 *   infinite decimal number (NaN refused);
 * - a malformed line fails with SPR_EPARSE and the message "PATH:LINE: <what is wrong>";
 *   a missing or unreadable file with SPR_EIO "PATH: cannot open ...: <strerror>".
 * Topics are kept sorted by qid in strcmp order (trec_eval's evaluation order). */
#ifndef SPR_TREC_H
#define SPR_TREC_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spr_status.h"

/* One qrels line. qid and docno point into the owning spr_qrels' text (borrowed, lives as long as it). */
typedef struct spr_trec_judgment {
  const char *qid;
  const char *docno;
  int32_t grade;
  int64_t line; /* 1-based line number in the file */
} spr_trec_judgment;

/* One run line. qid and docno point into the owning spr_trec_run's text. */
typedef struct spr_trec_entry {
  const char *qid;
  const char *docno;
  double score;
  int64_t line; /* 1-based line number in the file */
} spr_trec_entry;

/* A topic: rows [begin, end) of the owning object's row array. qid borrowed like docno. */
typedef struct spr_trec_topic {
  const char *qid;
  size_t begin, end;
} spr_trec_topic;

/* Qrels: topics ascending by qid; each topic's judgments ascending by docno (strcmp), duplicates
 * kept (adjacent) so that the evaluator can report them the way trec_eval does (only for
 * topics it evaluates). */
typedef struct spr_qrels {
  char *path;                 /* owned copy of the file name */
  char *text;                 /* owned: the file, NUL-split into fields */
  spr_trec_judgment *rows;    /* owned, n_rows */
  size_t n_rows;
  spr_trec_topic *topics;     /* owned, n_topics */
  size_t n_topics;
} spr_qrels;

/* Run: topics ascending by qid; each topic's entries in trec_eval's ranking order: score
 * descending, ties by docno in reverse strcmp order, then by line (the rank column is ignored). */
typedef struct spr_trec_run {
  char *path;                 /* owned copy of the file name */
  char *text;                 /* owned: the file, NUL-split into fields */
  spr_trec_entry *rows;       /* owned, n_rows */
  size_t n_rows;
  spr_trec_topic *topics;     /* owned, n_topics */
  size_t n_topics;
} spr_trec_run;

/* Read a qrels file. *out is owned by the caller (free with spr_qrels_free). A file without any
 * judgment fails with SPR_EPARSE. Errors: SPR_EIO, SPR_EPARSE, SPR_ENOMEM, SPR_EINVAL. */
SPR_NODISCARD int spr_qrels_read(const char *path, spr_qrels **out);
/* Free and NULL *p; accepts NULL and *p == NULL. */
void spr_qrels_free(spr_qrels **p);

/* Read a run file. *out is owned by the caller (free with spr_trec_run_free). An empty file is a
 * valid run without topics. Errors: SPR_EIO, SPR_EPARSE, SPR_ENOMEM, SPR_EINVAL. */
SPR_NODISCARD int spr_trec_run_read(const char *path, spr_trec_run **out);
/* Free and NULL *p; accepts NULL and *p == NULL. */
void spr_trec_run_free(spr_trec_run **p);

/* Local. One run line, "qid Q0 docno rank score tag" (integer scores: spire's impact sums), as
 * spr_trec_run_read reads it. Returns fprintf's count, negative when the write failed. */
int spr_trec_run_write_line(FILE *f, const char *qid, const char *docno, uint32_t rank, uint32_t score,
                            const char *tag);

/* Index of the topic with this qid in a sorted topic array, or -1. Never fails. */
int64_t spr_trec_topic_find(const spr_trec_topic *topics, size_t n_topics, const char *qid);

#endif /* SPR_TREC_H */
