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

int spr_build_dict(const spr_comm *c, const spr_vocab *voc, const spr_build_local *l, const uint32_t *ldf,
                   spr_dict *dict) {
  const int P = c->size;
  const uint32_t nl = spr_vocab_size(voc);
  const char **loc = malloc((nl ? nl : 1) * sizeof *loc);  /* local terms, sorted */
  uint32_t *lid = malloc((nl ? nl : 1) * sizeof *lid);     /* their local ids */
  uint32_t *lcnt = calloc((size_t)nl + 1, sizeof *lcnt);   /* local df by local id */
  uint64_t *scount = calloc((size_t)P, sizeof *scount), *rcount = calloc((size_t)P, sizeof *rcount);
  uint64_t *dcount = calloc((size_t)P, sizeof *dcount), *drcount = calloc((size_t)P, sizeof *drcount);
  const char **splitters = malloc((size_t)P * sizeof *splitters);
  char *samp = NULL, *sbuf = NULL, *allsamp = NULL, *rbuf = NULL;
  uint32_t *sdf = NULL, *rdf = NULL, *reply = NULL, *answer = NULL;
  const char **rstr = NULL, **uniq = NULL, **sp = NULL;
  size_t allsamp_len = 0;
  int rc = SPR_OK;
  memset(dict, 0, sizeof *dict);
  if (!loc || !lid || !lcnt || !scount || !rcount || !dcount || !drcount || !splitters)
    rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory (%u local terms)", nl);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  if (ldf) memcpy(lcnt, ldf, (size_t)nl * sizeof *lcnt);
  else
    for (uint64_t i = 0; i < l->n_post; i++) lcnt[l->tid[i]]++;
  {
    /* sort local ids by their strings */
    for (uint32_t i = 0; i < nl; i++) loc[i] = spr_vocab_string(voc, i);
    qsort(loc, nl, sizeof *loc, spr_cmp_strp);
    for (uint32_t i = 0; i < nl; i++) lid[i] = (uint32_t)spr_vocab_find(voc, loc[i], strlen(loc[i]));
  }
  /* 1. samples -> splitters */
  const uint32_t ns = nl < 32u * (uint32_t)P ? nl : 32u * (uint32_t)P;
  size_t sl = 0;
  for (uint32_t j = 0; j < ns; j++) sl += strlen(loc[(uint64_t)j * nl / ns]) + 1;
  samp = malloc(sl + 1);
  if (!samp) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  sl = 0;
  for (uint32_t j = 0; j < ns; j++) {
    const char *t = loc[(uint64_t)j * nl / ns];
    memcpy(samp + sl, t, strlen(t) + 1);
    sl += strlen(t) + 1;
  }
  SPR_TRYG(rc, spr_mpi_allgatherv(c, samp, sl, (void **)&allsamp, &allsamp_len, NULL), cleanup);
  {
    size_t na = 0;
    for (size_t i = 0; i < allsamp_len; i++) na += allsamp[i] == '\0';
    sp = malloc((na ? na : 1) * sizeof *sp);
    if (!sp) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
    SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
    size_t k = 0;
    for (size_t i = 0; i < allsamp_len; i += strlen(allsamp + i) + 1) sp[k++] = allsamp + i;
    qsort(sp, na, sizeof *sp, spr_cmp_strp);
    for (int r = 1; r < P; r++) splitters[r - 1] = na ? sp[(size_t)r * na / (size_t)P] : "";
  }
  /* 2. send every local term (sorted, so owners ascend) with its local df */
  size_t tot = 0;
  for (uint32_t i = 0; i < nl; i++) tot += strlen(loc[i]) + 1;
  sbuf = malloc(tot + 1);
  sdf = malloc(((size_t)nl + 1) * sizeof *sdf);
  if (!sbuf || !sdf) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
    int r = 0;
    size_t o = 0;
    for (uint32_t i = 0; i < nl; i++) {
      while (r < P - 1 && strcmp(splitters[r], loc[i]) <= 0) r++; /* owner: splitters <= term */
      const size_t n = strlen(loc[i]) + 1;
      memcpy(sbuf + o, loc[i], n);
      o += n;
      scount[r] += n;
      dcount[r] += sizeof(uint32_t);
      sdf[i] = lcnt[lid[i]];
    }
  }
  SPR_TRYG(rc, spr_mpi_alltoallv(c, sbuf, scount, (void **)&rbuf, rcount), cleanup);
  SPR_TRYG(rc, spr_mpi_alltoallv(c, sdf, dcount, (void **)&rdf, drcount), cleanup);
  /* 3. merge what this rank owns */
  uint64_t nr = 0, rbytes = 0;
  for (int r = 0; r < P; r++) {
    nr += drcount[r] / sizeof(uint32_t);
    rbytes += rcount[r];
  }
  rstr = malloc((nr ? nr : 1) * sizeof *rstr);
  uniq = malloc((nr ? nr : 1) * sizeof *uniq);
  if (!rstr || !uniq) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory (%llu terms)", (unsigned long long)nr);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
    uint64_t k = 0;
    for (uint64_t i = 0; i < rbytes; i += strlen(rbuf + i) + 1) rstr[k++] = rbuf + i;
  }
  memcpy(uniq, rstr, nr * sizeof *uniq);
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
  reply = malloc((nr ? nr : 1) * 2 * sizeof *reply);
  if (!dict->own.bytes || !dict->own.off || !dict->own_df || !reply) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  {
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
      pos[i] = (uint32_t)spr_strlist_find(&dict->own, rstr[i]);
      dict->own_df[pos[i]] += rdf[i];
    }
    /* 4. answers, in the order of the requests */
    for (uint64_t i = 0; i < nr; i++) {
      reply[2 * i] = dict->d0 + pos[i];
      reply[2 * i + 1] = (uint32_t)dict->own_df[pos[i]];
    }
    free(pos);
  }
  for (int r = 0; r < P; r++) drcount[r] *= 2; /* (id, df) per requested term, back to its asker */
  SPR_TRYG(rc, spr_mpi_alltoallv(c, reply, drcount, (void **)&answer, dcount), cleanup);
  dict->lgid = malloc(((size_t)nl + 1) * sizeof *dict->lgid);
  dict->ldf = malloc(((size_t)nl + 1) * sizeof *dict->ldf);
  if (!dict->lgid || !dict->ldf) rc = SPR_FAIL(SPR_ENOMEM, "dictionary: out of memory");
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  for (uint32_t i = 0; i < nl; i++) { /* answers arrive from owners in rank order = sorted order */
    dict->lgid[lid[i]] = answer[2 * i];
    dict->ldf[lid[i]] = answer[2 * i + 1];
  }
cleanup:
  if (rc < 0) spr_dict_free(dict);
  free(loc);
  free(lid);
  free(lcnt);
  free(scount);
  free(rcount);
  free(dcount);
  free(drcount);
  free(splitters);
  free(samp);
  free(sbuf);
  free(allsamp);
  free(rbuf);
  free(sdf);
  free(rdf);
  free(reply);
  free(answer);
  free(rstr);
  free(uniq);
  free(sp);
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
