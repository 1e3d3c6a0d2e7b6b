/* queries_fuzz.c: fuzz target for the query reader spr_queries_load (shard/spr_corpus.h): TSV
 * `qid<TAB>text` or JSONL vector queries, read from a file. Input: the file's bytes.
 * Properties: no crash, over-read or leak; on success n >= 1, every qid and text is a string
 * (qid non-empty), and vector queries have offsets starting at 0, non-decreasing, with non-empty
 * terms and finite weights; on failure a negative code, a message and nothing to free.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into queries_replay
 * (fuzz_replay.c), which runs the committed corpus/queries under CTest. */
#include <math.h>

#include "fuzz_common.h"
#include "spr_corpus.h"

static volatile uint64_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_temp_file("queries", data, size);
  spr_queries q;
  memset(&q, 0, sizeof q);
  const int rc = spr_queries_load(path, &q);
  if (rc != 0) {
    FUZZ_CHECK(rc < 0 && spr_last_error()[0] != '\0');
    spr_queries_free(&q); /* must be harmless after a failure */
    return 0;
  }
  FUZZ_CHECK(q.n >= 1 && q.qid && q.text);
  for (size_t i = 0; i < q.n; i++) {
    FUZZ_CHECK(q.qid[i] && q.text[i] && q.qid[i][0] != '\0');
    fuzz_sink += strlen(q.qid[i]) + strlen(q.text[i]);
  }
  if (q.vectors) {
    FUZZ_CHECK(q.vec_off && q.vec_off[0] == 0);
    for (size_t i = 0; i < q.n; i++) {
      FUZZ_CHECK(q.vec_off[i] <= q.vec_off[i + 1]);
      FUZZ_CHECK(q.text[i][0] == '\0');
    }
    for (uint64_t j = 0; j < q.vec_off[q.n]; j++) {
      FUZZ_CHECK(q.vec_term[j] && q.vec_term[j][0] != '\0');
      FUZZ_CHECK(isfinite(q.vec_weight[j]) && q.vec_weight[j] > 0);
    }
  }
  spr_queries_free(&q);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_text_seed seeds[] = {
      {"tsv-valid", "q1\twing flutter\nq2\tlaminar boundary layer\n\nq3\tbuckling of shells"},
      {"tsv-crlf", "q1\twing\r\nq2\t\xc3\xa9t\xc3\xa9\r\n"},
      {"tsv-bad", "q1 no tab\n"},
      {"tsv-empty-text", "q1\t\n\tno id\n"},
      {"vectors-valid", "{\"id\": \"q0\", \"vector\": {\"##x29\": 0.427, \"tok184\": 2.828}}\n"
                        "{\"id\": 7, \"vector\": {\"a\": 1, \"b\": 0}}\n"},
      {"vectors-bad", "{\"id\": \"q0\", \"vector\": {\"a\": \"x\"}}\n"},
      {"vectors-mixed", "{\"id\": \"q0\", \"vector\": {\"a\": 1}}\nq1\ttext\n"},
      {"blank-only", "\n\n  \n"},
      {"empty", ""},
  };
  return fuzz_seed_texts(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
