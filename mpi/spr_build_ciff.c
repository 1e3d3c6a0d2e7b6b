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

/* The state of one spr_build_read_ciff call on one rank, filled phase by phase. */
typedef struct spr_ciff_read {
  const char *path;                 /* borrowed: the CIFF file */
  int P, R;                         /* ranks, this rank */
  const uint8_t *buf;               /* owned: the mapped file, size bytes */
  uint64_t size, pos;               /* pos: the offset of the next message to hop over */
  uint32_t NL, ND;                  /* postings lists and document records (the header's counts) */
  uint64_t dlo, dhi, nloc;          /* this rank's documents [dlo, dhi), nloc of them */
  uint64_t *loff, *llen;            /* owned, NL: offset and length of each list's message */
  uint64_t *toff;                   /* owned, NL: offset of each list's term string */
  uint32_t *tlen;                   /* owned, NL: its length */
  uint64_t *doff, *dlen;            /* owned, nloc: the messages of this rank's share of the records */
  uint64_t lists_begin, lists_end;  /* the bytes of the lists' messages */
  uint64_t *scount, *rcount;        /* owned, P: bytes to / from each rank (the last exchange's) */
  spr_ciff_trip *trip;              /* owned: the ntrip postings of this rank's documents */
  uint64_t ntrip;
  void *rrecv;                      /* owned: the document records of this rank's documents */
  const spr_ciff_rec **rec;         /* owned array, nloc: the record of each document (in rrecv) */
} spr_ciff_read;

/* Phase 0, local. Map the file and read its header: s->buf, s->size, s->pos past the header, the
 * counts s->NL and s->ND and this rank's documents [s->dlo, s->dhi). */
static int spr_ciff_read_header(spr_ciff_read *s) {
  const char *path = s->path;
  spr_ciff_header h;
  memset(&h, 0, sizeof h);
  spr_ciff_msg m;
  int rc = spr_ciff_map(path, &s->buf, &s->size);
  if (rc == SPR_OK) rc = spr_ciff_next(s->buf, s->size, path, &s->pos, &m);
  if (rc == SPR_OK) rc = spr_ciff_header_parse(s->buf, m, path, &h);
  if (rc == SPR_OK && ((uint64_t)h.num_postings_lists + h.num_doc_records) * 4 > s->size - s->pos)
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: the header announces %u postings lists and %u document "
                  "records, more than the remaining %llu bytes can hold", path, (spr_ull)m.off, h.num_postings_lists,
                  h.num_doc_records, (spr_ull)(s->size - s->pos));
  if (rc == SPR_OK && h.num_doc_records == 0)
    rc = SPR_FAIL(SPR_EPARSE, "%s: byte offset %llu: no document records", path, (spr_ull)m.off);
  if (rc != SPR_OK) return rc;
  s->NL = h.num_postings_lists;
  s->ND = h.num_doc_records;
  s->dlo = spr_ciff_base(s->ND, s->R, s->P);
  s->dhi = spr_ciff_base(s->ND, s->R + 1, s->P);
  s->nloc = s->dhi - s->dlo;
  return SPR_OK;
}

/* Phase 1, local. Hop over every message: the offsets of all lists and their terms (s->loff, llen,
 * toff, tlen; a term twice is an error, found the same way on every rank), the bytes of the lists
 * and this rank's share of the records (s->doff, dlen); nothing may follow the last record. */
static int spr_ciff_hop(spr_ciff_read *s) {
  const char *path = s->path;
  const uint8_t *buf = s->buf;
  const uint32_t NL = s->NL, ND = s->ND;
  spr_ciff_msg m;
  spr_vocab *all = NULL;
  int rc = SPR_OK;
  s->loff = malloc(((size_t)NL + 1) * sizeof *s->loff);
  s->llen = malloc(((size_t)NL + 1) * sizeof *s->llen);
  s->toff = malloc(((size_t)NL + 1) * sizeof *s->toff);
  s->tlen = malloc(((size_t)NL + 1) * sizeof *s->tlen);
  s->doff = malloc((s->nloc + 1) * sizeof *s->doff);
  s->dlen = malloc((s->nloc + 1) * sizeof *s->dlen);
  if (!s->loff || !s->llen || !s->toff || !s->tlen || !s->doff || !s->dlen)
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%u postings lists)", path, NL);
  if (rc == SPR_OK) rc = spr_vocab_create(&all);
  for (uint32_t i = 0; rc == SPR_OK && i < NL; i++) {
    rc = spr_ciff_next(buf, s->size, path, &s->pos, &m);
    if (rc == SPR_OK) rc = spr_ciff_list_term(buf, m, path, &s->toff[i], &s->tlen[i]);
    if (rc != SPR_OK) break;
    s->loff[i] = m.off;
    s->llen[i] = m.len;
    /* a term twice: every rank checks all (the same answer everywhere, no exchange) */
    const int64_t id = spr_vocab_intern(all, (const char *)buf + s->toff[i], s->tlen[i]);
    if (id < 0) rc = (int)id;
    else if ((uint32_t)id != i)
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList %u repeats the term '%.*s' of list %lld", path,
                    (spr_ull)m.off, i, (int)(s->tlen[i] < 64 ? s->tlen[i] : 64), (const char *)buf + s->toff[i],
                    (long long)id);
  }
  spr_vocab_free(&all);
  s->lists_begin = (NL && rc == SPR_OK) ? s->loff[0] : s->pos;
  s->lists_end = s->pos;
  for (uint32_t i = 0; rc == SPR_OK && i < ND; i++) {
    rc = spr_ciff_next(buf, s->size, path, &s->pos, &m);
    if (rc == SPR_OK && i >= s->dlo && i < s->dhi) {
      s->doff[i - s->dlo] = m.off;
      s->dlen[i - s->dlo] = m.len;
    }
  }
  if (rc == SPR_OK && s->pos != s->size)
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %llu bytes after the last document record", path,
                  (spr_ull)s->pos, (spr_ull)(s->size - s->pos));
  return rc;
}

/* Phase 2, collective on c. Decode the lists whose messages start in this rank's share of the lists'
 * bytes (split by bytes: lists differ wildly in length) and send every posting to its document's
 * owner, which receives s->trip (s->ntrip postings, lists in order from each rank). */
static int spr_ciff_route_postings(const spr_comm *c, spr_ciff_read *s) {
  const char *path = s->path;
  const int P = s->P, R = s->R;
  const uint32_t ND = s->ND;
  const uint64_t span = s->lists_end - s->lists_begin;
  const uint64_t blo = s->lists_begin + span * (uint64_t)R / (uint64_t)P;
  const uint64_t bhi = s->lists_begin + span * (uint64_t)(R + 1) / (uint64_t)P;
  spr_ciff_list lst = {0};
  spr_ciff_trip *trip = NULL, *send = NULL;
  uint64_t *cnt = NULL;
  uint64_t nt = 0, tcap = 0;
  int rc = SPR_OK;
  for (uint32_t i = 0; rc == SPR_OK && i < s->NL; i++) {
    if (s->loff[i] < blo || s->loff[i] >= bhi) continue;
    rc = spr_ciff_list_parse(s->buf, (spr_ciff_msg){s->loff[i], s->llen[i]}, path, ND, &lst);
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
      s->scount[r] = cnt[r + 1] * sizeof *send;
      cnt[r + 1] += cnt[r];
    }
    for (uint64_t j = 0; j < nt; j++) send[cnt[spr_ciff_owner(ND, P, trip[j].doc)]++] = trip[j];
  }
  free(trip);
  free(cnt);
  spr_ciff_list_free(&lst);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  void *recv = NULL;
  rc = spr_mpi_alltoallv_give(c, send, s->scount, &recv, s->rcount);
  send = NULL;
  s->trip = recv;
  SPR_TRYG(rc, rc, cleanup);
  for (int r = 0; r < P; r++) s->ntrip += s->rcount[r] / sizeof(spr_ciff_trip);
cleanup:
  free(send);
  return rc;
}

/* Phase 3, collective on c. Decode this rank's share of the document records and send each to its
 * docid's owner, which receives s->rrecv (a spr_ciff_rec and the 8-aligned id per record). */
static int spr_ciff_route_records(const spr_comm *c, spr_ciff_read *s) {
  const char *path = s->path;
  const int P = s->P;
  const uint32_t ND = s->ND;
  const uint64_t nloc = s->nloc;
  uint8_t *rsend = NULL;
  uint64_t *cnt = NULL;
  spr_ciff_doc *docs = malloc((nloc ? nloc : 1) * sizeof *docs);
  int rc = docs ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu documents)", path, (spr_ull)nloc);
  memset(s->scount, 0, (size_t)P * sizeof *s->scount);
  uint64_t rbytes = 0;
  for (uint64_t i = 0; rc == SPR_OK && i < nloc; i++) {
    rc = spr_ciff_doc_parse(s->buf, (spr_ciff_msg){s->doff[i], s->dlen[i]}, path, ND, &docs[i]);
    if (rc == SPR_OK) {
      const uint64_t b = sizeof(spr_ciff_rec) + ((docs[i].id_len + 7u) & ~7u); /* 8-aligned */
      s->scount[spr_ciff_owner(ND, P, docs[i].docid)] += b;
      rbytes += b;
    }
  }
  if (rc == SPR_OK && !(rsend = malloc(rbytes ? rbytes : 1)))
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  if (rc == SPR_OK && !(cnt = calloc((size_t)P + 1, sizeof *cnt)))
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  if (rc == SPR_OK) {
    for (int r = 0; r < P; r++) cnt[r + 1] = cnt[r] + s->scount[r];
    for (uint64_t i = 0; i < nloc; i++) {
      const spr_ciff_doc *d = &docs[i];
      uint64_t *at = &cnt[spr_ciff_owner(ND, P, d->docid)];
      const spr_ciff_rec hd = {s->doff[i], d->docid, d->length, d->id_len, 0};
      memcpy(rsend + *at, &hd, sizeof hd);
      memcpy(rsend + *at + sizeof hd, s->buf + d->id_off, d->id_len);
      memset(rsend + *at + sizeof hd + d->id_len, 0, ((d->id_len + 7u) & ~7u) - d->id_len);
      *at += sizeof hd + ((d->id_len + 7u) & ~7u);
    }
  }
  free(docs);
  free(cnt);
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  rc = spr_mpi_alltoallv_give(c, rsend, s->scount, &s->rrecv, s->rcount);
  rsend = NULL;
  SPR_TRYG(rc, rc, cleanup);
cleanup:
  free(rsend);
  return rc;
}

/* Phase 4a, local. s->rec: the record of each of this rank's documents, found in s->rrecv; a docid
 * twice or none is an error. */
static int spr_ciff_index_records(spr_ciff_read *s) {
  const char *path = s->path;
  const uint64_t dlo = s->dlo, nloc = s->nloc;
  uint64_t rb = 0;
  for (int r = 0; r < s->P; r++) rb += s->rcount[r];
  const spr_ciff_rec **rec = calloc(nloc ? nloc : 1, sizeof *rec);
  s->rec = rec;
  int rc = rec ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  for (uint64_t o = 0; rc == SPR_OK && o < rb;) {
    const spr_ciff_rec *hd = (const spr_ciff_rec *)((const uint8_t *)s->rrecv + o);
    SPR_ASSERT(hd->docid >= dlo && hd->docid < s->dhi);
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
  return rc;
}

/* Phase 4b, local. Sort s->trip by local document (stable: a document's terms stay in list order, so
 * ascending; s->trip is freed) and add every document to l with spr_build_add_doc: its terms
 * interned in voc, weight = tf, its record's id and length. */
static int spr_ciff_assemble(spr_ciff_read *s, spr_vocab *voc, spr_build_local *l) {
  const uint64_t dlo = s->dlo, nloc = s->nloc, ntrip = s->ntrip;
  const uint32_t NL = s->NL;
  uint64_t *cnt = calloc(nloc + 1, sizeof *cnt);
  spr_ciff_trip *send = malloc((ntrip ? ntrip : 1) * sizeof *send); /* the postings by document */
  uint32_t *tmap = malloc(((size_t)NL + 1) * sizeof *tmap);        /* list -> local term id */
  spr_pair *pairs = NULL;
  int rc = SPR_OK;
  if (!cnt || !send || !tmap) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu postings)", s->path, (spr_ull)ntrip);
  if (rc == SPR_OK) {
    const spr_ciff_trip *t = s->trip;
    for (uint64_t j = 0; j < ntrip; j++) cnt[t[j].doc - dlo + 1]++;
    uint64_t maxlen = 0;
    for (uint64_t i = 0; i < nloc; i++) {
      maxlen = cnt[i + 1] > maxlen ? cnt[i + 1] : maxlen;
      cnt[i + 1] += cnt[i];
    }
    for (uint64_t j = 0; j < ntrip; j++) send[cnt[t[j].doc - dlo]++] = t[j];
    for (uint32_t i = 0; i < NL; i++) tmap[i] = UINT32_MAX;
    pairs = malloc((maxlen ? maxlen : 1) * sizeof *pairs);
    if (!pairs) rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", s->path);
    free(s->trip);
    s->trip = NULL;
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
          const int64_t id = spr_vocab_intern(voc, (const char *)s->buf + s->toff[li], s->tlen[li]);
          if (id < 0) rc = (int)id;
          else tmap[li] = (uint32_t)id;
        }
        pairs[np++] = (spr_pair){tmap[li], (double)send[j].tf};
      }
      if (rc != SPR_OK) break;
      const spr_ciff_rec *hd = s->rec[i];
      rc = spr_build_add_doc(l, (const char *)(hd + 1), hd->id_len, dlo + i + 1, pairs, np);
      if (rc == SPR_OK) l->dl[l->n_docs - 1] = hd->length;
    }
  }
  free(cnt);
  free(send);
  free(tmap);
  free(pairs);
  return rc;
}

int spr_build_read_ciff(const spr_comm *c, const spr_build_params *p, spr_vocab *voc, spr_build_local *l) {
  spr_ciff_read s = {.path = p->corpus, .P = c->size, .R = c->rank};
  s.scount = calloc((size_t)s.P, sizeof *s.scount);
  s.rcount = calloc((size_t)s.P, sizeof *s.rcount);
  int rc = (s.scount && s.rcount) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", s.path);
  if (rc == SPR_OK) rc = spr_ciff_read_header(&s);       /* 0. the header */
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  rc = spr_ciff_hop(&s);                                  /* 1. where every message is */
  SPR_TRYG(rc, spr_mpi_agree(c, rc), cleanup);
  SPR_TRYG(rc, spr_ciff_route_postings(c, &s), cleanup); /* 2. postings to their documents' owners */
  SPR_TRYG(rc, spr_ciff_route_records(c, &s), cleanup);  /* 3. records to their documents' owners */
  rc = spr_ciff_index_records(&s);                        /* 4. this rank's documents [dlo, dhi) */
  if (rc == SPR_OK) rc = spr_ciff_assemble(&s, voc, l);

cleanup:
  spr_ciff_unmap(&s.buf, s.size);
  free(s.loff);
  free(s.llen);
  free(s.toff);
  free(s.tlen);
  free(s.doff);
  free(s.dlen);
  free(s.scount);
  free(s.rcount);
  free(s.trip);
  free(s.rrecv);
  free(s.rec);
  return rc;
}
