/* metrics_kernel.c: spr_metrics on hand-computed cases (values worked out on paper from
 * trec_eval's definitions), measure-name parsing, slot naming and lookup. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spr_metrics.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

static double value_of(const spr_measure_set *s, const double *v, const char *name) {
  const int64_t slot = spr_measure_set_find(s, name);
  if (slot < 0) {
    fprintf(stderr, "measure %s not found: %s\n", name, spr_last_message());
    spr_check_fail();
    return NAN;
  }
  return v[slot];
}

static void test_basic_query(void) {
  spr_measure_set s;
  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add_list(&s, "map,recip_rank,RR@1,RR@2,P.2,5,recall.5,ndcg_cut.1,5,"
                                     "num_q,num_ret,num_rel,num_rel_ret") == 0);
  /* Ranking: nonpool, rel 1, judged 0, rel 2, nonpool. Qrels grades {1, 2, 0, 3}. */
  const int32_t ranked[] = {SPR_METRICS_NONPOOL, 1, 0, 2, SPR_METRICS_NONPOOL};
  const int32_t ideal[] = {3, 2, 1};
  const spr_metrics_query q = {ranked, 5, ideal, 3, 3, 1};
  double v[64];
  CHECK(spr_measure_set_size(&s) == 13);
  CHECK(spr_metrics_compute(&s, &q, v) == 0);
  CHECK_NEAR(value_of(&s, v, "map"), (1.0 / 2 + 2.0 / 4) / 3);
  CHECK_NEAR(value_of(&s, v, "recip_rank"), 0.5);
  CHECK_NEAR(value_of(&s, v, "recip_rank_1"), 0.0);
  CHECK_NEAR(value_of(&s, v, "RR@2"), 0.5);
  CHECK_NEAR(value_of(&s, v, "P_2"), 0.5);
  CHECK_NEAR(value_of(&s, v, "P@5"), 0.4);
  CHECK_NEAR(value_of(&s, v, "recall_5"), 2.0 / 3);
  CHECK_NEAR(value_of(&s, v, "ndcg_cut_1"), 0.0);
  /* dcg = 1/log2(3) + 2/log2(5); idcg = 3/log2(2) + 2/log2(3) + 1/log2(4). */
  CHECK_NEAR(value_of(&s, v, "nDCG@5"),
             (1.0 / log2(3.0) + 2.0 / log2(5.0)) / (3.0 + 2.0 / log2(3.0) + 0.5));
  CHECK_NEAR(value_of(&s, v, "num_q"), 1);
  CHECK_NEAR(value_of(&s, v, "num_ret"), 5);
  CHECK_NEAR(value_of(&s, v, "num_rel"), 3);
  CHECK_NEAR(value_of(&s, v, "num_rel_ret"), 2);
}

static void test_discount_and_cut_beyond_ranking(void) {
  spr_measure_set s;
  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add(&s, "ndcg_cut.2,10") == 0);
  CHECK(spr_measure_set_add(&s, "P.10") == 0);
  /* Ranking grades 1,1 of ideal 2,1,1: dcg@2 = 1 + 1/log2(3), idcg@2 = 2 + 1/log2(3). */
  const int32_t ranked[] = {1, 1};
  const int32_t ideal[] = {2, 1, 1};
  const spr_metrics_query q = {ranked, 2, ideal, 3, 3, 1};
  double v[8];
  CHECK(spr_metrics_compute(&s, &q, v) == 0);
  CHECK_NEAR(value_of(&s, v, "ndcg_cut_2"), (1.0 + 1.0 / log2(3.0)) / (2.0 + 1.0 / log2(3.0)));
  CHECK_NEAR(value_of(&s, v, "ndcg_cut_10"), (1.0 + 1.0 / log2(3.0)) / (2.0 + 1.0 / log2(3.0) + 0.5));
  CHECK_NEAR(value_of(&s, v, "P_10"), 0.2); /* missing ranks count as non-relevant */
}

static void test_empty_and_unjudged(void) {
  spr_measure_set s;
  spr_measure_set_default(&s);
  double v[64];
  const spr_metrics_query empty = {NULL, 0, NULL, 0, 0, 1};
  CHECK(spr_metrics_compute(&s, &empty, v) == 0);
  for (size_t i = 0; i < spr_measure_set_size(&s); i++) {
    spr_measure f;
    CHECK(spr_measure_set_slot(&s, i, &f, NULL) == 0);
    CHECK_NEAR(v[i], f == SPR_MEASURE_NUM_Q ? 1.0 : 0.0);
  }
  /* Negative grades (judged "unjudged") and grade 0 are never relevant. */
  const int32_t ranked[] = {-1, 0, -2};
  const spr_metrics_query q = {ranked, 3, NULL, 0, 0, 1};
  CHECK(spr_metrics_compute(&s, &q, v) == 0);
  CHECK_NEAR(value_of(&s, v, "map"), 0.0);
  CHECK_NEAR(value_of(&s, v, "recall_10"), 0.0);
  CHECK_NEAR(value_of(&s, v, "ndcg_cut_10"), 0.0);
  CHECK_NEAR(value_of(&s, v, "num_ret"), 3.0);
  /* Inconsistent input is refused. */
  const int32_t bad_ideal[] = {1, 2};
  const spr_metrics_query bad = {ranked, 3, bad_ideal, 2, 2, 1};
  CHECK(spr_metrics_compute(&s, &bad, v) == SPR_EINVAL);
  const int32_t rel[] = {1};
  const spr_metrics_query bad2 = {rel, 1, NULL, 0, 0, 1};
  CHECK(spr_metrics_compute(&s, &bad2, v) == SPR_EINVAL);
}

static void test_average(void) {
  spr_measure_set s;
  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add_list(&s, "num_q,num_rel,map") == 0);
  double acc[3] = {0, 0, 0};
  const double q1[3] = {1, 4, 0.5}, q2[3] = {1, 2, 0.25};
  spr_metrics_accumulate(&s, q1, acc);
  spr_metrics_accumulate(&s, q2, acc);
  spr_metrics_finalize(&s, 2, acc);
  CHECK_NEAR(acc[0], 2);
  CHECK_NEAR(acc[1], 6); /* counts are sums */
  CHECK_NEAR(acc[2], 0.375);
}

static void names_of(const spr_measure_set *s, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < spr_measure_set_size(s); i++) {
    char b[SPR_METRICS_NAME_MAX];
    CHECK(spr_measure_set_name(s, i, b, sizeof b) > 0);
    if (i) strncat(out, " ", cap - strlen(out) - 1);
    strncat(out, b, cap - strlen(out) - 1);
  }
}

static void test_parsing(void) {
  char names[1024];
  spr_measure_set s;
  /* The MEASURES file of the golden data, printed in trec_eval's order. */
  spr_measure_set_clear(&s);
  const char *const golden[] = {"map", "ndcg_cut.10,20,100", "recip_rank", "P.5,10,20",
                                "recall.10,100,1000", "num_rel_ret", "num_ret", "num_rel",
                                "num_q"};
  for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++)
    CHECK(spr_measure_set_add(&s, golden[i]) == 0);
  names_of(&s, names, sizeof names);
  CHECK(!strcmp(names, "num_q num_ret num_rel num_rel_ret map recip_rank P_5 P_10 P_20 "
                       "recall_10 recall_100 recall_1000 ndcg_cut_10 ndcg_cut_20 ndcg_cut_100"));
  spr_measure_set d;
  spr_measure_set_default(&d);
  CHECK(!memcmp(&s, &d, sizeof s));

  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add_list(&s, "nDCG@10,MAP,RR@10,P@10,R@100,recall@1000,mrr") == 0);
  names_of(&s, names, sizeof names);
  CHECK(!strcmp(names, "map recip_rank recip_rank_10 P_10 recall_100 recall_1000 ndcg_cut_10"));

  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add(&s, "P") == 0);
  CHECK(spr_measure_set_add(&s, "P.7,5") == 0); /* merged, sorted, unique */
  names_of(&s, names, sizeof names);
  CHECK(!strcmp(names, "P_5 P_7 P_10 P_15 P_20 P_30 P_100 P_200 P_500 P_1000"));
  CHECK(spr_measure_set_add(&s, "map.ignored") == 0); /* trec_eval ignores scalar params */

  const char *const bad[] = {"foo", "P.0", "P.x", "P.", "P@", "nDCG@-1", "ndcg@1x", "Map.5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    spr_measure_set before = s;
    CHECK(spr_measure_set_add(&s, bad[i]) == SPR_EINVAL);
    CHECK(!memcmp(&before, &s, sizeof s));
    CHECK(strstr(spr_last_message(), bad[i]) != NULL);
  }
  spr_measure_set_clear(&s);
  CHECK(spr_measure_set_add_list(&s, "map,10") == SPR_EINVAL);
  CHECK(spr_measure_set_add_list(&s, "10") == SPR_EINVAL);
  CHECK(spr_measure_set_add_list(&s, "map,,P.5") == SPR_EINVAL);
  spr_measure_set_clear(&s);
  char many[512] = "P.1";
  for (int i = 2; i <= 40; i++) snprintf(many + strlen(many), sizeof many - strlen(many), ",%d", i);
  CHECK(spr_measure_set_add(&s, many) == SPR_ENOSPACE);
  CHECK(spr_measure_set_add_list(&s, many) == SPR_ENOSPACE);

  spr_measure_set_default(&s);
  CHECK(spr_measure_set_find(&s, "ndcg_cut_10") == 12);
  CHECK(spr_measure_set_find(&s, "nDCG@10") == 12);
  CHECK(spr_measure_set_find(&s, "ndcg_cut.10") == 12);
  CHECK(spr_measure_set_find(&s, "MAP") == 4);
  CHECK(spr_measure_set_find(&s, "P@7") == SPR_ENOTFOUND);
  CHECK(spr_measure_set_find(&s, "RR@10") == SPR_ENOTFOUND);
  CHECK(spr_measure_set_find(&s, "P.5,10") == SPR_EINVAL);
  CHECK(spr_measure_set_find(&s, "bogus") == SPR_EINVAL);
  CHECK(spr_measure_set_is_integer(&s, 0) && spr_measure_set_is_integer(&s, 3));
  CHECK(!spr_measure_set_is_integer(&s, 4));
  char tiny[3];
  CHECK(spr_measure_set_name(&s, 12, tiny, sizeof tiny) == SPR_ENOSPACE);
  CHECK(spr_measure_set_name(&s, 99, tiny, sizeof tiny) == SPR_EINVAL);
}

int main(void) {
  test_basic_query();
  test_discount_and_cut_beyond_ranking();
  test_empty_and_unjudged();
  test_average();
  test_parsing();
  return spr_check_summary("metrics_kernel");
}
