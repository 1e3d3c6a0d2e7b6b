/* bp_test.c: the recursive graph bisection kernel (kernels/spr_bp.h): a valid permutation, a lower
 * log-gap cost than the shuffled input order, the same order whatever the thread count, the helpers'
 * arithmetic, and parameter checks. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bp.h"
#include "spr_check.h"
#include "spr_test_util.h"

static int cmp_u32(const void *a, const void *b) {
  const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

typedef struct coll {
  uint64_t n;
  uint32_t T;
  uint64_t *off;
  uint32_t *terms;
} coll;

/* n documents in `clusters` topical clusters assigned at random (so docid order is shuffled): 16-40
 * distinct terms each, 70% from the cluster's 60 terms, 30% from the whole vocabulary. */
static coll make_coll(uint64_t n, uint32_t T, uint32_t clusters, uint64_t seed) {
  coll c = {.n = n, .T = T};
  c.off = malloc((n + 1) * sizeof *c.off);
  c.terms = malloc(n * 40 * sizeof *c.terms);
  c.off[0] = 0;
  for (uint64_t d = 0; d < n; d++) {
    const uint32_t cl = (uint32_t)(spr_test_splitmix(&seed) % clusters);
    const uint32_t want = 16 + (uint32_t)(spr_test_splitmix(&seed) % 25);
    uint32_t *t = c.terms + c.off[d];
    uint32_t m = 0;
    while (m < want) {
      uint32_t term;
      if (spr_test_splitmix(&seed) % 10 < 7) term = (uint32_t)((cl * 97u + spr_test_splitmix(&seed) % 60) % T);
      else term = (uint32_t)(spr_test_splitmix(&seed) % T);
      int dup = 0;
      for (uint32_t k = 0; k < m; k++) dup |= t[k] == term;
      if (!dup) t[m++] = term;
    }
    qsort(t, m, sizeof *t, cmp_u32);
    c.off[d + 1] = c.off[d] + m;
  }
  return c;
}

/* Sum over terms of log2 of the gaps between consecutive positions (first: position + 1). */
static double loggap_cost(const coll *c, const uint32_t *perm) {
  int64_t *last = malloc(c->T * sizeof *last);
  for (uint32_t t = 0; t < c->T; t++) last[t] = -1;
  double cost = 0;
  for (uint64_t j = 0; j < c->n; j++) {
    const uint32_t d = perm[j];
    for (uint64_t i = c->off[d]; i < c->off[d + 1]; i++) {
      cost += log2((double)((int64_t)j - last[c->terms[i]]));
      last[c->terms[i]] = (int64_t)j;
    }
  }
  free(last);
  return cost;
}

static int run(const spr_bp_params *p, const coll *c, int nth, uint32_t *perm) {
  const size_t ws = spr_bp_workspace_size(c->n, c->T, nth);
  void *w = malloc(ws ? ws : 8);
  const int rc = spr_bp_order(p, c->n, c->off, c->terms, c->T, perm, w, ws, nth);
  free(w);
  return rc;
}

static int is_perm(const uint32_t *perm, uint64_t n) {
  uint8_t *seen = calloc(n ? n : 1, 1);
  int ok = 1;
  for (uint64_t j = 0; j < n && ok; j++) {
    ok = perm[j] < n && !seen[perm[j]];
    if (ok) seen[perm[j]] = 1;
  }
  free(seen);
  return ok;
}

static int test_helpers(void) {
  double lg[16];
  spr_bp_log2_table(lg, 16);
  CHECK(lg[0] == 0 && lg[1] == 0 && lg[8] == 3, "log2 table");
  /* one term in 3 of 4 documents on side A and 1 of 4 on B: moving one from A to B evens it out */
  const double g = spr_bp_move_gain(3, 1, 4, 4, lg);
  const double before = 3 * log2(4.0 / 4) + 1 * log2(4.0 / 2), after = 2 * log2(4.0 / 3) + 2 * log2(4.0 / 3);
  CHECK(fabs(g - (before - after)) < 1e-12, "move gain %g vs %g", g, before - after);
  spr_bp_key k[4] = {{.gain = 1, .pos = 3}, {.gain = 2, .pos = 5}, {.gain = 1, .pos = 1}, {.gain = -1, .pos = 0}};
  spr_bp_keys_sort(k, 4);
  CHECK(k[0].pos == 5 && k[1].pos == 1 && k[2].pos == 3 && k[3].pos == 0, "key order (gain desc, pos asc)");
  CHECK(spr_bp_key_before(&k[1], &k[2]) && !spr_bp_key_before(&k[2], &k[1]), "key_before");
  spr_bp_key b[3] = {{.gain = 0.5}, {.gain = -0.5}, {.gain = -2}};
  CHECK(spr_bp_swap_count(k, 4, b, 3) == 2, "swap count %llu", (unsigned long long)spr_bp_swap_count(k, 4, b, 3));
  return 0;
}

static int test_tiny(void) {
  /* documents a b a | a b b over two disjoint term sets: the b on the left and the a on the right
   * swap, then no pair gains; parts of 3 are not bisected further */
  static const int kind[6] = {0, 1, 0, 0, 1, 1};
  uint64_t off[7];
  uint32_t terms[12];
  for (int d = 0; d < 6; d++) {
    off[d] = (uint64_t)d * 2;
    terms[2 * d] = kind[d] ? 2 : 0;
    terms[2 * d + 1] = kind[d] ? 3 : 1;
  }
  off[6] = 12;
  const coll c = {.n = 6, .T = 4, .off = off, .terms = terms};
  const spr_bp_params p = {.iterations = 20, .min_docs = 3};
  uint32_t perm[6];
  static const uint32_t want[6] = {0, 2, 3, 1, 4, 5};
  for (int nth = 1; nth <= 2; nth++) {
    CHECK(run(&p, &c, nth, perm) == SPR_OK, "tiny: %s", spr_last_error());
    CHECK(!memcmp(perm, want, sizeof want), "tiny (%d threads): %u %u %u %u %u %u", nth, perm[0], perm[1], perm[2],
          perm[3], perm[4], perm[5]);
  }
  return 0;
}

static int test_collection(uint64_t n, uint32_t min_docs, uint32_t iters) {
  const coll c = make_coll(n, 3000, 24, 42 + n);
  /* team_min_docs 64: the threads bisect the top parts together (phase 1), then one subtree each */
  const spr_bp_params p = {.iterations = iters, .min_docs = min_docs, .team_min_docs = 64};
  uint32_t *p1 = malloc(n * sizeof *p1), *p2 = malloc(n * sizeof *p2), *p3 = malloc(n * sizeof *p3);
  uint32_t *id = malloc(n * sizeof *id);
  for (uint64_t j = 0; j < n; j++) id[j] = (uint32_t)j;
  CHECK(run(&p, &c, 1, p1) == SPR_OK, "1 thread: %s", spr_last_error());
  CHECK(run(&p, &c, 2, p2) == SPR_OK, "2 threads: %s", spr_last_error());
  CHECK(run(&p, &c, 3, p3) == SPR_OK, "3 threads: %s", spr_last_error());
  CHECK(is_perm(p1, n), "n=%llu: not a permutation", (unsigned long long)n);
  CHECK(!memcmp(p1, p2, n * sizeof *p1), "n=%llu: 1 and 2 threads differ", (unsigned long long)n);
  CHECK(!memcmp(p1, p3, n * sizeof *p1), "n=%llu: 1 and 3 threads differ", (unsigned long long)n);
  const spr_bp_params pd = {.iterations = iters, .min_docs = min_docs}; /* default: no team phase here */
  CHECK(run(&pd, &c, 2, p2) == SPR_OK && !memcmp(p1, p2, n * sizeof *p1), "n=%llu: team size changes the order",
        (unsigned long long)n);
  const double before = loggap_cost(&c, id), after = loggap_cost(&c, p1);
  printf("n=%llu min_docs=%u iterations=%u: log-gap cost %.0f -> %.0f (%.2fx), %.2f -> %.2f bits/posting\n",
         (unsigned long long)n, min_docs, iters, before, after, before / after, before / (double)c.off[n],
         after / (double)c.off[n]);
  CHECK(after < 0.85 * before, "n=%llu: BP did not lower the log-gap cost (%.0f -> %.0f)", (unsigned long long)n,
        before, after);
  free(p1), free(p2), free(p3), free(id), free(c.off), free(c.terms);
  return 0;
}

static int test_errors(void) {
  uint64_t off[3] = {0, 1, 2};
  uint32_t terms[2] = {0, 5};
  uint32_t perm[2];
  const coll c = {.n = 2, .T = 4, .off = off, .terms = terms};
  spr_bp_params p = {.iterations = 1, .min_docs = 1};
  CHECK(run(&p, &c, 1, perm) == SPR_EINVAL, "term out of range accepted");
  terms[1] = 3;
  p.iterations = 0;
  CHECK(run(&p, &c, 1, perm) == SPR_EINVAL, "0 iterations accepted");
  p.iterations = 1;
  CHECK(run(&p, &c, 1, perm) == SPR_OK && is_perm(perm, 2), "2 documents");
  const coll one = {.n = 1, .T = 4, .off = off, .terms = terms};
  CHECK(run(&p, &one, 2, perm) == SPR_OK && perm[0] == 0, "1 document");
  void *w = malloc(8);
  CHECK(spr_bp_order(&p, 2, off, terms, 4, perm, w, 8, 1) == SPR_EINVAL, "small workspace accepted");
  free(w);
  return 0;
}

int main(void) {
  int f = 0;
  f |= test_helpers();
  f |= test_tiny();
  f |= test_errors();
  f |= test_collection(3000, 32, 20);
  f |= test_collection(5001, 1, 8); /* odd sizes down to parts of 1 */
  f |= test_collection(777, 64, 1);
  if (!f) printf("bp: all checks passed\n");
  return f;
}
