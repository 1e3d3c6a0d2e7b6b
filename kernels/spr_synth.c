/* spr_synth.c: the known-item synthetic collection generator (see spr_synth.h for the model).
 * Every document and query owns an independent PRNG stream keyed by (seed, kind, index), which is
 * what lets any number of threads or ranks produce the same bytes. The PRNG is xoshiro256**
 * seeded through splitmix64 (Vigna); both are tiny and have no global state. */
#include "spr_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPR_SYNTH_WORD_MAX 8u      /* letters of the longest word (4 syllables; vocab <= 1e6) */
#define SPR_SYNTH_TITLE_MAX 8u     /* title words */
#define SPR_SYNTH_QUERY_MAX 7u     /* 6 document words + 1 noise word */
#define SPR_SYNTH_STOP_BASE 0xFFFFFF00u /* token word ids >= this are stop words */

/* Token mix (fractions of text tokens) and query noise. Tuned so that BM25 (k1 0.9, b 0.4) reaches
 * MRR about 0.86 / 0.77 / 0.73 on 1k / 5k / 20k documents: hard enough to rank systems. */
#define SPR_SYNTH_P_STOP 0.15    /* text tokens that are English stop words */
#define SPR_SYNTH_P_TOPIC 0.45   /* non-stop tokens from the document's topics (else background) */
#define SPR_SYNTH_P_PRIMARY 0.8  /* topical tokens from the primary topic (else the secondary) */
#define SPR_SYNTH_P_SWAP 0.35    /* each query word but one: swapped for a word not in the doc */
#define SPR_SYNTH_P_NOISE 0.3    /* queries that get one extra word not in the document */
#define SPR_SYNTH_RARITY 0.3     /* query word sampling weight = p(word)^-RARITY */

enum { SPR_SYNTH_TAG_DOC = 1, SPR_SYNTH_TAG_QUERY = 2, SPR_SYNTH_TAG_TOPIC = 3 };

static const char spr_synth_cons[] = "bdfghklmnprstvz"; /* 15 */
static const char spr_synth_vow[] = "aeiou";            /* 5 */
static const char spr_synth_fin[] = "aou";              /* 3: word ends that Porter never strips */
static const char *const spr_synth_stop[] = {"the", "of", "and", "in", "to", "a",
                                             "is",  "for", "with", "on", "as", "by"};
#define SPR_SYNTH_NSTOP (sizeof spr_synth_stop / sizeof spr_synth_stop[0])

typedef struct spr_synth_tok {
  uint32_t word; /* word id, or SPR_SYNTH_STOP_BASE + k for stop word k */
  uint32_t pad;
  double prob;   /* estimated corpus probability of the word (rarity proxy) */
} spr_synth_tok;

typedef struct spr_synth_rng {
  uint64_t s[4];
} spr_synth_rng;

static uint64_t spr_synth_mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static uint64_t spr_synth_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void spr_synth_rng_init(spr_synth_rng *r, uint64_t seed, uint64_t tag, uint64_t index) {
  uint64_t x = spr_synth_mix64(seed ^ spr_synth_mix64(tag * 0xD1B54A32D192ED03ull + index));
  for (int k = 0; k < 4; k++) {
    x = spr_synth_mix64(x);
    r->s[k] = x;
  }
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* the one forbidden state */
}

static uint64_t spr_synth_next(spr_synth_rng *r) {
  uint64_t *const s = r->s;
  const uint64_t result = spr_synth_rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = spr_synth_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, 1). */
static double spr_synth_unif(spr_synth_rng *r) {
  return (double)(spr_synth_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n >= 1 (modulo bias below 2^-24 for n < 2^40: irrelevant here). */
static uint64_t spr_synth_below(spr_synth_rng *r, uint64_t n) { return spr_synth_next(r) % n; }

/* Zipf-like rank in [0, n) with exponent s >= 1: the continuous power law x^-s on [1, n+1) sampled
 * by inversion and floored, so P(r) = F(r+2) - F(r+1), about (r+1.5)^-s. No tables needed. */
static double spr_synth_zipf_cdf(double x, uint32_t n, double s) {
  if (s == 1.0) return log(x) / log((double)n + 1.0);
  return (1.0 - pow(x, 1.0 - s)) / (1.0 - pow((double)n + 1.0, 1.0 - s));
}

static uint32_t spr_synth_zipf(spr_synth_rng *r, uint32_t n, double s) {
  const double u = spr_synth_unif(r);
  double x;
  if (s == 1.0)
    x = exp(u * log((double)n + 1.0));
  else
    x = pow(1.0 - u * (1.0 - pow((double)n + 1.0, 1.0 - s)), 1.0 / (1.0 - s));
  uint64_t k = (uint64_t)x;
  k = k >= 1 ? k - 1 : 0;
  return k >= n ? n - 1 : (uint32_t)k;
}

static double spr_synth_zipf_prob(uint32_t rank, uint32_t n, double s) {
  return spr_synth_zipf_cdf((double)rank + 2.0, n, s) - spr_synth_zipf_cdf((double)rank + 1.0, n, s);
}

void spr_synth_params_init(spr_synth_params *p, uint64_t ndocs, uint64_t nqueries, uint64_t seed) {
  memset(p, 0, sizeof *p);
  p->seed = seed;
  p->ndocs = ndocs;
  p->nqueries = nqueries;
  p->vocab = 30000;
  p->topics = 0;
  p->topic_words = 2000;
  p->min_len = 20;
  p->max_len = 300;
  p->zipf = 1.0;
}

/* The checks both profiles share: collection sizes and vocabulary. */
static int spr_synth_check_sizes(uint64_t ndocs, uint64_t nqueries, uint32_t vocab) {
  if (ndocs < 1) return SPR_FAIL(SPR_EINVAL, "synth: the number of documents must be >= 1");
  if (ndocs > 999999999999ull)
    return SPR_FAIL(SPR_EINVAL, "synth: too many documents (%llu)", (unsigned long long)ndocs);
  if (nqueries > 999999999999ull)
    return SPR_FAIL(SPR_EINVAL, "synth: too many queries (%llu)", (unsigned long long)nqueries);
  if (vocab < SPR_SYNTH_VOCAB_MIN || vocab > SPR_SYNTH_VOCAB_MAX)
    return SPR_FAIL(SPR_EINVAL, "synth: vocabulary size %u not in [%u, %u]", vocab,
                    SPR_SYNTH_VOCAB_MIN, SPR_SYNTH_VOCAB_MAX);
  return SPR_OK;
}

int spr_synth_params_check(const spr_synth_params *p) {
  if (!p) return SPR_FAIL(SPR_EINVAL, "synth: no parameters");
  const int rc = spr_synth_check_sizes(p->ndocs, p->nqueries, p->vocab);
  if (rc < 0) return rc;
  if (p->topics > SPR_SYNTH_TOPICS_MAX)
    return SPR_FAIL(SPR_EINVAL, "synth: %u topics is more than %u", p->topics, SPR_SYNTH_TOPICS_MAX);
  if (p->topic_words < 10 || p->topic_words > p->vocab / 2)
    return SPR_FAIL(SPR_EINVAL, "synth: words per topic %u not in [10, vocab/2 = %u]",
                    p->topic_words, p->vocab / 2);
  if (p->min_len < 1 || p->max_len < p->min_len || p->max_len > SPR_SYNTH_LEN_MAX)
    return SPR_FAIL(SPR_EINVAL, "synth: document lengths [%u, %u] invalid (1 <= min <= max <= %u)",
                    p->min_len, p->max_len, SPR_SYNTH_LEN_MAX);
  if (!(p->zipf >= 1.0 && p->zipf <= 3.0))
    return SPR_FAIL(SPR_EINVAL, "synth: Zipf exponent %g not in [1, 3]", p->zipf);
  return SPR_OK;
}

uint32_t spr_synth_topics(const spr_synth_params *p) {
  if (p->topics) return p->topics;
  uint64_t t = (uint64_t)sqrt((double)p->ndocs);
  if (t < 4) t = 4;
  if (t > 400) t = 400;
  return (uint32_t)t;
}

size_t spr_synth_title_bound(const spr_synth_params *p) {
  (void)p;
  return (size_t)SPR_SYNTH_TITLE_MAX * (SPR_SYNTH_WORD_MAX + 1) + 1;
}

size_t spr_synth_text_bound(const spr_synth_params *p) {
  return (size_t)p->max_len * (SPR_SYNTH_WORD_MAX + 1) + 1;
}

size_t spr_synth_query_bound(const spr_synth_params *p) {
  (void)p;
  return (size_t)SPR_SYNTH_QUERY_MAX * (SPR_SYNTH_WORD_MAX + 1) + 1;
}

/* Two token arrays: the document's tokens and the query candidates. */
size_t spr_synth_workspace_size(const spr_synth_params *p) {
  return 2 * ((size_t)p->max_len + SPR_SYNTH_TITLE_MAX) * sizeof(spr_synth_tok);
}

void spr_synth_doc_id(uint64_t i, char *dst, size_t cap) {
  snprintf(dst, cap, "d%07llu", (unsigned long long)(i + 1));
}

void spr_synth_query_id(uint64_t q, char *dst, size_t cap) {
  snprintf(dst, cap, "q%06llu", (unsigned long long)(q + 1));
}

/* Words with k syllables: 75^(k-1) * 45 (the last syllable ends in a, o or u). Ids are assigned
 * to the 2-syllable class first, so frequent (small) ids are short words. Within a class an affine
 * permutation (7919 is coprime to 3 and 5) scatters consecutive ids over the alphabet. */
size_t spr_synth_word(uint32_t w, char *dst, size_t cap) {
  uint64_t j = w, n = 75 * 45;
  int k = 2;
  while (j >= n) {
    j -= n;
    n *= 75;
    k++;
  }
  j = (j * 7919u + 104729u) % n;
  char buf[32];
  size_t len = 0;
  const uint64_t last = j % 45;
  j /= 45;
  for (int s = 0; s < k - 1; s++) {
    const uint64_t syl = j % 75;
    j /= 75;
    buf[len++] = spr_synth_cons[syl / 5];
    buf[len++] = spr_synth_vow[syl % 5];
  }
  buf[len++] = spr_synth_cons[last / 3];
  buf[len++] = spr_synth_fin[last % 3];
  if (cap == 0) return len;
  const size_t ncopy = len < cap - 1 ? len : cap - 1;
  memcpy(dst, buf, ncopy);
  dst[ncopy] = '\0';
  return len;
}

/* Word id of rank r in topic t: spread over the rarer part of the vocabulary. */
static uint32_t spr_synth_topic_word(const spr_synth_params *p, uint32_t t, uint32_t r) {
  const uint32_t lo = p->vocab / 50;
  const uint64_t h = spr_synth_mix64(p->seed ^ spr_synth_mix64(
                                                   ((uint64_t)SPR_SYNTH_TAG_TOPIC << 56) ^
                                                   ((uint64_t)t * p->topic_words + r)));
  return lo + (uint32_t)(h % (p->vocab - lo));
}

typedef struct spr_synth_docgen {
  uint32_t ntitle, ntext;
  uint32_t topic1, topic2;
} spr_synth_docgen;

static spr_synth_tok spr_synth_topic_tok(const spr_synth_params *p, spr_synth_rng *r,
                                         const spr_synth_docgen *g, double ntopics) {
  const int primary = spr_synth_unif(r) < SPR_SYNTH_P_PRIMARY;
  const uint32_t t = primary ? g->topic1 : g->topic2;
  const uint32_t rank = spr_synth_zipf(r, p->topic_words, p->zipf);
  spr_synth_tok tok = {0};
  tok.word = spr_synth_topic_word(p, t, rank);
  tok.prob = (1.0 - SPR_SYNTH_P_STOP) *
                 ((1.0 - SPR_SYNTH_P_TOPIC) * spr_synth_zipf_prob(tok.word, p->vocab, p->zipf) +
                  SPR_SYNTH_P_TOPIC * spr_synth_zipf_prob(rank, p->topic_words, p->zipf) / ntopics);
  return tok;
}

/* The tokens of document i: ntitle title tokens then ntext text tokens. toks has room for
 * max_len + SPR_SYNTH_TITLE_MAX. */
static void spr_synth_gen_doc(const spr_synth_params *p, uint64_t i, spr_synth_tok *toks,
                              spr_synth_docgen *g) {
  spr_synth_rng r;
  spr_synth_rng_init(&r, p->seed, SPR_SYNTH_TAG_DOC, i);
  const uint32_t nt = spr_synth_topics(p);
  g->topic1 = (uint32_t)spr_synth_below(&r, nt);
  g->topic2 = (uint32_t)spr_synth_below(&r, nt);
  if (g->topic2 == g->topic1) g->topic2 = (g->topic1 + 1) % nt;
  g->ntitle = 3 + (uint32_t)spr_synth_below(&r, SPR_SYNTH_TITLE_MAX - 2);
  const double u = spr_synth_unif(&r);
  g->ntext = p->min_len + (uint32_t)((double)(p->max_len - p->min_len + 1) * u * u);
  if (g->ntext > p->max_len) g->ntext = p->max_len;
  uint32_t n = 0;
  for (uint32_t k = 0; k < g->ntitle; k++) toks[n++] = spr_synth_topic_tok(p, &r, g, nt);
  for (uint32_t k = 0; k < g->ntext; k++) {
    const double v = spr_synth_unif(&r);
    spr_synth_tok tok = {0};
    if (v < SPR_SYNTH_P_STOP) {
      tok.word = SPR_SYNTH_STOP_BASE + (uint32_t)spr_synth_below(&r, SPR_SYNTH_NSTOP);
    } else if (v < SPR_SYNTH_P_STOP + (1.0 - SPR_SYNTH_P_STOP) * SPR_SYNTH_P_TOPIC) {
      tok = spr_synth_topic_tok(p, &r, g, nt);
    } else {
      tok.word = spr_synth_zipf(&r, p->vocab, p->zipf);
      tok.prob = (1.0 - SPR_SYNTH_P_STOP) * (1.0 - SPR_SYNTH_P_TOPIC) *
                 spr_synth_zipf_prob(tok.word, p->vocab, p->zipf);
    }
    toks[n++] = tok;
  }
}

/* Append the spelling of token word w (and a separating space unless first) to dst. */
static int spr_synth_put(uint32_t w, char *dst, size_t cap, size_t *len) {
  char buf[32];
  size_t n;
  if (w >= SPR_SYNTH_STOP_BASE) {
    const char *s = spr_synth_stop[w - SPR_SYNTH_STOP_BASE];
    n = strlen(s);
    memcpy(buf, s, n + 1);
  } else {
    n = spr_synth_word(w, buf, sizeof buf);
  }
  const size_t sep = *len ? 1 : 0;
  if (*len + sep + n + 1 > cap)
    return SPR_FAIL(SPR_ENOSPACE, "synth: output buffer of %zu bytes too small", cap);
  if (sep) dst[(*len)++] = ' ';
  memcpy(dst + *len, buf, n);
  *len += n;
  dst[*len] = '\0';
  return SPR_OK;
}

static int spr_synth_check_work(const spr_synth_params *p, const void *work, size_t work_size) {
  SPR_TRY(spr_synth_params_check(p));
  if (!work || work_size < spr_synth_workspace_size(p))
    return SPR_FAIL(SPR_EINVAL, "synth: workspace of %zu bytes, need %zu", work_size,
                    spr_synth_workspace_size(p));
  return SPR_OK;
}

int64_t spr_synth_doc(const spr_synth_params *p, uint64_t i, void *work, size_t work_size,
                      char *title, size_t title_cap, char *text, size_t text_cap) {
  SPR_TRY(spr_synth_check_work(p, work, work_size));
  if (i >= p->ndocs)
    return SPR_FAIL(SPR_EINVAL, "synth: document %llu out of range", (unsigned long long)i);
  if (title_cap == 0 || text_cap == 0) return SPR_FAIL(SPR_ENOSPACE, "synth: zero-sized buffer");
  spr_synth_tok *toks = work;
  spr_synth_docgen g;
  spr_synth_gen_doc(p, i, toks, &g);
  size_t tl = 0, xl = 0;
  title[0] = '\0';
  text[0] = '\0';
  for (uint32_t k = 0; k < g.ntitle; k++) SPR_TRY(spr_synth_put(toks[k].word, title, title_cap, &tl));
  for (uint32_t k = 0; k < g.ntext; k++)
    SPR_TRY(spr_synth_put(toks[g.ntitle + k].word, text, text_cap, &xl));
  return (int64_t)xl;
}

static int spr_synth_cmp_tok(const void *a, const void *b) {
  const spr_synth_tok *x = a, *y = b;
  if (x->word != y->word) return x->word < y->word ? -1 : 1;
  /* equal words: larger probability first, so dedupe keeps the max */
  return (x->prob < y->prob) - (x->prob > y->prob);
}

static int spr_synth_has_word(const spr_synth_tok *c, uint32_t n, uint32_t w) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (c[mid].word < w)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && c[lo].word == w;
}

/* A word not in the document (cand: its sorted distinct words): half the time from its primary
 * topic, else from the background law. Returns 0 if 16 draws all hit the document. */
static int spr_synth_noise_word(const spr_synth_params *p, spr_synth_rng *r,
                                const spr_synth_docgen *g, const spr_synth_tok *cand, uint32_t nu,
                                uint32_t *out) {
  const int topical = spr_synth_unif(r) < 0.5;
  for (int attempt = 0; attempt < 16; attempt++) {
    const uint32_t w = topical ? spr_synth_topic_word(p, g->topic1,
                                                      spr_synth_zipf(r, p->topic_words, p->zipf))
                               : spr_synth_zipf(r, p->vocab, p->zipf);
    if (!spr_synth_has_word(cand, nu, w)) {
      *out = w;
      return 1;
    }
  }
  return 0;
}

int64_t spr_synth_query(const spr_synth_params *p, uint64_t q, void *work, size_t work_size,
                        uint64_t *doc, char *text, size_t text_cap) {
  SPR_TRY(spr_synth_check_work(p, work, work_size));
  if (q >= p->nqueries)
    return SPR_FAIL(SPR_EINVAL, "synth: query %llu out of range", (unsigned long long)q);
  if (text_cap == 0) return SPR_FAIL(SPR_ENOSPACE, "synth: zero-sized buffer");
  spr_synth_rng r;
  spr_synth_rng_init(&r, p->seed, SPR_SYNTH_TAG_QUERY, q);
  const uint64_t d = spr_synth_below(&r, p->ndocs);
  spr_synth_tok *toks = work;
  spr_synth_tok *cand = toks + p->max_len + SPR_SYNTH_TITLE_MAX;
  spr_synth_docgen g;
  spr_synth_gen_doc(p, d, toks, &g);

  /* Distinct non-stop words of the document, sorted by id, each with its largest estimate. */
  uint32_t nc = 0;
  for (uint32_t k = 0; k < g.ntitle + g.ntext; k++)
    if (toks[k].word < SPR_SYNTH_STOP_BASE) cand[nc++] = toks[k];
  qsort(cand, nc, sizeof *cand, spr_synth_cmp_tok);
  uint32_t nu = 0;
  for (uint32_t k = 0; k < nc; k++)
    if (nu == 0 || cand[nu - 1].word != cand[k].word) cand[nu++] = cand[k];
  SPR_ASSERT(nu >= 1); /* titles have >= 3 topical words */

  /* Rarity weights; reuse the document token array for them (no longer needed). */
  double *weight = (double *)(void *)toks;
  for (uint32_t k = 0; k < nu; k++) weight[k] = pow(cand[k].prob, -SPR_SYNTH_RARITY);

  uint32_t words[SPR_SYNTH_QUERY_MAX];
  uint32_t m = 2 + (uint32_t)spr_synth_below(&r, 5);
  if (m > nu) m = nu;
  for (uint32_t s = 0; s < m; s++) { /* weighted sampling without replacement */
    double total = 0;
    for (uint32_t k = 0; k < nu; k++) total += weight[k];
    double x = spr_synth_unif(&r) * total;
    uint32_t pick = nu;
    for (uint32_t k = 0; k < nu; k++) {
      if (weight[k] <= 0) continue;
      pick = k;
      if (x < weight[k]) break;
      x -= weight[k];
    }
    SPR_ASSERT(pick < nu);
    words[s] = cand[pick].word;
    weight[pick] = 0;
  }
  /* Misremembered words: each document word but one may be swapped for a word not in it. */
  uint32_t kept = m;
  for (uint32_t k = 0; k < m; k++) {
    uint32_t w;
    if (kept > 1 && spr_synth_unif(&r) < SPR_SYNTH_P_SWAP &&
        spr_synth_noise_word(p, &r, &g, cand, nu, &w)) {
      words[k] = w;
      kept--;
    }
  }
  uint32_t nw = m;
  uint32_t extra;
  if (spr_synth_unif(&r) < SPR_SYNTH_P_NOISE && spr_synth_noise_word(p, &r, &g, cand, nu, &extra)) {
    const uint32_t at = (uint32_t)spr_synth_below(&r, nw + 1);
    for (uint32_t k = nw; k > at; k--) words[k] = words[k - 1];
    words[at] = extra;
    nw++;
  }
  size_t len = 0;
  text[0] = '\0';
  for (uint32_t k = 0; k < nw; k++) SPR_TRY(spr_synth_put(words[k], text, text_cap, &len));
  if (doc) *doc = d;
  return (int64_t)len;
}

/* ---------------------------------------------------------------------------------------------
 * The "splade" profile. Documents draw distinct terms from four sources (cluster topic list,
 * domain list, frequent terms, whole vocabulary) and give each a log-normal u8 weight; queries
 * mix terms of a source document with terms of its cluster and noise. Every list entry and every
 * cluster boundary is a hash of (seed, tag, key), so nothing is tabulated. */

enum {
  SPR_SYNTH_TAG_SDOC = 4,
  SPR_SYNTH_TAG_SQUERY = 5,
  SPR_SYNTH_TAG_BOUNDARY = 6,
  SPR_SYNTH_TAG_CLIST = 7,
  SPR_SYNTH_TAG_DLIST = 8
};

/* Document term sources (fractions of draws) and log-normal weight medians per source. */
#define SPR_SYNTH_S_CLUSTER 0.40
#define SPR_SYNTH_S_DOMAIN 0.15
#define SPR_SYNTH_S_COMMON 0.10 /* the rest (0.35): Zipf over the whole vocabulary */
#define SPR_SYNTH_W_CLUSTER 14.0
#define SPR_SYNTH_W_DOMAIN 10.0
#define SPR_SYNTH_W_COMMON 6.0
#define SPR_SYNTH_W_BACKGROUND 8.0
#define SPR_SYNTH_W_SIGMA 1.0 /* of the log weight */
/* Queries: fraction of terms taken from the source document (normal / inference-free), and how
 * the other terms split between cluster list, domain list and noise. */
#define SPR_SYNTH_Q_DOC 0.35
#define SPR_SYNTH_Q_DOC_IF 0.60
#define SPR_SYNTH_Q_CLUSTER 0.60
#define SPR_SYNTH_Q_DOMAIN 0.25 /* the rest (0.15): noise */
#define SPR_SYNTH_DOMAIN_CLUSTERS 32u /* a domain spans 32 x cluster_docs docids */

/* WordPiece-looking spelling: syllable = onset + nucleus + optional coda. Nuclei are vowel runs
 * and onsets and codas single consonants, so a spelling parses back into its syllables in one
 * way only; with an injective index -> syllables map, distinct ids give distinct tokens. */
static const char spr_synth_onset[] = "bcdfghjklmnprstvwyz"; /* 19 */
static const char *const spr_synth_nucleus[] = {"a", "e", "i", "o", "u", "ai",
                                                "ea", "ee", "io", "ou", "oo"}; /* 11 */
static const char spr_synth_coda[] = "nrstlmdkgp"; /* 10, plus the empty coda */
#define SPR_SYNTH_NSYL (19u * 11u * 11u)                     /* 2299 syllables */

static size_t spr_synth_syllable(uint64_t s, char *buf) {
  size_t n = 0;
  const uint64_t coda = s % 11, nuc = (s / 11) % 11, on = s / 121;
  buf[n++] = spr_synth_onset[on];
  for (const char *v = spr_synth_nucleus[nuc]; *v; v++) buf[n++] = *v;
  if (coda) buf[n++] = spr_synth_coda[coda - 1];
  return n;
}

/* Scatter j over [0, n) (7919 is prime and divides none of the class sizes used). */
static uint64_t spr_synth_scatter(uint64_t j, uint64_t n) { return (j * 7919u + 104729u) % n; }

/* Syllable word of class index j: 1 syllable for j < 2299, then 2, then 3. */
static size_t spr_synth_syllables(uint64_t j, char *buf) {
  uint64_t n = SPR_SYNTH_NSYL;
  int k = 1;
  while (j >= n && k < 3) {
    j -= n;
    n *= SPR_SYNTH_NSYL;
    k++;
  }
  j = spr_synth_scatter(j, n);
  size_t len = 0;
  for (int s = 0; s < k; s++) {
    len += spr_synth_syllable(j % SPR_SYNTH_NSYL, buf + len);
    j /= SPR_SYNTH_NSYL;
  }
  return len;
}

size_t spr_synth_wordpiece(uint32_t t, char *dst, size_t cap) {
  char buf[32];
  size_t len = 0;
  if (t % 5 == 4) { /* continuation piece: a letter, a vowel-initial syllable, or syllables */
    uint64_t j = t / 5;
    buf[len++] = '#';
    buf[len++] = '#';
    if (j < 26) {
      buf[len++] = (char)('a' + spr_synth_scatter(j, 26));
    } else if (j < 26 + 110) {
      const uint64_t s = spr_synth_scatter(j - 26, 110);
      for (const char *v = spr_synth_nucleus[s / 10]; *v; v++) buf[len++] = *v;
      buf[len++] = spr_synth_coda[s % 10];
    } else {
      len += spr_synth_syllables(j - 136, buf + len);
    }
  } else {
    len = spr_synth_syllables((uint64_t)(t / 5) * 4 + t % 5, buf);
  }
  if (cap == 0) return len;
  const size_t ncopy = len < cap - 1 ? len : cap - 1;
  memcpy(dst, buf, ncopy);
  dst[ncopy] = '\0';
  return len;
}

void spr_synth_splade_init(spr_synth_splade_params *p, uint64_t ndocs, uint64_t nqueries,
                           uint64_t seed) {
  memset(p, 0, sizeof *p);
  p->seed = seed;
  p->ndocs = ndocs;
  p->nqueries = nqueries;
  p->vocab = SPR_SYNTH_SPLADE_VOCAB;
  p->doc_terms = 120;
  p->query_terms = 44;
  p->cluster_docs = 256;
  p->cluster_terms = 400;
}

int spr_synth_splade_check(const spr_synth_splade_params *p) {
  if (!p) return SPR_FAIL(SPR_EINVAL, "synth: no parameters");
  const int rc = spr_synth_check_sizes(p->ndocs, p->nqueries, p->vocab);
  if (rc < 0) return rc;
  const uint32_t tmax = p->vocab / 8 < SPR_SYNTH_TERMS_MAX ? p->vocab / 8 : SPR_SYNTH_TERMS_MAX;
  if (p->doc_terms < 1 || p->doc_terms > tmax)
    return SPR_FAIL(SPR_EINVAL, "synth: terms per document %u not in [1, %u]", p->doc_terms, tmax);
  if (p->query_terms < 1 || p->query_terms > tmax)
    return SPR_FAIL(SPR_EINVAL, "synth: terms per query %u not in [1, %u]", p->query_terms, tmax);
  if (p->cluster_docs < 1 || p->cluster_docs > SPR_SYNTH_CLUSTER_MAX)
    return SPR_FAIL(SPR_EINVAL, "synth: documents per cluster %u not in [1, %u]", p->cluster_docs,
                    SPR_SYNTH_CLUSTER_MAX);
  if (p->cluster_terms < 10 || p->cluster_terms > p->vocab / 8)
    return SPR_FAIL(SPR_EINVAL, "synth: terms per cluster %u not in [10, vocab/8 = %u]",
                    p->cluster_terms, p->vocab / 8);
  return SPR_OK;
}

size_t spr_synth_splade_doc_bound(const spr_synth_splade_params *p) {
  return (size_t)p->doc_terms + p->doc_terms / 2;
}

size_t spr_synth_splade_query_bound(const spr_synth_splade_params *p) {
  return (size_t)p->query_terms + p->query_terms / 4;
}

/* Open-addressing set of term ids: slots (a power of two >= 4 x the larger bound) of term + 1. */
static size_t spr_synth_set_slots(const spr_synth_splade_params *p) {
  const size_t need = 4 * (spr_synth_splade_doc_bound(p) > spr_synth_splade_query_bound(p)
                               ? spr_synth_splade_doc_bound(p)
                               : spr_synth_splade_query_bound(p));
  size_t n = 64;
  while (n < need) n *= 2;
  return n;
}

/* Layout: set (slots x u32) | source doc terms (doc bound x u32) | source doc weights (u8). */
size_t spr_synth_splade_workspace_size(const spr_synth_splade_params *p) {
  const size_t db = spr_synth_splade_doc_bound(p);
  const size_t bytes = spr_synth_set_slots(p) * 4 + db * 4 + db;
  return (bytes + 7) & ~(size_t)7;
}

typedef struct spr_synth_set {
  uint32_t *slot; /* borrowed from the workspace */
  size_t mask;
} spr_synth_set;

static void spr_synth_set_init(spr_synth_set *s, void *work, size_t slots) {
  s->slot = work;
  s->mask = slots - 1;
  memset(s->slot, 0, slots * sizeof *s->slot);
}

/* Insert t; 1 if it was new, 0 if already present. The set never fills (4x headroom). */
static int spr_synth_set_add(spr_synth_set *s, uint32_t t) {
  size_t h = (size_t)((t + 1u) * 0x9E3779B1u) & s->mask;
  for (;; h = (h + 1) & s->mask) {
    if (s->slot[h] == t + 1) return 0;
    if (s->slot[h] == 0) {
      s->slot[h] = t + 1;
      return 1;
    }
  }
}

static uint64_t spr_synth_hash3(uint64_t seed, uint64_t tag, uint64_t key) {
  return spr_synth_mix64(seed ^ spr_synth_mix64((tag << 56) ^ key));
}

static int spr_synth_is_boundary(const spr_synth_splade_params *p, uint64_t b) {
  const uint64_t s = p->cluster_docs;
  return b == 0 || b % (8 * s) == 0 || spr_synth_hash3(p->seed, SPR_SYNTH_TAG_BOUNDARY, b) % s == 0;
}

uint64_t spr_synth_splade_cluster(const spr_synth_splade_params *p, uint64_t i) {
  while (!spr_synth_is_boundary(p, i)) i--;
  return i;
}

/* Entry r of a topic list (cluster or domain `key`): half uniform, half Zipf over the vocabulary
 * without its 1% most frequent terms, so lists of different clusters mostly differ. */
static uint32_t spr_synth_list_term(const spr_synth_splade_params *p, uint64_t tag, uint64_t key,
                                    uint32_t len, uint32_t r) {
  const uint32_t lo = p->vocab / 100, n = p->vocab - lo;
  const uint64_t h = spr_synth_hash3(p->seed, tag, key * len + r);
  const double u = (double)(h >> 11) * 0x1.0p-53;
  uint64_t k;
  if (h & 1) {
    k = (uint64_t)(u * n);
  } else {
    k = (uint64_t)exp(u * log((double)n + 1.0));
    k = k >= 1 ? k - 1 : 0;
  }
  return lo + (uint32_t)(k >= n ? n - 1 : k);
}

/* Log-normal weight base * exp(sigma z), z ~ N(0,1) approximated by the sum of four uniforms
 * (Irwin-Hall, |z| <= 3.46), rounded and clamped to [1, 255]. */
static uint8_t spr_synth_lognormal(spr_synth_rng *r, double base, double sigma) {
  const uint64_t x = spr_synth_next(r);
  const double s = (double)(x & 0xFFFF) + (double)((x >> 16) & 0xFFFF) +
                   (double)((x >> 32) & 0xFFFF) + (double)(x >> 48);
  const double z = (s / 65536.0 - 2.0) * 1.7320508075688772;
  const double w = floor(base * exp(sigma * z) + 0.5);
  return (uint8_t)(w < 1.0 ? 1.0 : w > 255.0 ? 255.0 : w);
}

typedef struct spr_synth_ctx {
  uint64_t cluster, domain;
  uint32_t lo; /* the frequent terms are [0, lo) */
} spr_synth_ctx;

static void spr_synth_ctx_init(const spr_synth_splade_params *p, uint64_t i, spr_synth_ctx *c) {
  c->cluster = spr_synth_splade_cluster(p, i);
  c->domain = c->cluster / ((uint64_t)SPR_SYNTH_DOMAIN_CLUSTERS * p->cluster_docs);
  c->lo = p->vocab / 100;
}

static uint32_t spr_synth_cluster_term(const spr_synth_splade_params *p, spr_synth_rng *r,
                                       const spr_synth_ctx *c) {
  return spr_synth_list_term(p, SPR_SYNTH_TAG_CLIST, c->cluster, p->cluster_terms,
                             spr_synth_zipf(r, p->cluster_terms, 1.0));
}

static uint32_t spr_synth_domain_term(const spr_synth_splade_params *p, spr_synth_rng *r,
                                      const spr_synth_ctx *c) {
  return spr_synth_list_term(p, SPR_SYNTH_TAG_DLIST, c->domain, 4 * p->cluster_terms,
                             spr_synth_zipf(r, 4 * p->cluster_terms, 1.0));
}

/* Document i into terms/weights (cap >= doc bound); set is scratch. Returns nnz. */
static uint32_t spr_synth_gen_vec(const spr_synth_splade_params *p, uint64_t i, spr_synth_set *set,
                                  uint32_t *terms, uint8_t *weights) {
  spr_synth_rng r;
  spr_synth_rng_init(&r, p->seed, SPR_SYNTH_TAG_SDOC, i);
  spr_synth_ctx c;
  spr_synth_ctx_init(p, i, &c);
  const uint32_t half = p->doc_terms / 2;
  const uint32_t want = p->doc_terms - half + (uint32_t)spr_synth_below(&r, 2 * (uint64_t)half + 1);
  uint32_t n = 0;
  /* Redraws of duplicates are bounded so that no parameter choice can loop for long. */
  for (uint64_t attempt = 0; n < want && attempt < 32 * (uint64_t)want + 256; attempt++) {
    const double v = spr_synth_unif(&r);
    uint32_t t;
    double base;
    if (v < SPR_SYNTH_S_CLUSTER) {
      t = spr_synth_cluster_term(p, &r, &c);
      base = SPR_SYNTH_W_CLUSTER;
    } else if (v < SPR_SYNTH_S_CLUSTER + SPR_SYNTH_S_DOMAIN) {
      t = spr_synth_domain_term(p, &r, &c);
      base = SPR_SYNTH_W_DOMAIN;
    } else if (v < SPR_SYNTH_S_CLUSTER + SPR_SYNTH_S_DOMAIN + SPR_SYNTH_S_COMMON) {
      t = spr_synth_zipf(&r, c.lo, 1.0);
      base = SPR_SYNTH_W_COMMON;
    } else {
      t = spr_synth_zipf(&r, p->vocab, 1.0);
      base = SPR_SYNTH_W_BACKGROUND;
    }
    if (!spr_synth_set_add(set, t)) continue;
    terms[n] = t;
    weights[n] = spr_synth_lognormal(&r, base, SPR_SYNTH_W_SIGMA);
    n++;
  }
  return n;
}

static int spr_synth_splade_check_work(const spr_synth_splade_params *p, const void *work,
                                       size_t work_size, const void *terms, const void *weights) {
  SPR_TRY(spr_synth_splade_check(p));
  if (!work || work_size < spr_synth_splade_workspace_size(p) || ((uintptr_t)work & 7u))
    return SPR_FAIL(SPR_EINVAL, "synth: workspace of %zu bytes (8-byte aligned), need %zu",
                    work_size, spr_synth_splade_workspace_size(p));
  if (!terms || !weights) return SPR_FAIL(SPR_EINVAL, "synth: no output arrays");
  return SPR_OK;
}

int64_t spr_synth_splade_doc(const spr_synth_splade_params *p, uint64_t i, void *work,
                             size_t work_size, uint32_t *terms, uint8_t *weights, size_t cap) {
  SPR_TRY(spr_synth_splade_check_work(p, work, work_size, terms, weights));
  if (i >= p->ndocs)
    return SPR_FAIL(SPR_EINVAL, "synth: document %llu out of range", (unsigned long long)i);
  if (cap < spr_synth_splade_doc_bound(p))
    return SPR_FAIL(SPR_ENOSPACE, "synth: room for %zu entries, need %zu", cap,
                    spr_synth_splade_doc_bound(p));
  spr_synth_set set;
  spr_synth_set_init(&set, work, spr_synth_set_slots(p));
  return (int64_t)spr_synth_gen_vec(p, i, &set, terms, weights);
}

int64_t spr_synth_splade_query(const spr_synth_splade_params *p, uint64_t q, void *work,
                               size_t work_size, uint64_t *doc, uint32_t *terms, uint8_t *weights,
                               size_t cap) {
  SPR_TRY(spr_synth_splade_check_work(p, work, work_size, terms, weights));
  if (q >= p->nqueries)
    return SPR_FAIL(SPR_EINVAL, "synth: query %llu out of range", (unsigned long long)q);
  if (cap < spr_synth_splade_query_bound(p))
    return SPR_FAIL(SPR_ENOSPACE, "synth: room for %zu entries, need %zu", cap,
                    spr_synth_splade_query_bound(p));
  const size_t slots = spr_synth_set_slots(p);
  uint32_t *dterms = (uint32_t *)work + slots;
  uint8_t *dweights = (uint8_t *)(dterms + spr_synth_splade_doc_bound(p));
  spr_synth_set set;
  spr_synth_set_init(&set, work, slots);

  spr_synth_rng r;
  spr_synth_rng_init(&r, p->seed, SPR_SYNTH_TAG_SQUERY, q);
  const uint64_t d = spr_synth_below(&r, p->ndocs);
  const uint32_t dn = spr_synth_gen_vec(p, d, &set, dterms, dweights);
  spr_synth_set_init(&set, work, slots); /* the query's own terms from here on */
  spr_synth_ctx c;
  spr_synth_ctx_init(p, d, &c);

  const uint32_t m = p->query_terms;
  uint32_t want;
  if (m < 8)
    want = m - (m > 1 ? (uint32_t)spr_synth_below(&r, 2) : 0);
  else
    want = m - m / 4 + (uint32_t)spr_synth_below(&r, 2 * (uint64_t)(m / 4) + 1);
  const double fdoc = m < 8 ? SPR_SYNTH_Q_DOC_IF : SPR_SYNTH_Q_DOC;
  uint32_t from_doc = (uint32_t)floor(fdoc * want + spr_synth_unif(&r));
  if (from_doc < 1) from_doc = 1;
  if (from_doc > dn) from_doc = dn;
  if (from_doc > want) from_doc = want;

  /* Source-document terms by weight, without replacement (dweights zeroed once taken). */
  uint64_t total = 0;
  for (uint32_t k = 0; k < dn; k++) total += dweights[k];
  uint32_t n = 0;
  for (uint32_t s = 0; s < from_doc && total > 0; s++) {
    uint64_t x = spr_synth_below(&r, total);
    uint32_t pick = 0;
    while (x >= dweights[pick]) x -= dweights[pick++];
    const uint8_t dw = dweights[pick];
    total -= dw;
    dweights[pick] = 0;
    (void)spr_synth_set_add(&set, dterms[pick]);
    terms[n] = dterms[pick];
    weights[n] = spr_synth_lognormal(&r, 1.2 * dw, 0.4);
    n++;
  }
  for (uint64_t attempt = 0; n < want && attempt < 32 * (uint64_t)want + 256; attempt++) {
    const double v = spr_synth_unif(&r);
    uint32_t t;
    double base;
    if (v < SPR_SYNTH_Q_CLUSTER) {
      t = spr_synth_cluster_term(p, &r, &c);
      base = 10.0;
    } else if (v < SPR_SYNTH_Q_CLUSTER + SPR_SYNTH_Q_DOMAIN) {
      t = spr_synth_domain_term(p, &r, &c);
      base = 7.0;
    } else {
      t = spr_synth_zipf(&r, p->vocab, 1.0);
      base = 5.0;
    }
    if (!spr_synth_set_add(&set, t)) continue;
    terms[n] = t;
    weights[n] = spr_synth_lognormal(&r, base, SPR_SYNTH_W_SIGMA);
    n++;
  }
  if (doc) *doc = d;
  return (int64_t)n;
}

/* ---------------------------------------------------------------- shuffled docid order */

#define SPR_SYNTH_TAG_SHUFFLE 0x5348554646ull /* "SHUFF": a stream no generator uses */

void spr_synth_shuffle(uint64_t seed, uint64_t n, uint64_t *perm) {
  spr_synth_rng r;
  spr_synth_rng_init(&r, seed, SPR_SYNTH_TAG_SHUFFLE, n);
  for (uint64_t j = 0; j < n; j++) perm[j] = j;
  for (uint64_t j = n; j > 1; j--) {
    const uint64_t k = spr_synth_below(&r, j);
    const uint64_t t = perm[j - 1];
    perm[j - 1] = perm[k];
    perm[k] = t;
  }
}
