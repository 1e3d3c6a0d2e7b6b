/* spr_build_dict.c: the index build's distributed term dictionary and the ranks' term ranges
 * (collective; declared in spr_build_dict.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_build_dict.h"

/* The term dictionary, built distributively (no rank ever holds the whole vocabulary):
 * 1. each rank sorts its local terms and contributes evenly spaced samples; the sorted samples give
 *    P-1 splitters, so rank r owns the terms in [splitter r-1, splitter r) (a sample sort);
 * 2. every local term goes to its owner with its local document frequency (all-to-all);
 * 3. owners sort and merge what they received: the global id of a term is its owner's id base (a
 *    prefix sum of owned counts) plus its rank among the owned terms, i.e. its position in the
 *    byte-sorted global vocabulary -- whatever the number of ranks;
 * 4. owners answer every request with (global id, global df), in the order it was asked. */

void spr_dict_free(spr_dict *d) {
  spr_strlist_free(&d->own);
  free(d->lgid);
  free(d->ldf);
  free(d->own_df);
  memset(d, 0, sizeof *d);
}

static int spr_cmp_strp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The buffers of one spr_build_dict call on one rank: all owned, freed when it returns. */
typedef struct spr_dict_work {
  int P;
  uint32_t nl;                /* local terms */
  const char **loc;           /* nl local terms, sorted (borrowed from the vocabulary) */
  uint32_t *lid;              /* nl: their local ids */
  uint32_t *lcnt;             /* nl + 1: local df by local id */
  uint64_t *scount, *rcount;  /* P: term string bytes to / from each rank */
  uint64_t *dcount, *drcount; /* P: df bytes to / from each rank (then the answers' bytes) */
  const char **splitters;     /* P - 1: rank r owns [splitters[r-1], splitters[r]) (in allsamp) */
  char *allsamp;              /* every rank's samples */
  size_t allsamp_len;
  const char **sp;            /* the samples, sorted */
  char *rbuf;                 /* the term strings asked of this rank */
  uint32_t *rdf;              /* nr: their local df at the askers */
  const char **rstr;          /* nr: the asked terms in rbuf, in request order */
  uint64_t nr;
  uint32_t *answer;           /* 2 nl: (global id, global df) of loc[i] */
} spr_dict_work;

/* Local. Sort the local terms (w->loc, their ids w->lid) and count their local df (w->lcnt) from ldf
 * or from l's postings. */
static void spr_dict_sort_local(spr_dict_work *w, const spr_vocab *voc, const spr_build_local *l,
                                const uint32_t *ldf) {
  const uint32_t nl = w->nl;
  if (ldf) memcpy(w->lcnt, ldf, (size_t)nl * sizeof *w->lcnt);
  else
    for (uint64_t i = 0; i < l->n_post; i++) w->lcnt[l->tid[i]]++;
  for (uint32_t i = 0; i < nl; i++) w->loc[i] = spr_vocab_string(voc, i);
  qsort(w->loc, nl, sizeof *w->loc, spr_cmp_strp);
  for (uint32_t i = 0; i < nl; i++) w->lid[i] = (uint32_t)spr_vocab_find(voc, w->loc[i], strlen(w->loc[i]));
}

/* Phase 1, collective on c. Every rank's evenly spaced samples of its sorted terms, gathered on all
 * and sorted, give the P-1 splitters (w->splitters, pointing into w->allsamp). */
static int spr_dict_splitters(const spr_comm *c, spr_dict_work *w) {
  const int P = w->P;
  const uint32_t nl = w->nl;
  const uint32_t ns = nl < 32u * (uint32_t)P ? nl : 32u * (uint32_t)P;
  size_t sl = 0;
  for (uint32_t j = 0; j < ns; j++) sl += strlen(w->loc[(uint64_t)j * nl / ns]) + 1;
  char *samp = malloc(sl + 1);
  int rc = samp ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  sl = 0;
  for (uint32_t j = 0; j < ns; j++) {
    const char *t = w->loc[(uint64_t)j * nl / ns];
    memcpy(samp + sl, t, strlen(t) + 1);
    sl += strlen(t) + 1;
  }
  SPR_TRYG(rc, spr_mpi_allgatherv(c, samp, sl, (void **)&w->allsamp, &w->allsamp_len, NULL), cleanup);
  size_t na = 0;
  for (size_t i = 0; i < w->allsamp_len; i++) na += w->allsamp[i] == '\0';
  w->sp = malloc((na ? na : 1) * sizeof *w->sp);
  if (!w->sp) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  size_t k = 0;
  for (size_t i = 0; i < w->allsamp_len; i += strlen(w->allsamp + i) + 1) w->sp[k++] = w->allsamp + i;
  qsort(w->sp, na, sizeof *w->sp, spr_cmp_strp);
  for (int r = 1; r < P; r++) w->splitters[r - 1] = na ? w->sp[(size_t)r * na / (size_t)P] : "";
cleanup:
  free(samp);
  return rc;
}

/* Phase 2, collective on c. Every local term (sorted, so owners ascend) goes to its owner with its
 * local df: w->rbuf and w->rdf receive the terms asked of this rank. */
static int spr_dict_send_terms(const spr_comm *c, spr_dict_work *w) {
  const int P = w->P;
  const uint32_t nl = w->nl;
  size_t tot = 0;
  for (uint32_t i = 0; i < nl; i++) tot += strlen(w->loc[i]) + 1;
  char *sbuf = malloc(tot + 1);
  uint32_t *sdf = malloc(((size_t)nl + 1) * sizeof *sdf);
  int rc = sbuf && sdf ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  int r = 0;
  size_t o = 0;
  for (uint32_t i = 0; i < nl; i++) {
    while (r < P - 1 && strcmp(w->splitters[r], w->loc[i]) <= 0) r++; /* owner: splitters <= term */
    const size_t n = strlen(w->loc[i]) + 1;
    memcpy(sbuf + o, w->loc[i], n);
    o += n;
    w->scount[r] += n;
    w->dcount[r] += sizeof(uint32_t);
    sdf[i] = w->lcnt[w->lid[i]];
  }
  SPR_TRYG(rc, spr_mpi_alltoallv(c, sbuf, w->scount, (void **)&w->rbuf, w->rcount), cleanup);
  SPR_TRYG(rc, spr_mpi_alltoallv(c, sdf, w->dcount, (void **)&w->rdf, w->drcount), cleanup);
cleanup:
  free(sbuf);
  free(sdf);
  return rc;
}

/* Phase 3, collective on c. Merge the asked terms into this rank's slice of the sorted vocabulary
 * (dict->own, its first global id dict->d0 from a prefix sum of the slices, dict->own_df the
 * summed df) and answer every request, in request order: *reply = (global id, global df) per
 * asked term (owned by the caller). */
static int spr_dict_merge(const spr_comm *c, spr_dict_work *w, spr_dict *dict, uint32_t **reply) {
  const int P = w->P;
  uint64_t nr = 0, rbytes = 0;
  for (int r = 0; r < P; r++) {
    nr += w->drcount[r] / sizeof(uint32_t);
    rbytes += w->rcount[r];
  }
  w->nr = nr;
  w->rstr = malloc((nr ? nr : 1) * sizeof *w->rstr);
  const char **uniq = malloc((nr ? nr : 1) * sizeof *uniq);
  int rc = w->rstr && uniq ? SPR_OK
                           : SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory (%llu terms)", (unsigned long long)nr);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  uint64_t k = 0;
  for (uint64_t i = 0; i < rbytes; i += strlen(w->rbuf + i) + 1) w->rstr[k++] = w->rbuf + i;
  memcpy(uniq, w->rstr, nr * sizeof *uniq);
  qsort(uniq, nr, sizeof *uniq, spr_cmp_strp);
  uint64_t nu = 0, ubytes = 0;
  for (uint64_t i = 0; i < nr; i++)
    if (!nu || strcmp(uniq[nu - 1], uniq[i])) {
      uniq[nu++] = uniq[i];
      ubytes += strlen(uniq[i]) + 1;
    }
  uint64_t before = 0, total = 0;
  SPR_TRYG(rc, spr_mpi_exscan_u64(c, nu, &before, &total), cleanup);
  if (total >= UINT32_MAX) rc = SPR_FAIL(SPR_EUNSUPPORTED, "vocabulary of %llu terms exceeds 2^32 - 1", (unsigned long long)total);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  dict->n_terms = (uint32_t)total;
  dict->d0 = (uint32_t)before;
  dict->own.n = (uint32_t)nu;
  dict->own.len = ubytes;
  dict->own.bytes = malloc(ubytes + 1);
  dict->own.off = malloc((nu + 1) * sizeof *dict->own.off);
  dict->own_df = calloc(nu + 1, sizeof *dict->own_df);
  *reply = malloc((nr ? nr : 1) * 2 * sizeof **reply);
  if (!dict->own.bytes || !dict->own.off || !dict->own_df || !*reply) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  uint64_t o = 0;
  for (uint64_t i = 0; i < nu; i++) {
    const size_t n = strlen(uniq[i]) + 1;
    dict->own.off[i] = o;
    memcpy(dict->own.bytes + o, uniq[i], n);
    o += n;
  }
  dict->own.off[nu] = o;
  uint32_t *pos = malloc((nr ? nr : 1) * sizeof *pos);
  if (!pos) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  for (uint64_t i = 0; i < nr; i++) {
    pos[i] = (uint32_t)spr_strlist_find(&dict->own, w->rstr[i]);
    dict->own_df[pos[i]] += w->rdf[i];
  }
  for (uint64_t i = 0; i < nr; i++) { /* the answers, in the order of the requests */
    (*reply)[2 * i] = dict->d0 + pos[i];
    (*reply)[2 * i + 1] = (uint32_t)dict->own_df[pos[i]];
  }
  free(pos);
cleanup:
  free(uniq);
  return rc;
}

/* Phase 4, collective on c. The answers (reply, consumed) go back to the askers: dict->lgid and
 * dict->ldf of every local term. */
static int spr_dict_answer(const spr_comm *c, spr_dict_work *w, uint32_t *reply, spr_dict *dict) {
  const int P = w->P;
  int rc = SPR_OK;
  for (int r = 0; r < P; r++) w->drcount[r] *= 2; /* (id, df) per requested term, back to its asker */
  SPR_TRYG(rc, spr_mpi_alltoallv(c, reply, w->drcount, (void **)&w->answer, w->dcount), cleanup);
  dict->lgid = malloc(((size_t)w->nl + 1) * sizeof *dict->lgid);
  dict->ldf = malloc(((size_t)w->nl + 1) * sizeof *dict->ldf);
  if (!dict->lgid || !dict->ldf) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  for (uint32_t i = 0; i < w->nl; i++) { /* answers arrive from owners in rank order = sorted order */
    dict->lgid[w->lid[i]] = w->answer[2 * i];
    dict->ldf[w->lid[i]] = w->answer[2 * i + 1];
  }
cleanup:
  free(reply);
  return rc;
}

int spr_build_dict(const spr_comm *c, const spr_vocab *voc, const spr_build_local *l, const uint32_t *ldf,
                   spr_dict *dict) {
  const int P = c->size;
  spr_dict_work w = {.P = P, .nl = spr_vocab_size(voc)};
  const uint32_t nl = w.nl;
  w.loc = malloc((nl ? nl : 1) * sizeof *w.loc);
  w.lid = malloc((nl ? nl : 1) * sizeof *w.lid);
  w.lcnt = calloc((size_t)nl + 1, sizeof *w.lcnt);
  w.scount = calloc((size_t)P, sizeof *w.scount), w.rcount = calloc((size_t)P, sizeof *w.rcount);
  w.dcount = calloc((size_t)P, sizeof *w.dcount), w.drcount = calloc((size_t)P, sizeof *w.drcount);
  w.splitters = malloc((size_t)P * sizeof *w.splitters);
  uint32_t *reply = NULL;
  int rc = SPR_OK;
  memset(dict, 0, sizeof *dict);
  if (!w.loc || !w.lid || !w.lcnt || !w.scount || !w.rcount || !w.dcount || !w.drcount || !w.splitters)
    rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory (%u local terms)", nl);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  spr_dict_sort_local(&w, voc, l, ldf);
  SPR_TRYG(rc, spr_dict_splitters(c, &w), cleanup);        /* 1. samples -> splitters */
  SPR_TRYG(rc, spr_dict_send_terms(c, &w), cleanup);       /* 2. local terms to their owners */
  SPR_TRYG(rc, spr_dict_merge(c, &w, dict, &reply), cleanup); /* 3. owners merge and answer */
  rc = spr_dict_answer(c, &w, reply, dict);                /* 4. answers back to the askers */
  reply = NULL;
  SPR_TRYG(rc, rc, cleanup);
cleanup:
  if (rc < 0) spr_dict_free(dict);
  free(w.loc);
  free(w.lid);
  free(w.lcnt);
  free(w.scount);
  free(w.rcount);
  free(w.dcount);
  free(w.drcount);
  free(w.splitters);
  free(w.allsamp);
  free(w.sp);
  free(w.rbuf);
  free(w.rdf);
  free(w.rstr);
  free(w.answer);
  free(reply);
  return rc;
}

/* Postings ownership: rank r owns the terms [tb[r], tb[r+1]) so that ranks own about equal numbers
 * of postings: tb[r] is the first term t whose preceding postings reach r/P of the total. Computed
 * by the dictionary owners from their terms' df (a prefix sum), combined by a min-reduction. */
int spr_term_ranges_dist(const spr_comm *c, const spr_dict *d, uint64_t total, uint32_t *tb) {
  const int P = c->size;
  uint64_t mine = 0, before = 0, all = 0;
  for (uint32_t i = 0; i < d->own.n; i++) mine += d->own_df[i];
  SPR_TRY(spr_mpi_exscan_u64(c, mine, &before, &all));
  uint64_t *cand = malloc(((size_t)P + 1) * sizeof *cand);
  if (!cand) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  for (int r = 0; r <= P; r++) cand[r] = d->n_terms;
  cand[0] = 0;
  uint64_t cum = before;
  int r = 1;
  for (uint32_t i = 0; i < d->own.n && r < P; i++) {
    while (r < P && (unsigned __int128)cum * (unsigned)P >= (unsigned __int128)total * (unsigned)r) cand[r++] = d->d0 + i;
    cum += d->own_df[i];
  }
  const int rc = spr_mpi_min_u64(c, cand, (size_t)P + 1);
  for (int k = 0; k <= P; k++) tb[k] = (uint32_t)cand[k];
  free(cand);
  return rc;
}
