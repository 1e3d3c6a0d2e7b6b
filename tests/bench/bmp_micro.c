/* bmp_micro: single-thread latency of the BMP kernel (kernels/spr_bmp.c; plain and accelerated by
 * spr_bmp_accel_build; the approximate rows use the accelerated index) against the exhaustive
 * kernel (spr_exhaustive_topk) on a synthetic SPLADE-like collection generated in memory:
 * 30,522 terms, about 120 non-zeros per document (80..160), documents clustered by topic in docid
 * order, 44-term queries drawn from a topic, u8 weights skewed low. Every BMP result at
 * alpha = beta = 1 is compared with the exhaustive one. Not a test (timings); docs/bmp.md.
 *   spr_bmp_micro [--docs N] [--queries Q] [--block B] [--topics T] [--seed X]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spr_bmp.h"
#include "spr_topk.h"

#define VOCAB 30522u
#define TOPIC_TERMS 400u
#define QTERMS 44u

static uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
typedef struct rng { uint64_t s; } rng;
static uint64_t next(rng *r) { return mix(r->s++); }
static double unif(rng *r) { return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0); }

/* Inverse-CDF tables for Zipf-like laws: P(rank r) ~ (r + 1.5)^-s, looked up by 16 random bits. */
static void zipf_table(uint32_t n, double s, uint32_t *tab, uint32_t tab_n) {
  double tot = 0;
  for (uint32_t r = 0; r < n; r++) tot += pow(r + 1.5, -s);
  double acc = 0;
  uint32_t r = 0;
  for (uint32_t i = 0; i < tab_n; i++) {
    const double target = (i + 0.5) / tab_n * tot;
    while (r + 1 < n && acc + pow(r + 1.5, -s) < target) acc += pow(r++ + 1.5, -s);
    tab[i] = r;
  }
}

typedef struct gen {
  uint64_t seed;
  uint32_t n_docs, topics;
  uint32_t *perm;        /* VOCAB: global popularity rank -> term */
  uint32_t *topic_terms; /* topics x TOPIC_TERMS */
  uint32_t *zg, *zt;     /* 65536-entry tables: global and topical laws */
  uint32_t *stamp;       /* VOCAB */
} gen;

static uint32_t topic_of(const gen *g, uint32_t d) { return (uint32_t)((uint64_t)d * g->topics / g->n_docs); }

/* Document d's distinct (term, impact) pairs, deterministic by (seed, d). Returns the count. */
static uint32_t gen_doc(gen *g, uint32_t d, uint32_t *terms, uint8_t *imps) {
  rng r = {mix(g->seed ^ ((uint64_t)d << 20))};
  const uint32_t nnz = 80 + (uint32_t)(next(&r) % 81), topic = topic_of(g, d);
  /* a secondary topic nearby in docid order gives smooth drift between clusters */
  const uint32_t topic2 = (topic + 1 + (uint32_t)(next(&r) % 3)) % g->topics;
  uint32_t n = 0;
  for (uint32_t tries = 0; n < nnz && tries < 4 * nnz; tries++) {
    const double u = unif(&r);
    uint32_t t;
    int topical = 1;
    if (u < 0.55)
      t = g->topic_terms[(size_t)topic * TOPIC_TERMS + g->zt[next(&r) & 0xFFFF]];
    else if (u < 0.65)
      t = g->topic_terms[(size_t)topic2 * TOPIC_TERMS + g->zt[next(&r) & 0xFFFF]];
    else {
      t = g->perm[g->zg[next(&r) & 0xFFFF]];
      topical = 0;
    }
    if (g->stamp[t] == d + 1) continue;
    g->stamp[t] = d + 1;
    const double v = unif(&r);
    terms[n] = t;
    imps[n] = (uint8_t)(1 + (topical ? 254.0 * v * v * v : 120.0 * v * v * v * v));
    n++;
  }
  return n;
}

static int cmp_dbl(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static void report(const char *name, double *t, uint32_t n, double base_mean) {
  double s = 0;
  for (uint32_t i = 0; i < n; i++) s += t[i];
  qsort(t, n, sizeof *t, cmp_dbl);
  const double mean = s / n;
  printf("  %-26s mean %8.3f ms  p50 %8.3f  p99 %8.3f  speedup %6.1fx\n", name, mean * 1e3, t[n / 2] * 1e3,
         t[(size_t)(n * 0.99) < n ? (size_t)(n * 0.99) : n - 1] * 1e3, base_mean > 0 ? base_mean / mean : 1.0);
}

int main(int argc, char **argv) {
  uint32_t n_docs = 1000000, nq = 200, bs = 32, topics = 0;
  uint64_t seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--docs")) n_docs = (uint32_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--queries")) nq = (uint32_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--block")) bs = (uint32_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--topics")) topics = (uint32_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed")) seed = (uint64_t)atoll(argv[i + 1]);
    else {
      fprintf(stderr, "usage: %s [--docs N] [--queries Q] [--block B] [--topics T] [--seed X]\n", argv[0]);
      return 2;
    }
  }
  if (!topics) topics = n_docs / 1000 < 10 ? 10 : n_docs / 1000;
  gen g = {seed, n_docs, topics, malloc(VOCAB * 4), malloc((size_t)topics * TOPIC_TERMS * 4), malloc(65536 * 4),
           malloc(65536 * 4), calloc(VOCAB, 4)};
  rng r = {mix(seed)};
  for (uint32_t i = 0; i < VOCAB; i++) g.perm[i] = i;
  for (uint32_t i = VOCAB - 1; i > 0; i--) {
    const uint32_t j = (uint32_t)(next(&r) % (i + 1)), t = g.perm[i];
    g.perm[i] = g.perm[j];
    g.perm[j] = t;
  }
  zipf_table(VOCAB, 1.0, g.zg, 65536);
  zipf_table(TOPIC_TERMS, 0.9, g.zt, 65536);
  /* topic vocabularies: mid-frequency terms (global ranks 200..30000), distinct within a topic */
  for (uint32_t t = 0; t < topics; t++)
    for (uint32_t i = 0; i < TOPIC_TERMS;) {
      const uint32_t term = g.perm[200 + (uint32_t)(next(&r) % (VOCAB - 722))];
      int dup = 0;
      for (uint32_t j = 0; j < i; j++) dup |= g.topic_terms[(size_t)t * TOPIC_TERMS + j] == term;
      if (!dup) g.topic_terms[(size_t)t * TOPIC_TERMS + i++] = term;
    }

  double t0 = now();
  uint32_t dt[256];
  uint8_t di[256];
  uint64_t *off = calloc(VOCAB + 1, 8);
  for (uint32_t d = 0; d < n_docs; d++) {
    const uint32_t n = gen_doc(&g, d, dt, di);
    for (uint32_t i = 0; i < n; i++) off[dt[i] + 1]++;
  }
  for (uint32_t t = 0; t < VOCAB; t++) off[t + 1] += off[t];
  const uint64_t np = off[VOCAB];
  uint32_t *docs = malloc(np * 4);
  uint8_t *imp = malloc(np);
  uint64_t *cur = malloc(VOCAB * 8);
  memcpy(cur, off, VOCAB * 8);
  memset(g.stamp, 0, VOCAB * 4);
  for (uint32_t d = 0; d < n_docs; d++) {
    const uint32_t n = gen_doc(&g, d, dt, di);
    for (uint32_t i = 0; i < n; i++) {
      docs[cur[dt[i]]] = d;
      imp[cur[dt[i]]++] = di[i];
    }
  }
  const double t_gen = now() - t0;

  t0 = now();
  uint64_t n_entries, n_post;
  if (spr_bmp_sizes(off, docs, VOCAB, n_docs, bs, &n_entries, &n_post)) {
    fprintf(stderr, "%s\n", spr_last_error());
    return 1;
  }
  const uint32_t nb = (n_docs + bs - 1) / bs;
  uint64_t *bm_off = malloc((VOCAB + 1) * 8), *fw_off = malloc((nb + 1) * 8ull), *fw_post_off = malloc((nb + 1) * 8ull);
  uint32_t *bm_block = malloc(n_entries * 4), *fw_term = malloc(n_entries * 4), *fw_start = malloc(n_entries * 4);
  uint16_t *fw_count = malloc(n_entries * 2);
  uint8_t *bm_max = malloc(n_entries), *fw_doc = malloc(np), *fw_imp = malloc(np), *kth = malloc(VOCAB * 3);
  void *fws = malloc(spr_bmp_forward_workspace_size(nb));
  if (spr_bmp_blockmax_build(off, docs, imp, VOCAB, bs, bm_off, bm_block, bm_max) ||
      spr_bmp_forward_build(off, docs, imp, VOCAB, n_docs, bs, fws, fw_off, fw_term, fw_start, fw_count, fw_post_off,
                            fw_doc, fw_imp)) {
    fprintf(stderr, "%s\n", spr_last_error());
    return 1;
  }
  for (uint32_t t = 0; t < VOCAB; t++) spr_bmp_kth(imp + off[t], (uint32_t)(off[t + 1] - off[t]), kth + 3 * t);
  const double t_build = now() - t0;
  spr_bmp_index ix = {.n_docs = n_docs, .n_terms = VOCAB, .block_size = bs, .n_blocks = nb, .bm_off = bm_off,
                      .bm_block = bm_block, .bm_max = bm_max, .fw_off = fw_off, .fw_term = fw_term,
                      .fw_start = fw_start, .fw_count = fw_count, .fw_post_off = fw_post_off, .fw_doc = fw_doc,
                      .fw_imp = fw_imp, .kth = kth};
  if (spr_bmp_index_check(&ix)) {
    fprintf(stderr, "%s\n", spr_last_error());
    return 1;
  }
  t0 = now();
  spr_bmp_index ixm[2] = {ix, ix}; /* the acceleration in each layout (spr_bmp_major) */
  size_t ax_size = 0;
  void *ax_buf[2];
  for (int major = 0; major < 2; major++) {
    const size_t sz = spr_bmp_accel_size(&ix, SPR_BMP_DENSE_DIV_DEFAULT, (spr_bmp_major)major);
    ax_buf[major] = malloc(sz);
    if (spr_bmp_accel_build(&ixm[major], SPR_BMP_DENSE_DIV_DEFAULT, (spr_bmp_major)major, ax_buf[major], sz)) {
      fprintf(stderr, "%s\n", spr_last_error());
      return 1;
    }
    ax_size += sz;
  }
  const double t_accel = now() - t0;
  printf("collection: %u docs, %u terms, %llu postings (%.1f/doc), %u topics; block %u: %u blocks, %llu "
         "(term, block) entries (%.2f postings each)\n",
         n_docs, VOCAB, (unsigned long long)np, (double)np / n_docs, topics, bs, nb, (unsigned long long)n_entries,
         (double)np / n_entries);
  printf("time: generate %.1f s, build block maxima + forward + kth %.1f s, acceleration %.2f s "
         "(%zu bytes, %u dense terms, %s)\n", t_gen, t_build, t_accel, ax_size, ixm[0].n_dense, spr_bmp_accel_isa());

  /* queries: 44 distinct terms, 75% from a topic, u8 weights skewed low */
  spr_qterm *qs = malloc((size_t)nq * QTERMS * sizeof *qs);
  memset(g.stamp, 0, VOCAB * 4);
  for (uint32_t q = 0; q < nq; q++) {
    const uint32_t topic = (uint32_t)(next(&r) % topics);
    for (uint32_t i = 0; i < QTERMS;) {
      const uint32_t t = unif(&r) < 0.75 ? g.topic_terms[(size_t)topic * TOPIC_TERMS + g.zt[next(&r) & 0xFFFF]]
                                         : g.perm[g.zg[next(&r) & 0xFFFF]];
      if (g.stamp[t] == q + 1) continue;
      g.stamp[t] = q + 1;
      const double v = unif(&r);
      qs[(size_t)q * QTERMS + i++] = (spr_qterm){t, 1 + (uint32_t)(254.0 * v * v)};
    }
  }
  static const uint32_t ks[2] = {10, 1000};
  double *te = malloc(nq * 8), *tb = malloc(nq * 8), *ta = malloc(nq * 8), *tc = malloc(nq * 8);
  double *tx = malloc(nq * 8);
  void *ews = malloc(spr_exhaustive_workspace_size(n_docs));
  const size_t ws1 = spr_bmp_workspace_size(&ix, 1000, QTERMS), ws2 = spr_bmp_workspace_size(&ixm[0], 1000, QTERMS) + spr_bmp_workspace_size(&ixm[1], 1000, QTERMS);
  void *bws = malloc(ws1 > ws2 ? ws1 : ws2);
  spr_hit *ho = malloc(1000 * sizeof(spr_hit)), *hb = malloc(1000 * sizeof(spr_hit));
  spr_plist pl[QTERMS];
  uint32_t *bnd = malloc((size_t)nb * 4);
  for (int ki = 0; ki < 2; ki++) {
    const uint32_t k = ks[ki];
    const spr_bmp_index *const pxa = &ixm[spr_bmp_major_for(k, bs)];
    spr_bmp_stats sbl = {0}, sax = {0};
    uint64_t need = 0, mism = 0, post_ex = 0, rec_hit[2] = {0, 0}, rec_tot = 0;
    for (uint32_t q = 0; q < nq; q++) {
      const spr_qterm *qq = qs + (size_t)q * QTERMS;
      for (uint32_t i = 0; i < QTERMS; i++) {
        const uint32_t t = qq[i].term;
        pl[i] = (spr_plist){docs + off[t], imp + off[t], (uint32_t)(off[t + 1] - off[t]), qq[i].weight};
        post_ex += pl[i].n;
      }
      double a = now();
      const int64_t ne = spr_exhaustive_topk(pl, QTERMS, 0, n_docs, k, ews, ho);
      te[q] = now() - a;
      const spr_bmp_params p = {k, 1.0, 1.0, 1};
      a = now();
      int64_t nbm = spr_bmp_search(&ix, qq, QTERMS, &p, 0, bws, hb, &sbl);
      tb[q] = now() - a;
      mism += nbm != ne || memcmp(hb, ho, (size_t)(ne > 0 ? ne : 0) * sizeof *ho) != 0;
      if (ne == k) { /* blocks whose bound reaches the final k-th score: what any exact BMP must score */
        memset(bnd, 0, (size_t)nb * 4);
        for (uint32_t i = 0; i < QTERMS; i++)
          for (uint64_t e = bm_off[qq[i].term]; e < bm_off[qq[i].term + 1]; e++) bnd[bm_block[e]] += qq[i].weight * bm_max[e];
        for (uint32_t b = 0; b < nb; b++) need += bnd[b] >= ho[k - 1].score;
      }
      a = now();
      nbm = spr_bmp_search(pxa, qq, QTERMS, &p, 0, bws, hb, &sax);
      tx[q] = now() - a;
      mism += nbm != ne || memcmp(hb, ho, (size_t)(ne > 0 ? ne : 0) * sizeof *ho) != 0;
      /* approximate: recall@min(k,10) of the exact top against the approximate list */
      const spr_bmp_params pa[2] = {{k, 0.9, 1.0, 1}, {k, 0.8, 0.5, 1}};
      double *tt[2] = {ta, tc};
      for (int v = 0; v < 2; v++) {
        a = now();
        const int64_t na = spr_bmp_search(pxa, qq, QTERMS, &pa[v], 0, bws, hb, NULL);
        tt[v][q] = now() - a;
        for (int64_t i = 0; i < ne && i < 10; i++)
          for (int64_t j = 0; j < na; j++) rec_hit[v] += hb[j].doc == ho[i].doc;
      }
      rec_tot += (uint64_t)(ne < 10 ? ne : 10);
    }
    printf("k = %u, %u queries of %u terms (exhaustive: %.0f postings/query); mismatches vs exhaustive: %llu\n", k,
           nq, QTERMS, (double)post_ex / nq, (unsigned long long)mism);
    double s = 0;
    for (uint32_t q = 0; q < nq; q++) s += te[q];
    const double emean = s / nq;
    report("exhaustive", te, nq, 0);
    report("bmp exact (blocks)", tb, nq, emean);
    printf("    blocks with bound >= final k-th score: %.0f per query\n", (double)need / nq);
    printf("    blocks scored %.0f (nonzero %.0f), postings scored %.0f per query\n", (double)sbl.blocks_scored / nq,
           (double)sbl.blocks_nonzero / nq, (double)sbl.postings_scored / nq);
    report("bmp exact (accelerated)", tx, nq, emean);
    printf("    blocks scored %.0f (nonzero %.0f), postings scored %.0f per query\n", (double)sax.blocks_scored / nq,
           (double)sax.blocks_nonzero / nq, (double)sax.postings_scored / nq);
    char name[64];
    snprintf(name, sizeof name, "alpha 0.9 (recall@10 %.3f)", (double)rec_hit[0] / (rec_tot ? rec_tot : 1));
    report(name, ta, nq, emean);
    snprintf(name, sizeof name, "a0.8 b0.5 (recall@10 %.3f)", (double)rec_hit[1] / (rec_tot ? rec_tot : 1));
    report(name, tc, nq, emean);
  }
  return 0;
}
