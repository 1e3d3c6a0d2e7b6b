/* spr_build_ciff.c: the index build's CIFF reader (docs/ciff.md). Collective.
 *
 * Every rank maps the file and hops over the message length prefixes (one varint per message) and
 * the term strings at the start of the postings lists, without decoding postings: that gives every
 * rank the offsets of all messages and every term string (rank-independent, so every rank finds a
 * damaged prefix at the same byte). Then the work is split:
 *   - postings lists: rank r decodes the lists whose messages start in the r-th of P equal byte
 *     ranges of the lists' region, and sends each posting as (list index, docid, tf) to the rank
 *     that owns the docid (documents [n*r/P, n*(r+1)/P) in CIFF docid order);
 *   - document records: rank r decodes records [n*r/P, n*(r+1)/P) of the stream and sends each to
 *     its docid's owner (usually itself: writers emit records in docid order);
 * and each owner assembles its documents: terms interned by their string, weight = tf, dl = the
 * record's doclength, line = docid + 1, id = collection_docid. Errors name the path and a byte
 * offset; every rank agrees on the outcome before each collective. */
#include <stdlib.h>
#include <string.h>

#include "spr_build_ciff.h"
#include "spr_ciff.h"

typedef unsigned long long spr_ull;

typedef struct spr_ciff_trip { /* one posting in transit to its document's owner */
  uint32_t list, doc, tf;
} spr_ciff_trip;

/* a document record in transit: this header, then id_len bytes */
typedef struct spr_ciff_rec {
  uint64_t off; /* byte offset of the record (for messages) */
  uint32_t docid, length, id_len, pad;
} spr_ciff_rec;

static uint64_t spr_ciff_base(uint64_t n, int r, int P) { return n * (uint64_t)r / (uint64_t)P; }

/* The rank whose documents [base(r), base(r+1)) hold d. */
static int spr_ciff_owner(uint64_t n, int P, uint64_t d) {
  int r = (int)(d * (uint64_t)P / n);
  while (r + 1 < P && spr_ciff_base(n, r + 1, P) <= d) r++;
  while (r > 0 && spr_ciff_base(n, r, P) > d) r--;
  return r;
}

int spr_build_read_ciff(const spr_comm *c, const spr_build_params *p, spr_vocab *voc, spr_build_local *l) {
  const char *path = p->corpus;
  const int P = c->size, R = c->rank;
  const uint8_t *buf = NULL;
  uint64_t size = 0, pos = 0;
  spr_ciff_header h;
  memset(&h, 0, sizeof h);
  spr_ciff_msg m;
  uint64_t *loff = NULL, *llen = NULL, *toff = NULL, *doff = NULL, *dlen = NULL, *cnt = NULL;
  uint32_t *tlen = NULL, *tmap = NULL;
  spr_ciff_trip *trip = NULL, *send = NULL;
  spr_ciff_doc *docs = NULL;
  const spr_ciff_rec **rec = NULL; /* borrowed from rrecv: the record of each local document */
  uint8_t *rsend = NULL;
  uint64_t *scount = calloc((size_t)P, sizeof *scount), *rcount = calloc((size_t)P, sizeof *rcount);
  void *recv = NULL, *rrecv = NULL;
  spr_pair *pairs = NULL;
  spr_vocab *all = NULL;
  spr_ciff_list lst = {0};
  int rc = (scount && rcount) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);

  /* 0. header */
  if (rc == SPR_OK) rc = spr_ciff_map(path, &buf, &size);
  if (rc == SPR_OK) rc = spr_ciff_next(buf, size, path, &pos, &m);
  if (rc == SPR_OK) rc = spr_ciff_header_parse(buf, m, path, &h);
  if (rc == SPR_OK && ((uint64_t)h.num_postings_lists + h.num_doc_records) * 4 > size - pos)
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: the header announces %u postings lists and %u document "
                  "records, more than the remaining %llu bytes can hold", path, (spr_ull)m.off, h.num_postings_lists,
                  h.num_doc_records, (spr_ull)(size - pos));
  if (rc == SPR_OK && h.num_doc_records == 0)
    rc = SPR_FAIL(SPR_EPARSE, "%s: byte offset %llu: no document records", path, (spr_ull)m.off);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  const uint32_t NL = h.num_postings_lists, ND = h.num_doc_records;
  const uint64_t dlo = spr_ciff_base(ND, R, P), dhi = spr_ciff_base(ND, R + 1, P), nloc = dhi - dlo;

  /* 1. hop over every message: list offsets and terms (all), this rank's share of the records */
  loff = malloc(((size_t)NL + 1) * sizeof *loff);
  llen = malloc(((size_t)NL + 1) * sizeof *llen);
  toff = malloc(((size_t)NL + 1) * sizeof *toff);
  tlen = malloc(((size_t)NL + 1) * sizeof *tlen);
  doff = malloc((nloc + 1) * sizeof *doff);
  dlen = malloc((nloc + 1) * sizeof *dlen);
  if (!loff || !llen || !toff || !tlen || !doff || !dlen)
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%u postings lists)", path, NL);
  if (rc == SPR_OK) rc = spr_vocab_create(&all);
  for (uint32_t i = 0; rc == SPR_OK && i < NL; i++) {
    rc = spr_ciff_next(buf, size, path, &pos, &m);
    if (rc == SPR_OK) rc = spr_ciff_list_term(buf, m, path, &toff[i], &tlen[i]);
    if (rc != SPR_OK) break;
    loff[i] = m.off;
    llen[i] = m.len;
    /* a term twice: every rank checks all (the same answer everywhere, no exchange) */
    const int64_t id = spr_vocab_intern(all, (const char *)buf + toff[i], tlen[i]);
    if (id < 0) rc = (int)id;
    else if ((uint32_t)id != i)
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList %u repeats the term '%.*s' of list %lld", path,
                    (spr_ull)m.off, i, (int)(tlen[i] < 64 ? tlen[i] : 64), (const char *)buf + toff[i], (long long)id);
  }
  const uint64_t lists_begin = (NL && rc == SPR_OK) ? loff[0] : pos, lists_end = pos;
  for (uint32_t i = 0; rc == SPR_OK && i < ND; i++) {
    rc = spr_ciff_next(buf, size, path, &pos, &m);
    if (rc == SPR_OK && i >= dlo && i < dhi) {
      doff[i - dlo] = m.off;
      dlen[i - dlo] = m.len;
    }
  }
  if (rc == SPR_OK && pos != size)
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %llu bytes after the last document record", path, (spr_ull)pos,
                  (spr_ull)(size - pos));
  spr_vocab_free(&all);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);

  /* 2. decode this rank's lists (split by bytes: lists differ wildly in length), route postings */
  {
    const uint64_t span = lists_end - lists_begin;
    const uint64_t blo = lists_begin + span * (uint64_t)R / (uint64_t)P;
    const uint64_t bhi = lists_begin + span * (uint64_t)(R + 1) / (uint64_t)P;
    uint64_t nt = 0, tcap = 0;
    for (uint32_t i = 0; rc == SPR_OK && i < NL; i++) {
      if (loff[i] < blo || loff[i] >= bhi) continue;
      rc = spr_ciff_list_parse(buf, (spr_ciff_msg){loff[i], llen[i]}, path, ND, &lst);
      if (rc == SPR_OK) rc = spr_build_grow((void **)&trip, &tcap, nt + lst.n, sizeof *trip);
      for (uint64_t j = 0; rc == SPR_OK && j < lst.n; j++) trip[nt++] = (spr_ciff_trip){i, lst.doc[j], lst.tf[j]};
    }
    if (rc == SPR_OK) {
      send = malloc((nt ? nt : 1) * sizeof *send);
      cnt = calloc((size_t)P + 1, sizeof *cnt);
      if (!send || !cnt) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu postings)", path, (spr_ull)nt);
    }
    if (rc == SPR_OK) { /* stable counting sort by owner: each owner gets lists in order */
      for (uint64_t j = 0; j < nt; j++) cnt[spr_ciff_owner(ND, P, trip[j].doc) + 1]++;
      for (int r = 0; r < P; r++) {
        scount[r] = cnt[r + 1] * sizeof *send;
        cnt[r + 1] += cnt[r];
      }
      for (uint64_t j = 0; j < nt; j++) send[cnt[spr_ciff_owner(ND, P, trip[j].doc)]++] = trip[j];
    }
    free(trip);
    trip = NULL;
    spr_ciff_list_free(&lst);
  }
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  rc = spr_mpi_alltoallv_give(c, send, scount, &recv, rcount);
  send = NULL;
  SPR_TRYG(rc, rc, cleanup);
  uint64_t ntrip = 0;
  for (int r = 0; r < P; r++) ntrip += rcount[r] / sizeof(spr_ciff_trip);

  /* 3. this rank's share of the document records, sent to their docids' owners */
  docs = malloc((nloc ? nloc : 1) * sizeof *docs);
  if (!docs) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu documents)", path, (spr_ull)nloc);
  memset(scount, 0, (size_t)P * sizeof *scount);
  uint64_t rbytes = 0;
  for (uint64_t i = 0; rc == SPR_OK && i < nloc; i++) {
    rc = spr_ciff_doc_parse(buf, (spr_ciff_msg){doff[i], dlen[i]}, path, ND, &docs[i]);
    if (rc == SPR_OK) {
      const uint64_t b = sizeof(spr_ciff_rec) + ((docs[i].id_len + 7u) & ~7u); /* 8-aligned */
      scount[spr_ciff_owner(ND, P, docs[i].docid)] += b;
      rbytes += b;
    }
  }
  if (rc == SPR_OK && !(rsend = malloc(rbytes ? rbytes : 1)))
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  if (rc == SPR_OK) {
    free(cnt);
    cnt = calloc((size_t)P + 1, sizeof *cnt);
    if (!cnt) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  if (rc == SPR_OK) {
    for (int r = 0; r < P; r++) cnt[r + 1] = cnt[r] + scount[r];
    for (uint64_t i = 0; i < nloc; i++) {
      const spr_ciff_doc *d = &docs[i];
      uint64_t *at = &cnt[spr_ciff_owner(ND, P, d->docid)];
      const spr_ciff_rec hd = {doff[i], d->docid, d->length, d->id_len, 0};
      memcpy(rsend + *at, &hd, sizeof hd);
      memcpy(rsend + *at + sizeof hd, buf + d->id_off, d->id_len);
      memset(rsend + *at + sizeof hd + d->id_len, 0, ((d->id_len + 7u) & ~7u) - d->id_len);
      *at += sizeof hd + ((d->id_len + 7u) & ~7u);
    }
  }
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  rc = spr_mpi_alltoallv_give(c, rsend, scount, &rrecv, rcount);
  rsend = NULL;
  SPR_TRYG(rc, rc, cleanup);

  /* 4. assemble this rank's documents [dlo, dhi) */
  {
    uint64_t rb = 0;
    for (int r = 0; r < P; r++) rb += rcount[r];
    rec = calloc(nloc ? nloc : 1, sizeof *rec);
    if (!rec) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    for (uint64_t o = 0; rc == SPR_OK && o < rb;) {
      const spr_ciff_rec *hd = (const spr_ciff_rec *)((const uint8_t *)rrecv + o);
      SPR_ASSERT(hd->docid >= dlo && hd->docid < dhi);
      if (rec[hd->docid - dlo])
        rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord repeats docid %u (first at byte offset %llu)", path,
                      (spr_ull)(hd->off > rec[hd->docid - dlo]->off ? hd->off : rec[hd->docid - dlo]->off), hd->docid,
                      (spr_ull)(hd->off > rec[hd->docid - dlo]->off ? rec[hd->docid - dlo]->off : hd->off));
      rec[hd->docid - dlo] = hd;
      o += sizeof *hd + ((hd->id_len + 7u) & ~7u);
    }
    /* n records, docids in [0, n), none twice: every docid has one (kept as a check) */
    for (uint64_t i = 0; rc == SPR_OK && i < nloc; i++)
      if (!rec[i]) rc = SPR_FAIL(SPR_ECORRUPT, "%s: no DocRecord for docid %llu", path, (spr_ull)(dlo + i));
  }
  /* postings by local document (stable: a document's terms stay in list order, so ascending) */
  if (rc == SPR_OK) {
    free(cnt);
    cnt = calloc(nloc + 1, sizeof *cnt);
    send = malloc((ntrip ? ntrip : 1) * sizeof *send);
    tmap = malloc(((size_t)NL + 1) * sizeof *tmap);
    if (!cnt || !send || !tmap) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu postings)", path, (spr_ull)ntrip);
  }
  if (rc == SPR_OK) {
    const spr_ciff_trip *t = recv;
    for (uint64_t j = 0; j < ntrip; j++) cnt[t[j].doc - dlo + 1]++;
    uint64_t maxlen = 0;
    for (uint64_t i = 0; i < nloc; i++) {
      maxlen = cnt[i + 1] > maxlen ? cnt[i + 1] : maxlen;
      cnt[i + 1] += cnt[i];
    }
    for (uint64_t j = 0; j < ntrip; j++) send[cnt[t[j].doc - dlo]++] = t[j];
    for (uint32_t i = 0; i < NL; i++) tmap[i] = UINT32_MAX;
    pairs = malloc((maxlen ? maxlen : 1) * sizeof *pairs);
    if (!pairs) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    free(recv);
    recv = NULL;
    if (rc == SPR_OK && l->n_docs == 0) { /* spr_build_add_doc's precondition */
      rc = spr_build_grow((void **)&l->id_off, &l->id_off_cap, 2, sizeof *l->id_off);
      if (rc == SPR_OK) l->id_off[0] = 0;
    }
    uint64_t j = 0;
    for (uint64_t i = 0; rc == SPR_OK && i < nloc; i++) {
      size_t np = 0;
      for (; rc == SPR_OK && j < ntrip && send[j].doc == dlo + i; j++) {
        const uint32_t li = send[j].list;
        if (tmap[li] == UINT32_MAX) { /* first use of this term here: into the local vocabulary */
          const int64_t id = spr_vocab_intern(voc, (const char *)buf + toff[li], tlen[li]);
          if (id < 0) rc = (int)id;
          else tmap[li] = (uint32_t)id;
        }
        pairs[np++] = (spr_pair){tmap[li], (double)send[j].tf};
      }
      if (rc != SPR_OK) break;
      const spr_ciff_rec *hd = rec[i];
      rc = spr_build_add_doc(l, (const char *)(hd + 1), hd->id_len, dlo + i + 1, pairs, np);
      if (rc == SPR_OK) l->dl[l->n_docs - 1] = hd->length;
    }
  }

cleanup:
  spr_ciff_unmap(&buf, size);
  spr_vocab_free(&all);
  spr_ciff_list_free(&lst);
  free(loff);
  free(llen);
  free(toff);
  free(tlen);
  free(doff);
  free(dlen);
  free(tmap);
  free(cnt);
  free(trip);
  free(send);
  free(docs);
  free(rec);
  free(rsend);
  free(scount);
  free(rcount);
  free(recv);
  free(rrecv);
  free(pairs);
  return rc;
}
