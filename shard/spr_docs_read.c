/* spr_docs_read.c: a rank's reading of text and vector records, shared among its OpenMP threads.
 *
 * The rank's byte range is read in batches of whole lines, each cut into shares. Tasks parse the
 * shares (JSON or TSV, the input policy's checks, analysis of text) and look every term up in the
 * rank's vocabulary, read-only. The calling thread walks a parsed batch's shares in order,
 * numbers the terms that were not found in the order they occur and appends each document, while
 * the other threads parse the next batch; the new terms enter the vocabulary when no task reads
 * it. So documents, their lines and the vocabulary's local ids come out exactly as a single
 * reader gives them, the bounded-memory spill sees the same stream, and an error is the first one
 * in line order. Shares number their lines from 0 (a share's first line is known only once the
 * shares before it are counted); the share that failed is parsed again on the calling thread,
 * numbered from its real first line, which raises the same failure there with its message
 * (SPR_FAIL messages are thread-local). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "spr_analyzer.h"
#include "spr_corpus.h"
#include "spr_docs_read.h"
#include "spr_progress.h"

/* A batch is SPR_READ_SHARES_PER_THREAD shares per thread of SPR_READ_SHARE_BYTES of input each:
 * shares large enough that a task costs nothing beside it, several per thread so that the calling
 * thread, back from appending the previous batch, finds shares left to parse. */
#define SPR_READ_SHARE_BYTES (2u << 20)
#define SPR_READ_SHARES_PER_THREAD 4
#define SPR_READ_SHARE_MIN (64u << 10) /* with a memory budget, shares shrink down to this */

typedef struct spr_rdoc { /* one parsed record of a share */
  uint64_t line;
  uint64_t id_at;  /* into the share's str */
  uint64_t p0, np; /* its pairs */
  uint64_t m0, nm; /* its unknown terms */
  uint64_t id_len;
  int distinct;    /* a vector whose terms were all known and all different: no sort needed */
} spr_rdoc;

typedef struct spr_rmiss { /* a term the vocabulary did not have when the share was parsed */
  uint64_t pair;           /* index into the share's pairs */
  uint64_t at, len;        /* its bytes in the share's str */
} spr_rmiss;

typedef struct spr_rshare { /* one share of a batch, parsed by one task */
  spr_corpus_cursor *cur;   /* owned, reused from batch to batch */
  spr_analyzer *an;         /* owned (text corpora) */
  spr_tokens toks;
  uint64_t begin, end, lines; /* its bytes, and the lines in them (counted by the parse) */
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
  uint32_t *stamp;          /* per vocabulary id: the last vector that had it (repeated keys) */
  uint64_t stamp_cap;
  uint32_t stamp_gen;
  int rc;                   /* the share's first failure: after its n_docs records */
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
  free(s->stamp);
}

/* Whether the n pairs' terms (ids below voc's size) are all different, by a stamp per id. */
static int spr_rshare_distinct(spr_rshare *s, const spr_vocab *voc, const spr_pair *a, uint64_t n) {
  const uint64_t nv = spr_vocab_size(voc);
  if (nv > s->stamp_cap) {
    uint32_t *st = calloc(nv + (nv >> 1), sizeof *st);
    if (!st) return 0; /* (no memory for the stamps: sort instead) */
    free(s->stamp);
    s->stamp = st;
    s->stamp_cap = nv + (nv >> 1);
    s->stamp_gen = 0;
  }
  if (++s->stamp_gen == 0) {
    memset(s->stamp, 0, s->stamp_cap * sizeof *s->stamp);
    s->stamp_gen = 1;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (s->stamp[a[i].term] == s->stamp_gen) return 0;
    s->stamp[a[i].term] = s->stamp_gen;
  }
  return 1;
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
static int spr_rshare_parse(spr_rshare *s, const spr_docs_read_opts *p, const spr_vocab *voc, uint64_t first_line) {
  s->str_len = s->n_pairs = s->n_docs = s->n_miss = 0;
  spr_corpus_cursor_seek(s->cur, s->begin, s->end, first_line);
  spr_doc d;
  for (;;) {
    const int r = spr_corpus_next(s->cur, &d);
    if (r <= 0) return r;
    if (d.vec && !p->vectors)
      return SPR_FAIL(SPR_EINVAL, "%s:%llu: a vector record in a text corpus", p->label, (unsigned long long)d.line);
    if (!d.vec && p->vectors)
      return SPR_FAIL(SPR_EPARSE, "%s:%llu: expected {\"id\", \"vector\": {...}}", p->label,
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
        SPR_TRY(spr_rshare_term(s, voc, d.vec[i].term, d.vec[i].len, d.vec[i].weight));
    } else {
      spr_tokens_clear(&s->toks);
      const int64_t nt = spr_analyzer_run(s->an, d.text, d.text_len, &s->toks);
      if (nt < 0) return SPR_FAIL((int)nt, "%s:%llu: analysis failed", p->label, (unsigned long long)d.line);
      if (s->toks.n > UINT32_MAX)
        return SPR_FAIL(SPR_EUNSUPPORTED, "%s:%llu: document too long", p->label, (unsigned long long)d.line);
      for (size_t i = 0; i < s->toks.n; i++) {
        const char *t = spr_tokens_get(&s->toks, i);
        SPR_TRY(spr_rshare_term(s, voc, t, strlen(t), 1.0));
      }
    }
    o->np = s->n_pairs - o->p0;
    o->nm = s->n_miss - o->m0;
    /* a vector's keys are almost always all different: then the order of its postings does not
     * matter (the route sorts them by term; reordering sorts a document's by global id) */
    o->distinct = d.vec && o->nm == 0 && spr_rshare_distinct(s, voc, s->pairs + o->p0, o->np);
    if (!o->distinct && o->nm == 0 && o->np > 1) { /* the ids are final: sort here rather than in the serial append */
      SPR_TRY(spr_build_grow((void **)&s->tmp, &s->tmp_cap, o->np, sizeof *s->tmp));
      spr_sort_pairs(s->pairs + o->p0, (size_t)o->np, s->tmp);
    }
    s->n_docs++;
  }
}

/* The share's documents appended to l in order; then its failure. Terms the share did not find
 * are looked up again in voc (earlier batches may have brought them) and otherwise interned in
 * `fresh`, the terms new in this batch, as id base + their index there: voc itself is not changed
 * while the next batch's shares look terms up in it. */
static int spr_rshare_commit(spr_rshare *s, const spr_docs_read_opts *p, const spr_vocab *voc, spr_vocab *fresh,
                             spr_build_local *l, uint64_t first, uint64_t error_shift) {
  const uint32_t base = spr_vocab_size(voc);
  for (uint64_t i = 0; i < s->n_docs; i++) {
    const spr_rdoc *o = &s->docs[i];
    for (uint64_t j = o->m0; j < o->m0 + o->nm; j++) {
      const char *t = s->str + s->miss[j].at;
      const size_t len = (size_t)s->miss[j].len;
      int64_t id = spr_vocab_find(voc, t, len);
      if (id < 0) {
        id = spr_vocab_intern(fresh, t, len);
        if (id < 0) return (int)id;
        if ((uint64_t)id + base > UINT32_MAX) return SPR_FAIL(SPR_EUNSUPPORTED, "index build: over 2^32 terms");
        id += base;
      }
      s->pairs[s->miss[j].pair].term = (uint32_t)id;
    }
    SPR_TRY(spr_build_add_doc_distinct(l, s->str + o->id_at, (size_t)o->id_len, first + o->line, s->pairs + o->p0,
                                       (size_t)o->np, o->distinct));
  }
  if (s->rc < 0) { /* parse the share again, numbered from its real first line: the same failure, here */
    const int rc = spr_rshare_parse(s, p, voc, first + error_shift);
    return rc < 0 ? rc : SPR_FAIL(s->rc, "%s: reading failed at byte %llu..%llu", p->label,
                                  (unsigned long long)s->begin, (unsigned long long)s->end);
  }
  return SPR_OK;
}

/* The batch's new terms into voc, in the order they were met: they get the ids commit gave them. */
static int spr_vocab_absorb(spr_vocab *voc, spr_vocab **fresh) {
  const uint32_t base = spr_vocab_size(voc), n = spr_vocab_size(*fresh);
  for (uint32_t i = 0; i < n; i++) {
    const char *t = spr_vocab_string(*fresh, i);
    const int64_t id = spr_vocab_intern(voc, t, strlen(t));
    if (id < 0) return (int)id;
    if ((uint64_t)id != (uint64_t)base + i) /* cannot happen: commit numbered them from base */
      return SPR_FAIL(SPR_EINVAL, "index build: term \"%s\" got id %lld, not %llu", t, (long long)id,
                      (unsigned long long)base + i);
  }
  spr_vocab_free(fresh);
  return spr_vocab_create(fresh);
}

typedef struct spr_rbatch { /* one batch: its shares, in line order */
  spr_rshare *sh;
  int n;
  uint64_t end;
} spr_rbatch;

/* Cut the batch starting at byte pos (a line start) into its shares. */
static void spr_rbatch_prepare(spr_rbatch *b, const spr_corpus *corp, uint64_t pos, uint64_t end, uint64_t per) {
  const uint64_t want = (uint64_t)b->n * per;
  uint64_t be = end - pos <= want ? end : spr_corpus_line_start(corp, pos + want);
  if (be > end) be = end;
  b->end = be;
  for (int j = 0; j < b->n; j++) spr_corpus_split_range(corp, pos, be, j, b->n, &b->sh[j].begin, &b->sh[j].end);
}

/* The batch's shares parsed by tasks (any thread of the team). */
static void spr_rbatch_spawn(spr_rbatch *b, const spr_docs_read_opts *p, const spr_vocab *voc) {
  for (int j = 0; j < b->n; j++) {
    spr_rshare *s = &b->sh[j];
#pragma omp task firstprivate(s)
    {
      /* lines numbered from 0 within the share: a share's first line is known only once the
       * shares before it are counted, which the calling thread does as it appends them */
      s->rc = spr_rshare_parse(s, p, voc, 0);
      s->lines = spr_corpus_cursor_line(s->cur);
      spr_corpus_cursor_release(s->cur); /* the share's mapped pages are done with */
      if (s->rc < 0) spr_clear_error(); /* raised again by spr_rshare_commit, with its line */
    }
  }
}

int spr_docs_read(const spr_docs_read_opts *p, spr_corpus *corp, uint64_t begin, uint64_t end, uint64_t first_line,
                  int show, spr_vocab *voc, spr_build_local *l, uint64_t skipped[SPR_SKIP_NREASONS],
                  uint64_t *n_lines) {
  const int nth = omp_get_max_threads() > 0 ? omp_get_max_threads() : 1;
  const int nsh = nth * SPR_READ_SHARES_PER_THREAD;
  spr_rbatch bt[2] = {{calloc((size_t)nsh, sizeof(spr_rshare)), nsh, 0},
                      {calloc((size_t)nsh, sizeof(spr_rshare)), nsh, 0}};
  spr_vocab *fresh = NULL;
  int rc = bt[0].sh && bt[1].sh ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (reader)");
  SPR_TRYG(rc, rc, cleanup);
  SPR_TRYG(rc, spr_vocab_create(&fresh), cleanup);
  spr_corpus_policy pol = p->policy;
  if (!pol.max_record_bytes) pol.max_record_bytes = SPR_CORPUS_MAX_RECORD_DEFAULT;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < nsh; j++) {
      spr_rshare *s = &bt[k].sh[j];
      SPR_TRYG(rc, spr_corpus_cursor_create(corp, begin, begin, first_line, &s->cur), cleanup);
      spr_corpus_cursor_set_policy(s->cur, &pol);
      SPR_TRYG(rc, spr_analyzer_create(p->vectors ? "standard" : p->analyzer, &s->an), cleanup);
    }
  uint64_t per = SPR_READ_SHARE_BYTES;
  if (p->memory_budget) { /* bounded memory: the records in flight (two batches) take an eighth of it */
    per = p->memory_budget / 8 / (2 * (uint64_t)nsh);
    if (per < SPR_READ_SHARE_MIN) per = SPR_READ_SHARE_MIN;
    if (per > SPR_READ_SHARE_BYTES) per = SPR_READ_SHARE_BYTES;
  }
  const char *hook = getenv("SPR_TEST_READ_SHARE_BYTES"); /* tests: many batches from a small file */
  if (hook && strtoull(hook, NULL, 10) > 0) per = strtoull(hook, NULL, 10);
  spr_progress prog;
  /* rank 0 reports its own share; ranks read equal byte ranges, so it stands for the whole */
  spr_progress_start(&prog, "index: read+analyze", "MB", (end - begin + (1u << 20) - 1) >> 20, show);
  const uint64_t line0 = first_line ? first_line : 1;
  /* A pipeline of two batches: while the calling thread appends batch k (it alone touches l, and
   * its failures are raised on it), the other threads parse batch k+1; then the calling thread
   * joins them at the taskwait, and batch k's new terms enter voc while no task reads it. */
#pragma omp parallel num_threads(nth)
#pragma omp master
  {
    int cur = 0;
    uint64_t done = 0;
    if (begin < end) {
      spr_rbatch_prepare(&bt[0], corp, begin, end, per);
      spr_rbatch_spawn(&bt[0], p, voc);
    }
#pragma omp taskwait
    for (uint64_t pos = begin; pos < end && rc == SPR_OK; cur ^= 1) {
      spr_rbatch *b = &bt[cur], *nb = &bt[cur ^ 1];
      const uint64_t next = b->end;
      if (next < end) {
        spr_rbatch_prepare(nb, corp, next, end, per);
        spr_rbatch_spawn(nb, p, voc);
      }
      for (int j = 0; j < b->n && rc == SPR_OK; j++) {
        /* a failure names its real line: the lines before the range are counted then */
        const uint64_t shift = b->sh[j].rc < 0 && !first_line ? spr_corpus_count_lines(corp, 0, begin) : 0;
        rc = spr_rshare_commit(&b->sh[j], p, voc, fresh, l, line0 + done, shift);
        done += b->sh[j].lines;
      }
#pragma omp taskwait
      if (rc == SPR_OK) rc = spr_vocab_absorb(voc, &fresh);
      pos = next;
      spr_progress_update(&prog, (pos - begin) >> 20);
    }
    *n_lines = done;
  }
  SPR_TRYG(rc, rc, cleanup);
  spr_progress_finish(&prog, (end - begin + (1u << 20) - 1) >> 20);
  memset(skipped, 0, SPR_SKIP_NREASONS * sizeof *skipped);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < nsh; j++) {
      const uint64_t *c = spr_corpus_cursor_skipped(bt[k].sh[j].cur);
      for (int r = 0; r < SPR_SKIP_NREASONS; r++) skipped[r] += c[r];
    }
cleanup:
  for (int k = 0; k < 2; k++) {
    for (int j = 0; bt[k].sh && j < nsh; j++) spr_rshare_free(&bt[k].sh[j]);
    free(bt[k].sh);
  }
  spr_vocab_free(&fresh);
  return rc;
}
