/* metrics_eval.c: the TREC readers and the spr_evaluate API on small hand-made files: trec_eval's
 * tie order, -M, -c, duplicates, malformed lines (FILE:LINE messages), JSON output. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_evaluate.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

static char dir[256];

static const char *write_file(const char *name, const char *text) {
  static char paths[16][300];
  static int next = 0;
  char *p = paths[next++ % 16];
  snprintf(p, 300, "%s/%s", dir, name);
  spr_test_write(p, text, strlen(text));
  return p;
}

static double all_of(const spr_eval_result *r, const char *m) {
  double v = NAN;
  if (spr_eval_result_all(r, m, &v) < 0) {
    fprintf(stderr, "all %s: %s\n", m, spr_last_message());
    spr_check_fail();
  }
  return v;
}

static double q_of(const spr_eval_result *r, const char *qid, const char *m) {
  double v = NAN;
  if (spr_eval_result_query(r, qid, m, &v) < 0) {
    fprintf(stderr, "query %s %s: %s\n", qid, m, spr_last_message());
    spr_check_fail();
  }
  return v;
}

static const char *qrels_text =
    "# comment line\n"
    "q1 0 d1 1\n"
    "q1 0 d2 2\n"
    "q1 0 d3 0\n"
    "\n"
    "q2 0 x 1\n"
    "q3 0 y 1\n";

static void test_ties_and_ranking(void) {
  const char *qrels = write_file("t.qrels", qrels_text);
  /* All q1 scores tie: trec_eval orders by docno descending (d3, d2, d1); rank column ignored.
   * q9 has no judgments and is ignored; q3 is missing from the run. */
  const char *run = write_file("t.run",
                               "q1 Q0 d1 1 5.0 tag\n"
                               "q1 Q0 d3 2 5.0 tag\n"
                               "q1\tQ0\td2\t3\t5\ttag extra fields ignored\r\n"
                               "q2 Q0 z 1 2.0 tag\n"
                               "q2 Q0 x 2 1.0 tag\n"
                               "q9 Q0 d1 1 1.0 tag");
  spr_eval_result *r = NULL;
  CHECK(spr_evaluate_files(qrels, run, "P@1,P.2,3,recip_rank,map,num_q,num_ret,num_rel", 0, &r) ==
        0);
  if (!r) return;
  CHECK(spr_eval_result_query_count(r) == 2);
  CHECK(!strcmp(spr_eval_result_qid(r, 0), "q1") && !strcmp(spr_eval_result_qid(r, 1), "q2"));
  CHECK_NEAR(q_of(r, "q1", "P_1"), 0.0); /* d3 first: grade 0 */
  CHECK_NEAR(q_of(r, "q1", "P_2"), 0.5);
  CHECK_NEAR(q_of(r, "q1", "recip_rank"), 0.5);
  CHECK_NEAR(q_of(r, "q1", "map"), (1.0 / 2 + 2.0 / 3) / 2);
  CHECK_NEAR(q_of(r, "q2", "recip_rank"), 0.5);
  CHECK_NEAR(all_of(r, "num_q"), 2);
  CHECK_NEAR(all_of(r, "num_ret"), 5);
  CHECK_NEAR(all_of(r, "num_rel"), 3);
  CHECK_NEAR(all_of(r, "MAP"), ((1.0 / 2 + 2.0 / 3) / 2 + 0.5) / 2);
  double v;
  CHECK(spr_eval_result_all(r, "nDCG@10", &v) == SPR_ENOTFOUND);
  CHECK(spr_eval_result_query(r, "q3", "map", &v) == SPR_ENOTFOUND);
  CHECK(spr_eval_result_metric_count(r) == 8);
  CHECK(!strcmp(spr_eval_result_metric_name(r, 0), "num_q"));
  CHECK(spr_eval_result_metric_is_integer(r, 1) && !spr_eval_result_metric_is_integer(r, 4));
  CHECK(!strcmp(spr_eval_result_run(r), run));

  /* Print format: trec_eval's bytes. */
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  CHECK(spr_eval_result_print(r, m, 1) == 0);
  fclose(m);
  CHECK(strstr(buf, "num_ret               \tq1\t3\n") != NULL);
  CHECK(strstr(buf, "P_2                   \tq1\t0.5000\n") != NULL);
  CHECK(strstr(buf, "num_q                 \tall\t2\n") != NULL);
  CHECK(strstr(buf, "num_q                 \tq1") == NULL);
  free(buf);
  spr_eval_result_free(&r);
  CHECK(r == NULL);
  spr_eval_result_free(&r);

  /* -c: q3 (judged, not retrieved) counts with zeros. */
  CHECK(spr_evaluate_files(qrels, run, "num_q,num_rel,num_ret,recip_rank", SPR_EVAL_COMPLETE, &r) ==
        0);
  if (r) {
    CHECK_NEAR(all_of(r, "num_q"), 3);
    CHECK_NEAR(all_of(r, "num_rel"), 4);
    CHECK_NEAR(all_of(r, "num_ret"), 5);
    CHECK_NEAR(all_of(r, "recip_rank"), (0.5 + 0.5 + 0.0) / 3);
    CHECK_NEAR(q_of(r, "q3", "num_ret"), 0);
  }
  spr_eval_result_free(&r);

  /* -M 1 cuts after ranking. */
  const spr_eval_options opt = {.metrics = "num_ret,recip_rank", .flags = 0, .max_per_query = 1};
  CHECK(spr_evaluate_files_opt(qrels, run, &opt, &r) == 0);
  if (r) {
    CHECK_NEAR(all_of(r, "num_ret"), 2);
    CHECK_NEAR(all_of(r, "recip_rank"), 0.0);
  }
  spr_eval_result_free(&r);
}

static void expect_fail(const char *qrels, const char *run, const char *metrics, int want_rc,
                        const char *want_msg) {
  spr_eval_result *r = NULL;
  const int rc = spr_evaluate_files(qrels, run, metrics, 0, &r);
  CHECK(rc == want_rc);
  CHECK(r == NULL);
  if (!strstr(spr_last_message(), want_msg)) {
    fprintf(stderr, "message '%s' lacks '%s'\n", spr_last_message(), want_msg);
    spr_check_fail();
  }
}

static void test_bad_input(void) {
  const char *qrels = write_file("b.qrels", qrels_text);
  const char *run = write_file("b.run", "q1 Q0 d1 1 1.0 t\n");
  char want[400];
  static const char dup_run[] = "q1 Q0 d1 1 3.0 t\nq1 Q0 d2 2 2.0 t\nq1 Q0 d1 3 1.0 t\n";

  /* Each file is broken in one way; the other file of the pair is the good one above. The message
   * must hold the file's path followed by `want`, or `want` anywhere when `anywhere`. */
  static const struct {
    const char *name, *text; /* a qrels file when the name ends in .qrels, else a run */
    int code, anywhere;
    const char *want;
  } bad[] = {
      {"b3.qrels", "q1 0 d1 1\nq1 0 d2\n", SPR_EPARSE, 0, ":2: malformed qrels line"},
      {"b5.qrels", "q1 0 d1 1\n\nq1 0 d2 1 extra\n", SPR_EPARSE, 0, ":3:"},
      {"bg.qrels", "q1 0 d1 high\n", SPR_EPARSE, 0, ":1: malformed qrels line: grade 'high'"},
      {"be.qrels", "# only a comment\n", SPR_EPARSE, 1, "no judgments"},
      {"b5.run", "q1 Q0 d1 1 1.0 t\nq1 Q0 d2 2 1.0\n", SPR_EPARSE, 0, ":2: malformed run line"},
      {"bs.run", "q1 Q0 d1 1 1.0 t\nq1 Q0 d2 2 high t\n", SPR_EPARSE, 0,
       ":2: malformed run line: score 'high'"},
      {"bn.run", "q1 Q0 d2 2 nan t\n", SPR_EPARSE, 1, ":1: malformed run line"},
      {"bd.run", dup_run, SPR_EINVAL, 0,
       ":3: duplicate document 'd1' for query 'q1' (first at line 1)"},
      {"bd.qrels", "q1 0 d1 1\nq2 0 x 1\nq1 0 d1 0\n", SPR_EINVAL, 0,
       ":3: duplicate judgment of document 'd1' for query 'q1'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *path = write_file(bad[i].name, bad[i].text);
    const int is_qrels = strstr(bad[i].name, ".qrels") != NULL;
    snprintf(want, sizeof want, "%s%s", bad[i].anywhere ? "" : path, bad[i].want);
    expect_fail(is_qrels ? path : qrels, is_qrels ? run : path, NULL, bad[i].code, want);
  }
  /* ...but not when -M cuts the duplicate away (trec_eval checks only what it uses). */
  const char *rd = write_file("bd.run", dup_run);
  spr_eval_result *r = NULL;
  const spr_eval_options opt = {.metrics = NULL, .flags = 0, .max_per_query = 2};
  CHECK(spr_evaluate_files_opt(qrels, rd, &opt, &r) == 0);
  spr_eval_result_free(&r);

  char missing[300];
  snprintf(missing, sizeof missing, "%s/does-not-exist.qrels", dir);
  snprintf(want, sizeof want, "%s: cannot open qrels file", missing);
  expect_fail(missing, run, NULL, SPR_EIO, want);
  const char *other = write_file("o.run", "zz Q0 d1 1 1.0 t\n");
  expect_fail(qrels, other, NULL, SPR_EINVAL, "no query of the run is judged");
  expect_fail(qrels, run, "map,bogus", SPR_EINVAL, "unknown measure 'bogus'");
  const char *empty = write_file("e.run", "");
  expect_fail(qrels, empty, NULL, SPR_EINVAL, "no query of the run is judged");
  CHECK(spr_evaluate_files(qrels, empty, NULL, SPR_EVAL_COMPLETE, &r) == 0);
  spr_eval_result_free(&r);
}

static void test_json(void) {
  const char *qrels = write_file("j.qrels", qrels_text);
  const char *run = write_file("j.run", "q1 Q0 d2 1 3.0 t\nq1 Q0 d1 2 2.0 t\nq2 Q0 z 1 1 t\n");
  spr_eval_result *r = NULL;
  CHECK(spr_evaluate_files(qrels, run, "map,num_ret,num_q,nDCG@3", 0, &r) == 0);
  if (!r) return;
  char out[300];
  snprintf(out, sizeof out, "%s/out.json", dir);
  const spr_eval_result *rs[2] = {r, r};
  CHECK(spr_eval_results_write_json(rs, 2, qrels, out) == 0);
  FILE *f = fopen(out, "rb");
  CHECK(f != NULL);
  if (!f) return;
  char buf[8192];
  const size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  cJSON *root = cJSON_Parse(buf);
  CHECK(root != NULL);
  const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
  CHECK(cJSON_GetArraySize(runs) == 2);
  const cJSON *r0 = cJSON_GetArrayItem(runs, 0);
  CHECK(!strcmp(cJSON_GetObjectItemCaseSensitive(r0, "run")->valuestring, run));
  const cJSON *all = cJSON_GetObjectItemCaseSensitive(r0, "all");
  double map = 0;
  CHECK(spr_eval_result_all(r, "map", &map) == 0);
  CHECK(cJSON_GetObjectItemCaseSensitive(all, "map")->valuedouble == map); /* bit-exact */
  CHECK(cJSON_GetObjectItemCaseSensitive(all, "num_q")->valuedouble == 2);
  const cJSON *pq = cJSON_GetObjectItemCaseSensitive(r0, "per_query");
  const cJSON *q1 = cJSON_GetObjectItemCaseSensitive(pq, "q1");
  CHECK(cJSON_GetObjectItemCaseSensitive(q1, "num_ret")->valuedouble == 2);
  CHECK(cJSON_GetObjectItemCaseSensitive(q1, "num_q") == NULL);
  double nd = 0;
  CHECK(spr_eval_result_query(r, "q1", "ndcg_cut_3", &nd) == 0);
  CHECK(cJSON_GetObjectItemCaseSensitive(q1, "ndcg_cut_3")->valuedouble == nd);
  CHECK(strstr(buf, "\"num_ret\":\t3") != NULL); /* counts print as integers */
  cJSON_Delete(root);
  /* Unwritable target: error, and no temporary left behind. */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/no-such-dir/out.json", dir);
  CHECK(spr_eval_results_write_json(rs, 1, NULL, bad) == SPR_EIO);
  spr_eval_result_free(&r);
  unlink(out);
}

/* Files larger than the reader's first 64 KiB buffer (its growth path). */
static void test_large_file(void) {
  char path[300];
  snprintf(path, sizeof path, "%s/big.run", dir);
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  for (int q = 0; q < 20; q++)
    for (int d = 0; d < 1000; d++)
      fprintf(f, "q%02d Q0 doc%05d %d %.6f some-long-run-tag\n", q, d, d + 1, 1000.0 - d);
  fclose(f);
  const char *qrels = write_file("big.qrels", "q00 0 doc00999 1\nq07 0 doc00000 3\n");
  spr_eval_result *r = NULL;
  CHECK(spr_evaluate_files(qrels, path, "num_ret,recip_rank", 0, &r) == 0);
  if (r) {
    CHECK_NEAR(all_of(r, "num_ret"), 2000);
    CHECK_NEAR(all_of(r, "recip_rank"), (1.0 / 1000 + 1.0) / 2);
  }
  spr_eval_result_free(&r);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/spr_metrics_eval.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_ties_and_ranking();
  test_bad_input();
  test_json();
  test_large_file();
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
  return spr_check_summary("metrics_eval");
}
