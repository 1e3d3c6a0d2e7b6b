/* spr_build_read.c: a rank's reading of text and vector records, shared among its OpenMP threads.
 *
 * The rank's byte range is read in batches of whole lines. Each thread parses the records of its
 * share of a batch (JSON or TSV, the input policy's checks, analysis of text) and looks every term
 * up in the rank's vocabulary, read-only. Then one thread walks the shares in order: it interns the
 * terms that were not found, in record order, and appends each document. So documents, their
 * lines and the vocabulary's local ids come out exactly as a single reader gives them, the
 * bounded-memory spill sees the same stream, and an error is the first one in line order, with
 * its message produced where it happened and raised again on the calling thread (SPR_FAIL
 * messages are thread-local). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_analyzer.h"
#include "spr_build_internal.h"
#include "spr_corpus.h"
#include "spr_progress.h"

/* bytes of input per thread and batch: large enough that the threads' meeting points cost nothing,
 * small enough that a batch's parsed records stay a few MB */
#define SPR_READ_BATCH_BYTES (8u << 20)

typedef struct spr_rdoc { /* one parsed record of a share */
  uint64_t line;
  uint64_t id_at;  /* into the share's str */
  uint64_t p0, np; /* its pairs */
  uint64_t m0, nm; /* its unknown terms */
  uint64_t id_len;
} spr_rdoc;

typedef struct spr_rmiss { /* a term the vocabulary did not have when the share was parsed */
  uint64_t pair;           /* index into the share's pairs */
  uint64_t at, len;        /* its bytes in the share's str */
} spr_rmiss;

typedef struct spr_rshare { /* one thread's part of a batch */
  spr_corpus_cursor *cur;   /* owned, reused from batch to batch */
  spr_analyzer *an;         /* owned (text corpora) */
  spr_tokens toks;
  uint64_t begin, end, lines;
  char *str;                /* ids and unknown terms, NUL-terminated */
  uint64_t str_len, str_cap;
  spr_pair *pairs;
  uint64_t n_pairs, pairs_cap;
  spr_rdoc *docs;
  uint64_t n_docs, docs_cap;
  spr_rmiss *miss;
  uint64_t n_miss, miss_cap;
  spr_pair *tmp;            /* the sort's scratch */
  uint64_t tmp_cap;
  int rc;                   /* the share's first failure: after its n_docs records */
  char msg[1024];
} spr_rshare;

static void spr_rshare_free(spr_rshare *s) {
  spr_corpus_cursor_free(&s->cur);
  spr_analyzer_free(&s->an);
  spr_tokens_free(&s->toks);
  free(s->str);
  free(s->pairs);
  free(s->docs);
  free(s->miss);
  free(s->tmp);
}

static int spr_rshare_str(spr_rshare *s, const char *b, size_t n, uint64_t *at) {
  SPR_TRY(spr_build_grow((void **)&s->str, &s->str_cap, s->str_len + n + 1, 1));
  memcpy(s->str + s->str_len, b, n);
  s->str[s->str_len + n] = '\0';
  *at = s->str_len;
  s->str_len += n + 1;
  return SPR_OK;
}

/* Append (term, w) to the share's pairs: the id when voc has the term, else a miss. */
static int spr_rshare_term(spr_rshare *s, const spr_vocab *voc, const char *t, size_t len, double w) {
  SPR_TRY(spr_build_grow((void **)&s->pairs, &s->pairs_cap, s->n_pairs + 1, sizeof *s->pairs));
  const int64_t id = spr_vocab_find(voc, t, len);
  s->pairs[s->n_pairs] = (spr_pair){id < 0 ? 0 : (uint32_t)id, w};
  if (id < 0) {
    SPR_TRY(spr_build_grow((void **)&s->miss, &s->miss_cap, s->n_miss + 1, sizeof *s->miss));
    spr_rmiss *m = &s->miss[s->n_miss++];
    m->pair = s->n_pairs;
    m->len = len;
    SPR_TRY(spr_rshare_str(s, t, len, &m->at));
  }
  s->n_pairs++;
  return SPR_OK;
}

/* Parse the share's records ([begin, end), lines from first_line on). Runs on its own thread:
 * touches nothing shared but voc, which nobody writes meanwhile. */
static int spr_rshare_parse(spr_rshare *s, const spr_build_params *p, const spr_vocab *voc, uint64_t first_line) {
  s->str_len = s->n_pairs = s->n_docs = s->n_miss = 0;
  spr_corpus_cursor_seek(s->cur, s->begin, s->end, first_line);
  spr_doc d;
  for (;;) {
    const int r = spr_corpus_next(s->cur, &d);
    if (r <= 0) return r;
    if (d.vec && !p->vectors)
      return SPR_FAIL(SPR_EINVAL, "%s:%llu: a vector record in a text corpus", p->corpus, (unsigned long long)d.line);
    if (!d.vec && p->vectors)
      return SPR_FAIL(SPR_EPARSE, "%s:%llu: expected {\"id\", \"vector\": {...}}", p->corpus,
                      (unsigned long long)d.line);
    SPR_TRY(spr_build_grow((void **)&s->docs, &s->docs_cap, s->n_docs + 1, sizeof *s->docs));
    spr_rdoc *o = &s->docs[s->n_docs];
    o->line = d.line;
    o->id_len = d.id_len;
    o->p0 = s->n_pairs;
    o->m0 = s->n_miss;
    SPR_TRY(spr_rshare_str(s, d.id, d.id_len, &o->id_at));
    if (d.vec) {
      for (size_t i = 0; i < d.vec_n; i++)
        SPR_TRY(spr_rshare_term(s, voc, d.vec[i].term, strlen(d.vec[i].term), d.vec[i].weight));
    } else {
      spr_tokens_clear(&s->toks);
      const int64_t nt = spr_analyzer_run(s->an, d.text, d.text_len, &s->toks);
      if (nt < 0) return SPR_FAIL((int)nt, "%s:%llu: analysis failed", p->corpus, (unsigned long long)d.line);
      if (s->toks.n > UINT32_MAX)
        return SPR_FAIL(SPR_EUNSUPPORTED, "%s:%llu: document too long", p->corpus, (unsigned long long)d.line);
      for (size_t i = 0; i < s->toks.n; i++) {
        const char *t = spr_tokens_get(&s->toks, i);
        SPR_TRY(spr_rshare_term(s, voc, t, strlen(t), 1.0));
      }
    }
    o->np = s->n_pairs - o->p0;
    o->nm = s->n_miss - o->m0;
    if (o->nm == 0 && o->np > 1) { /* the ids are final: sort here rather than in the serial append */
      SPR_TRY(spr_build_grow((void **)&s->tmp, &s->tmp_cap, o->np, sizeof *s->tmp));
      spr_sort_pairs(s->pairs + o->p0, (size_t)o->np, s->tmp);
    }
    s->n_docs++;
  }
}

/* The share's documents appended to l in order, unknown terms interned first; then its failure. */
static int spr_rshare_commit(spr_rshare *s, spr_vocab *voc, spr_build_local *l) {
  for (uint64_t i = 0; i < s->n_docs; i++) {
    const spr_rdoc *o = &s->docs[i];
    for (uint64_t j = o->m0; j < o->m0 + o->nm; j++) {
      const int64_t id = spr_vocab_intern(voc, s->str + s->miss[j].at, (size_t)s->miss[j].len);
      if (id < 0) return (int)id;
      s->pairs[s->miss[j].pair].term = (uint32_t)id;
    }
    SPR_TRY(spr_build_add_doc(l, s->str + o->id_at, (size_t)o->id_len, o->line, s->pairs + o->p0, (size_t)o->np));
  }
  if (s->rc < 0) return SPR_FAIL(s->rc, "%s", s->msg);
  return SPR_OK;
}

int spr_build_read_records(const spr_build_params *p, spr_corpus *corp, uint64_t begin, uint64_t end,
                           uint64_t first_line, uint64_t n_lines, int show, spr_vocab *voc, spr_build_local *l,
                           uint64_t skipped[SPR_SKIP_NREASONS]) {
  const int nth = omp_get_max_threads() > 0 ? omp_get_max_threads() : 1;
  spr_rshare *sh = calloc((size_t)nth, sizeof *sh);
  if (!sh) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (reader)");
  int rc = SPR_OK;
  spr_corpus_policy pol = p->policy;
  if (!pol.max_record_bytes) pol.max_record_bytes = SPR_CORPUS_MAX_RECORD_DEFAULT;
  for (int t = 0; t < nth; t++) {
    SPR_TRYG(rc, spr_corpus_cursor_create(corp, begin, begin, first_line, &sh[t].cur), cleanup);
    spr_corpus_cursor_set_policy(sh[t].cur, &pol);
    SPR_TRYG(rc, spr_analyzer_create(p->vectors ? "standard" : p->analyzer, &sh[t].an), cleanup);
  }
  uint64_t per = SPR_READ_BATCH_BYTES;
  const char *hook = getenv("SPR_TEST_READ_BATCH_BYTES"); /* tests: many batches from a small file */
  if (hook && strtoull(hook, NULL, 10) > 0) per = strtoull(hook, NULL, 10);
  spr_progress prog;
  /* rank 0 reports its own share; ranks read equal byte ranges, so it stands for the whole */
  spr_progress_start(&prog, "index: read+analyze", "lines", n_lines, show);
  uint64_t pos = begin, line = first_line;
  while (pos < end) {
    const uint64_t want = (uint64_t)nth * per;
    uint64_t be = end - pos <= want ? end : spr_corpus_line_start(corp, pos + want);
    if (be > end) be = end;
    int used = 1;
#pragma omp parallel num_threads(nth)
    {
      const int t = omp_get_thread_num(), n = omp_get_num_threads();
      spr_rshare *s = &sh[t];
#pragma omp single
      used = n;
      spr_corpus_split_range(corp, pos, be, t, n, &s->begin, &s->end);
      s->lines = spr_corpus_count_lines_resident(corp, s->begin, s->end);
#pragma omp barrier
      uint64_t first = line;
      for (int j = 0; j < t; j++) first += sh[j].lines;
      s->rc = spr_rshare_parse(s, p, voc, first);
      if (s->rc < 0) snprintf(s->msg, sizeof s->msg, "%s", spr_last_message());
    }
    for (int t = 0; t < used; t++) {
      SPR_TRYG(rc, spr_rshare_commit(&sh[t], voc, l), cleanup);
      line += sh[t].lines;
    }
    pos = be;
    spr_progress_update(&prog, line - first_line);
  }
  spr_progress_finish(&prog, n_lines);
  memset(skipped, 0, SPR_SKIP_NREASONS * sizeof *skipped);
  for (int t = 0; t < nth; t++) {
    const uint64_t *k = spr_corpus_cursor_skipped(sh[t].cur);
    for (int r = 0; r < SPR_SKIP_NREASONS; r++) skipped[r] += k[r];
  }
cleanup:
  for (int t = 0; t < nth; t++) spr_rshare_free(&sh[t]);
  free(sh);
  return rc;
}
