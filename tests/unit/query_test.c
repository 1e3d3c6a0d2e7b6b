/* Query preparation (shard/spr_query.h) without an index file: the quantization rule of
 * docs/queries.md on hand-checked cases, and spr_query_load + spr_query_terms against a small
 * vocabulary for every query format (text analyzed, JSON vectors, tokens on a vectors index),
 * repeats summed, absent terms dropped after quantization, ids sorted, and the errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_query.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

/* The quantization rule on hand-computed cases: weights in, u8 weights out. */
static void quantize_cases(void) {
  static const struct {
    const char *what;
    double w[4];
    uint32_t want[4];
  } cases[] = {
      {"integers in [1, 255] kept; zero and negative weigh 0", {1, 255, 0, -3}, {1, 255, 0, 0}},
      {"600:300 scaled by one factor (127.5 rounds half to even), never capped", {600, 300}, {255, 128}},
      {"a tiny weight next to a big one weighs 1, never 0", {3000, 1}, {255, 1}},
      {"one fractional weight scales the whole query", {0.5, 0.25}, {255, 128}},
      {"2.5:1", {2.5, 1}, {255, 102}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    spr_qraw t[4];
    uint32_t out[4];
    for (int i = 0; i < 4; i++) t[i] = (spr_qraw){"t", cases[c].w[i]};
    spr_query_quantize(t, 4, out);
    for (int i = 0; i < 4; i++)
      CHECKF(out[i] == cases[c].want[i], "%s: weight %d: %u, want %u", cases[c].what, i, out[i], cases[c].want[i]);
  }
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* The terms of query i as "id:w id:w". */
static void terms_text(const spr_qterm *t, const uint64_t *off, size_t i, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (uint64_t j = off[i]; j < off[i + 1] && n < cap; j++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%u:%u", j > off[i] ? " " : "", t[j].term, t[j].weight);
}

/* Load path against ix and render every query's terms, "|"-separated; returns the status. */
static int prepare(const char *path, const char *format, const spr_query_index *ix, char *buf, size_t cap) {
  spr_queries q = {0};
  spr_qterm *t = NULL;
  uint64_t *off = NULL;
  int rc = spr_query_load(path, format, ix, &q);
  if (rc == SPR_OK) {
    off = malloc((q.n + 1) * sizeof *off);
    rc = off ? spr_query_terms(ix, &q, &t, off) : SPR_ENOMEM;
  }
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; rc == SPR_OK && i < q.n && n < cap; i++) {
    char one[256];
    terms_text(t, off, i, one, sizeof one);
    n += (size_t)snprintf(buf + n, cap - n, "%s%s=%s", i ? "|" : "", q.qid[i], one);
  }
  free(t);
  free(off);
  spr_queries_free(&q);
  return rc;
}

int main(void) {
  quantize_cases();
  char dir[] = "/tmp/spr_query_testXXXXXX";
  if (!mkdtemp(dir)) return 1;
  char tsv[256], vec[256], buf[1024];
  snprintf(tsv, sizeof tsv, "%s/q.tsv", dir);
  snprintf(vec, sizeof vec, "%s/q.jsonl", dir);
  /* sorted vocabulary: apple=0 banana=1 cherry=2 run=3 */
  static const char words[] = "run\0apple\0cherry\0banana";
  spr_strlist terms = {0};
  CHECK(spr_strlist_from_concat(words, sizeof words, &terms) == SPR_OK);

  /* text, standard analyzer: lowercased words, repeats count, "the" and "durian" not in the index */
  CHECK(write_file(tsv, "q1\tRUN Apple, the apple\nq2\tcherry banana cherry durian\n") == 0);
  const spr_query_index text_ix = {.analyzer = "standard", .encoder = "bm25", .terms = &terms};
  CHECK(prepare(tsv, NULL, &text_ix, buf, sizeof buf) == SPR_OK);
  CHECK_STR(buf, "q1=0:2 3:1|q2=1:1 2:2");

  /* JSON vectors: exact match, repeated keys sum, scaling over every term (durian included) */
  CHECK(write_file(vec, "{\"id\": \"v1\", \"vector\": {\"cherry\": 100, \"apple\": 200, \"cherry\": 100}}\n"
                        "{\"id\": \"v2\", \"vector\": {\"banana\": 0.5, \"durian\": 2.0}}\n") == 0);
  const spr_query_index vec_ix = {.analyzer = "none", .encoder = "vectors", .terms = &terms};
  CHECK(prepare(vec, NULL, &vec_ix, buf, sizeof buf) == SPR_OK);
  CHECK_STR(buf, "v1=0:200 2:200|v2=1:64");

  /* TSV on a vectors index: pre-tokenized, a token repeated n times weighs n; case kept */
  CHECK(write_file(tsv, "t1\tapple apple run Apple\n") == 0);
  CHECK(prepare(tsv, NULL, &vec_ix, buf, sizeof buf) == SPR_OK);
  CHECK_STR(buf, "t1=0:2 3:1");
  CHECK(prepare(tsv, "tokens", &text_ix, buf, sizeof buf) == SPR_OK);
  CHECK_STR(buf, "t1=0:2 3:1");

  /* text queries cannot search an index of vectors unless tokenized: a text index given JSON is fine,
   * but analyzer "none" with text queries that stay text is an error */
  spr_queries q = {0};
  CHECK(write_file(tsv, "x1\tapple\n") == 0);
  CHECK(spr_queries_load_as(tsv, "tsv", &q) == SPR_OK);
  uint64_t off[2];
  spr_qterm *t = NULL;
  CHECK(spr_query_terms(&vec_ix, &q, &t, off) == SPR_EINVAL);
  CHECK(strstr(spr_last_message(), "pre-encoded vectors") != NULL);
  spr_queries_free(&q);
  /* a missing file is the reader's error */
  CHECK(prepare("/nonexistent/q.tsv", NULL, &text_ix, buf, sizeof buf) == SPR_EIO);

  spr_strlist_free(&terms);
  unlink(tsv);
  unlink(vec);
  rmdir(dir);
  return spr_check_summary("unit_query");
}
