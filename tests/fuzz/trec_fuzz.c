/* trec_fuzz.c: fuzz target for the TREC readers (shard/spr_trec.h): qrels and run files.
 * Input: byte 0 = 0 (even) for qrels, odd for a run; then the file's bytes. Properties: no crash,
 * over-read or leak; on success the topics are sorted by qid (strcmp), unique, tile the rows, every
 * row's qid is its topic's, qrels rows ascend by docno within a topic, run rows are in trec_eval
 * order (score descending, ties by docno descending), line numbers are >= 1 and scores are not
 * NaN; on failure a negative code, a message, and *out NULL.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into trec_replay
 * (fuzz_replay.c), which runs the committed corpus/trec under CTest. */
#include <math.h>

#include "fuzz_common.h"
#include "spr_trec.h"

static void check_topics(const spr_trec_topic *t, size_t nt, size_t n_rows) {
  size_t next = 0;
  for (size_t i = 0; i < nt; i++) {
    FUZZ_CHECK(t[i].qid != NULL && t[i].begin == next && t[i].begin < t[i].end);
    next = t[i].end;
    if (i) FUZZ_CHECK(strcmp(t[i - 1].qid, t[i].qid) < 0);
    FUZZ_CHECK(spr_trec_topic_find(t, nt, t[i].qid) == (int64_t)i);
  }
  FUZZ_CHECK(next == n_rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *path = fuzz_temp_file("trec.txt", data + 1, size - 1);
  if (data[0] % 2 == 0) {
    spr_qrels *q = NULL;
    const int rc = spr_qrels_read(path, &q);
    if (rc != 0) {
      FUZZ_CHECK(rc < 0 && q == NULL && spr_last_error()[0] != '\0');
      return 0;
    }
    FUZZ_CHECK(q->n_rows >= 1);
    check_topics(q->topics, q->n_topics, q->n_rows);
    for (size_t i = 0; i < q->n_topics; i++)
      for (size_t r = q->topics[i].begin; r < q->topics[i].end; r++) {
        const spr_trec_judgment *j = &q->rows[r];
        FUZZ_CHECK(!strcmp(j->qid, q->topics[i].qid) && j->docno && j->line >= 1);
        if (r > q->topics[i].begin) FUZZ_CHECK(strcmp(q->rows[r - 1].docno, j->docno) <= 0);
      }
    spr_qrels_free(&q);
    FUZZ_CHECK(q == NULL);
  } else {
    spr_trec_run *run = NULL;
    const int rc = spr_trec_run_read(path, &run);
    if (rc != 0) {
      FUZZ_CHECK(rc < 0 && run == NULL && spr_last_error()[0] != '\0');
      return 0;
    }
    check_topics(run->topics, run->n_topics, run->n_rows);
    for (size_t i = 0; i < run->n_topics; i++)
      for (size_t r = run->topics[i].begin; r < run->topics[i].end; r++) {
        const spr_trec_entry *e = &run->rows[r];
        FUZZ_CHECK(!strcmp(e->qid, run->topics[i].qid) && e->docno && e->line >= 1);
        FUZZ_CHECK(!isnan(e->score));
        if (r > run->topics[i].begin) {
          const spr_trec_entry *p = &run->rows[r - 1];
          FUZZ_CHECK(p->score > e->score ||
                     (p->score == e->score && strcmp(p->docno, e->docno) >= 0));
        }
      }
    spr_trec_run_free(&run);
    FUZZ_CHECK(run == NULL);
  }
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_mode_seed seeds[] = {
      {"qrels-valid", 0, "q1 0 d1 1\nq1 0 d4 1\n# comment\n\nq2 0 d3 2\nq10\t0\td9\t-1\r\n"},
      {"qrels-dup", 0, "q1 0 d1 1\nq1 0 d1 2\n"},
      {"qrels-bad-grade", 0, "q1 0 d1 x\n"},
      {"qrels-fields", 0, "q1 0 d1\nq1 0 d1 1 extra\n"},
      {"qrels-overflow", 0, "q1 0 d1 99999999999\n"},
      {"qrels-empty", 0, "# only a comment\n"},
      {"run-valid", 1, "q1 Q0 d1 1 2.5 tag\nq1 Q0 d2 2 2.5 tag\nq2 Q0 d3 1 -inf tag extra\n"
                       "q1 Q0 d0 3 1e308 t\n"},
      {"run-nan", 1, "q1 Q0 d1 1 nan tag\n"},
      {"run-short", 1, "q1 Q0 d1 1 2.5\n"},
      {"run-empty", 1, ""},
      {"run-noeol", 1, "q1 Q0 d1 1 0x1p3 tag"},
  };
  return fuzz_seed_modes(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
