/* synth_test.c: unit tests of the synthetic collection kernel (spr_synth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_synth.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
  return (h ^ 0xFF) * 0x100000001B3ull;
}

static size_t count_words(const char *s) {
  size_t n = 0;
  for (const char *p = s; *p;) {
    while (*p == ' ') p++;
    if (!*p) break;
    n++;
    while (*p && *p != ' ') p++;
  }
  return n;
}

/* 1 if word w (NUL-free, length n) occurs as a whole word in s. */
static int has_word(const char *s, const char *w, size_t n) {
  for (const char *p = s; (p = strstr(p, w)) != NULL; p++)
    if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

typedef struct bufs {
  void *work;
  size_t ws;
  char *title, *text, *qtext;
  size_t tcap, xcap, qcap;
} bufs;

static void bufs_init(bufs *b, const spr_synth_params *p) {
  b->ws = spr_synth_workspace_size(p);
  b->work = malloc(b->ws);
  b->tcap = spr_synth_title_bound(p);
  b->xcap = spr_synth_text_bound(p);
  b->qcap = spr_synth_query_bound(p);
  b->title = malloc(b->tcap);
  b->text = malloc(b->xcap);
  b->qtext = malloc(b->qcap);
}

static void bufs_free(bufs *b) {
  free(b->work);
  free(b->title);
  free(b->text);
  free(b->qtext);
}

/* Hash of the whole collection; checks counts and qrels on the way. */
static uint64_t collection_hash(const spr_synth_params *p) {
  bufs b;
  bufs_init(&b, p);
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint64_t i = 0; i < p->ndocs; i++) {
    const int64_t n = spr_synth_doc(p, i, b.work, b.ws, b.title, b.tcap, b.text, b.xcap);
    CHECK(n >= 0);
    if (n < 0) break;
    CHECK((size_t)n == strlen(b.text));
    const size_t nt = count_words(b.title), nx = count_words(b.text);
    CHECK(nt >= 3 && nt <= 8);
    CHECK(nx >= p->min_len && nx <= p->max_len);
    h = fnv(fnv(h, b.title), b.text);
  }
  for (uint64_t q = 0; q < p->nqueries; q++) {
    uint64_t d = UINT64_MAX;
    const int64_t n = spr_synth_query(p, q, b.work, b.ws, &d, b.qtext, b.qcap);
    CHECK(n > 0);
    CHECK(d < p->ndocs);
    if (n <= 0 || d >= p->ndocs) break;
    CHECK(spr_synth_doc(p, d, b.work, b.ws, b.title, b.tcap, b.text, b.xcap) >= 0);
    /* 2-6 (swapped or kept) words of the document, at least one kept, plus at most one extra */
    size_t inside = 0, outside = 0;
    char *copy = strdup(b.qtext);
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
      const size_t wl = strlen(w);
      if (has_word(b.title, w, wl) || has_word(b.text, w, wl))
        inside++;
      else
        outside++;
    }
    free(copy);
    CHECK(inside >= 1 && inside <= 6);
    CHECK(inside + outside >= 2 && inside + outside <= 7);
    char id[SPR_SYNTH_ID_CAP];
    spr_synth_doc_id(d, id, sizeof id);
    h = fnv(fnv(h, b.qtext), id);
  }
  bufs_free(&b);
  return h;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_words(void) {
  /* distinct spellings, 2+ syllables, ending in a/o/u, never a stop word */
  static const char *stop[] = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
                               "in", "into", "is", "it", "no", "not", "of", "on", "or", "such",
                               "that", "the", "their", "then", "there", "these", "they", "this",
                               "to", "was", "will", "with"};
  const uint32_t n = 60000;
  char **w = malloc(n * sizeof *w);
  for (uint32_t i = 0; i < n; i++) {
    char buf[32];
    const size_t len = spr_synth_word(i, buf, sizeof buf);
    CHECK(len >= 4 && len <= 8 && len == strlen(buf));
    CHECK(strchr("aou", buf[len - 1]) != NULL);
    for (size_t k = 0; k < sizeof stop / sizeof stop[0]; k++) CHECK(strcmp(buf, stop[k]) != 0);
    w[i] = strdup(buf);
  }
  char big[32];
  CHECK(spr_synth_word(SPR_SYNTH_VOCAB_MAX - 1, big, sizeof big) <= 8);
  qsort(w, n, sizeof *w, cmp_str);
  for (uint32_t i = 1; i < n; i++) CHECK(strcmp(w[i - 1], w[i]) != 0);
  for (uint32_t i = 0; i < n; i++) free(w[i]);
  free(w);
}

static void test_errors(void) {
  spr_synth_params p;
  spr_synth_params_init(&p, 0, 1, 1);
  CHECK(spr_synth_params_check(&p) == SPR_EINVAL);
  spr_synth_params_init(&p, 10, 1, 1);
  p.vocab = 10;
  CHECK(spr_synth_params_check(&p) == SPR_EINVAL);
  p.vocab = 30000;
  p.min_len = 50;
  p.max_len = 40;
  CHECK(spr_synth_params_check(&p) == SPR_EINVAL);
  p.max_len = 60;
  CHECK(spr_synth_params_check(&p) == SPR_OK);
  bufs b;
  bufs_init(&b, &p);
  char small[8];
  CHECK(spr_synth_doc(&p, 0, b.work, b.ws, b.title, b.tcap, small, sizeof small) == SPR_ENOSPACE);
  CHECK(spr_synth_doc(&p, 10, b.work, b.ws, b.title, b.tcap, b.text, b.xcap) == SPR_EINVAL);
  CHECK(spr_synth_doc(&p, 0, b.work, b.ws - 1, b.title, b.tcap, b.text, b.xcap) == SPR_EINVAL);
  uint64_t d;
  CHECK(spr_synth_query(&p, 1, b.work, b.ws, &d, b.qtext, b.qcap) == SPR_EINVAL);
  bufs_free(&b);
}

int main(void) {
  spr_synth_params p;
  spr_synth_params_init(&p, 500, 200, 42);
  const uint64_t h1 = collection_hash(&p), h2 = collection_hash(&p);
  CHECK(h1 == h2);
  spr_synth_params p2 = p;
  p2.seed = 43;
  CHECK(collection_hash(&p2) != h1);
  spr_synth_params p3 = p;
  p3.min_len = 1;
  p3.max_len = 5;
  p3.vocab = 1000;
  p3.topic_words = 100;
  (void)collection_hash(&p3);

  char id[SPR_SYNTH_ID_CAP];
  spr_synth_doc_id(0, id, sizeof id);
  CHECK(!strcmp(id, "d0000001"));
  spr_synth_query_id(41, id, sizeof id);
  CHECK(!strcmp(id, "q000042"));
  test_words();
  test_errors();
  return spr_check_summary("synth");
}
