/* spr_ciff.c: CIFF reading (a hand-written protobuf wire decoder: no allocation per posting, exact
 * byte offsets in every message) and writing (protobuf-c, from shard/ciff.proto, generated into
 * the build folder). The fuzz target checks the reader against protobuf-c's own decoder. */
#define _DEFAULT_SOURCE /* fsync */
#include "spr_ciff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ciff.pb-c.h"
#include "spr_file.h"
#include "spr_vocab.h"

typedef unsigned long long spr_ull; /* for printf */

/* ---------------------------------------------------------------- wire reader */
typedef struct spr_ciff_rd {
  const uint8_t *b;
  uint64_t pos, end; /* absolute offsets in b */
  const char *path;
} spr_ciff_rd;

enum { SPR_WT_VARINT = 0, SPR_WT_I64 = 1, SPR_WT_LEN = 2, SPR_WT_I32 = 5 };

static int spr_ciff_varint(spr_ciff_rd *r, const char *what, uint64_t *v) {
  const uint64_t start = r->pos;
  uint64_t x = 0;
  for (int i = 0; i < 10; i++) {
    if (r->pos >= r->end)
      return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: truncated varint (%s)", r->path, (spr_ull)start, what);
    const uint8_t c = r->b[r->pos++];
    if (i == 9 && c > 1)
      return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: varint overflows 64 bits (%s)", r->path, (spr_ull)start, what);
    x |= (uint64_t)(c & 0x7f) << (7 * i);
    if (!(c & 0x80)) {
      *v = x;
      return SPR_OK;
    }
  }
  return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: varint longer than 10 bytes (%s)", r->path, (spr_ull)start, what);
}

typedef struct spr_ciff_field {
  uint32_t num;
  int wt;
  uint64_t v;        /* varint / fixed value */
  uint64_t off, len; /* length-delimited payload */
  uint64_t at;       /* offset of the key */
} spr_ciff_field;

/* The next field of the message [r->pos, r->end); its payload is consumed. */
static int spr_ciff_field_next(spr_ciff_rd *r, const char *msg, spr_ciff_field *f) {
  f->at = r->pos;
  uint64_t key = 0;
  SPR_TRY(spr_ciff_varint(r, msg, &key));
  f->num = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffffu)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: invalid field number %llu", r->path, (spr_ull)f->at, msg,
                    (spr_ull)(key >> 3));
  switch (f->wt) {
  case SPR_WT_VARINT:
    return spr_ciff_varint(r, msg, &f->v);
  case SPR_WT_I64:
  case SPR_WT_I32: {
    const uint64_t n = f->wt == SPR_WT_I64 ? 8 : 4;
    if (r->end - r->pos < n)
      return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: truncated fixed-width field %u", r->path,
                      (spr_ull)f->at, msg, f->num);
    f->v = 0;
    for (uint64_t i = 0; i < n; i++) f->v |= (uint64_t)r->b[r->pos + i] << (8 * i);
    r->pos += n;
    return SPR_OK;
  }
  case SPR_WT_LEN:
    SPR_TRY(spr_ciff_varint(r, msg, &f->len));
    if (f->len > r->end - r->pos)
      return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field %u of %llu bytes runs past the message end (%llu)",
                      r->path, (spr_ull)f->at, msg, f->num, (spr_ull)f->len, (spr_ull)r->end);
    f->off = r->pos;
    r->pos += f->len;
    return SPR_OK;
  default:
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field %u has unsupported wire type %d", r->path,
                    (spr_ull)f->at, msg, f->num, f->wt);
  }
}

/* A known field must have its expected wire type and occur once (CIFF writers never repeat one;
 * protobuf would keep the last, which would make the cheap term scan disagree with the decoder). */
static int spr_ciff_known(const spr_ciff_rd *r, const char *msg, const spr_ciff_field *f, int wt, uint32_t *seen) {
  if (f->wt != wt)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field %u has wire type %d, expected %d", r->path,
                    (spr_ull)f->at, msg, f->num, f->wt, wt);
  if (*seen & (1u << f->num))
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field %u occurs twice", r->path, (spr_ull)f->at, msg,
                    f->num);
  *seen |= 1u << f->num;
  return SPR_OK;
}

static int spr_ciff_int32(const spr_ciff_rd *r, const char *msg, const spr_ciff_field *f, const char *name,
                          int nonneg, int32_t *out) {
  const int32_t v = (int32_t)(uint32_t)f->v; /* protobuf int32: the low 32 bits */
  if (nonneg && v < 0)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: negative %s (%d)", r->path, (spr_ull)f->at, msg, name, v);
  *out = v;
  return SPR_OK;
}

/* ---------------------------------------------------------------- file */
int spr_ciff_map(const char *path, const uint8_t **buf, uint64_t *size) {
  *buf = NULL;
  *size = 0;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SPR_FAIL(SPR_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    const int e = errno;
    close(fd);
    return SPR_FAIL(SPR_EIO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return SPR_FAIL(SPR_EIO, "%s: not a regular file", path);
  }
  if (sb.st_size == 0) {
    close(fd);
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset 0: empty file (a CIFF file starts with a header)", path);
  }
  void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int e = errno;
  close(fd);
  if (p == MAP_FAILED) return SPR_FAIL(SPR_EIO, "%s: cannot map %llu bytes: %s", path, (spr_ull)sb.st_size, strerror(e));
  (void)madvise(p, (size_t)sb.st_size, MADV_SEQUENTIAL);
  *buf = p;
  *size = (uint64_t)sb.st_size;
  return SPR_OK;
}

void spr_ciff_unmap(const uint8_t **buf, uint64_t size) {
  if (*buf) munmap((void *)(uintptr_t)*buf, (size_t)size);
  *buf = NULL;
}

int spr_ciff_next(const uint8_t *buf, uint64_t size, const char *path, uint64_t *pos, spr_ciff_msg *m) {
  spr_ciff_rd r = {buf, *pos, size, path};
  uint64_t len = 0;
  SPR_TRY(spr_ciff_varint(&r, "message length", &len));
  if (len > size - r.pos)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: message of %llu bytes runs past the end of the file (%llu bytes)",
                    path, (spr_ull)*pos, (spr_ull)len, (spr_ull)size);
  m->off = r.pos;
  m->len = len;
  *pos = r.pos + len;
  return SPR_OK;
}

/* ---------------------------------------------------------------- messages */
int spr_ciff_header_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, spr_ciff_header *h) {
  static const char msg[] = "Header";
  memset(h, 0, sizeof *h);
  spr_ciff_rd r = {buf, m.off, m.off + m.len, path};
  uint32_t seen = 0;
  int32_t nl = 0, nd = 0;
  while (r.pos < r.end) {
    spr_ciff_field f;
    SPR_TRY(spr_ciff_field_next(&r, msg, &f));
    switch (f.num) {
    case 1:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "version", 0, &h->version));
      break;
    case 2:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "num_postings_lists", 1, &nl));
      break;
    case 3:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "num_doc_records", 1, &nd));
      break;
    case 4:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "total_postings_lists", 0, &h->total_postings_lists));
      break;
    case 5:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "total_docs", 0, &h->total_docs));
      break;
    case 6:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      h->total_terms_in_collection = (int64_t)f.v;
      break;
    case 7:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_I64, &seen));
      memcpy(&h->average_doclength, &f.v, sizeof h->average_doclength);
      break;
    case 8:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_LEN, &seen));
      if (f.len > UINT32_MAX)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: Header: description too long", path, (spr_ull)f.at);
      h->description_off = f.off;
      h->description_len = (uint32_t)f.len;
      break;
    default:
      break; /* unknown fields: skipped (later versions may add some) */
    }
  }
  h->num_postings_lists = (uint32_t)nl;
  h->num_doc_records = (uint32_t)nd;
  return SPR_OK;
}

static int spr_ciff_check_term(const uint8_t *buf, const spr_ciff_field *f, const char *path) {
  if (f->len == 0)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList: empty term", path, (spr_ull)f->at);
  if (f->len > UINT32_MAX)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList: term too long", path, (spr_ull)f->at);
  if (memchr(buf + f->off, '\0', (size_t)f->len))
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList: NUL byte in the term", path, (spr_ull)f->at);
  return SPR_OK;
}

int spr_ciff_list_term(const uint8_t *buf, spr_ciff_msg m, const char *path, uint64_t *term_off, uint32_t *term_len) {
  static const char msg[] = "PostingsList";
  spr_ciff_rd r = {buf, m.off, m.off + m.len, path};
  while (r.pos < r.end) {
    spr_ciff_field f;
    SPR_TRY(spr_ciff_field_next(&r, msg, &f));
    if (f.num != 1) continue;
    if (f.wt != SPR_WT_LEN)
      return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field 1 has wire type %d, expected 2", path,
                      (spr_ull)f.at, msg, f.wt);
    SPR_TRY(spr_ciff_check_term(buf, &f, path));
    *term_off = f.off;
    *term_len = (uint32_t)f.len;
    return SPR_OK;
  }
  return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList without a term", path, (spr_ull)m.off);
}

static int spr_ciff_list_push(spr_ciff_list *l, uint32_t doc, uint32_t tf) {
  if (l->n == l->cap) {
    const uint64_t nc = l->cap ? 2 * l->cap : 256;
    uint32_t *d = realloc(l->doc, nc * sizeof *d);
    if (!d) return SPR_FAIL(SPR_ENOMEM, "CIFF: out of memory (%llu postings)", (spr_ull)nc);
    l->doc = d;
    uint32_t *t = realloc(l->tf, nc * sizeof *t);
    if (!t) return SPR_FAIL(SPR_ENOMEM, "CIFF: out of memory (%llu postings)", (spr_ull)nc);
    l->tf = t;
    l->cap = nc;
  }
  l->doc[l->n] = doc;
  l->tf[l->n] = tf;
  l->n++;
  return SPR_OK;
}

int spr_ciff_list_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, uint32_t n_docs, spr_ciff_list *l) {
  static const char msg[] = "PostingsList", pmsg[] = "Posting";
  spr_ciff_rd r = {buf, m.off, m.off + m.len, path};
  uint32_t seen = 0;
  l->n = 0;
  l->df = l->cf = 0;
  l->term_len = 0;
  uint64_t sum_tf = 0;
  int64_t prev = -1;
  while (r.pos < r.end) {
    spr_ciff_field f;
    SPR_TRY(spr_ciff_field_next(&r, msg, &f));
    switch (f.num) {
    case 1:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_LEN, &seen));
      SPR_TRY(spr_ciff_check_term(buf, &f, path));
      l->term_off = f.off;
      l->term_len = (uint32_t)f.len;
      break;
    case 2:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      l->df = (int64_t)f.v;
      break;
    case 3:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      l->cf = (int64_t)f.v;
      break;
    case 4: {
      if (f.wt != SPR_WT_LEN)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: field 4 has wire type %d, expected 2", path,
                        (spr_ull)f.at, msg, f.wt);
      spr_ciff_rd pr = {buf, f.off, f.off + f.len, path};
      uint32_t pseen = 0;
      int32_t gap = 0, tf = 0;
      while (pr.pos < pr.end) {
        spr_ciff_field g;
        SPR_TRY(spr_ciff_field_next(&pr, pmsg, &g));
        if (g.num == 1) {
          SPR_TRY(spr_ciff_known(&pr, pmsg, &g, SPR_WT_VARINT, &pseen));
          gap = (int32_t)(uint32_t)g.v;
        } else if (g.num == 2) {
          SPR_TRY(spr_ciff_known(&pr, pmsg, &g, SPR_WT_VARINT, &pseen));
          tf = (int32_t)(uint32_t)g.v;
        }
      }
      const int64_t doc = prev < 0 ? gap : prev + gap;
      if (prev < 0 && gap < 0)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: negative docid %d", path, (spr_ull)f.at, msg, gap);
      if (prev >= 0 && gap <= 0)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: docids not increasing (gap %d after docid %lld)", path,
                        (spr_ull)f.at, msg, gap, (long long)prev);
      if (doc >= (int64_t)n_docs)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: docid %lld out of range (%u document records)", path,
                        (spr_ull)f.at, msg, (long long)doc, n_docs);
      if (tf <= 0)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %s: tf %d at docid %lld (must be >= 1)", path,
                        (spr_ull)f.at, msg, tf, (long long)doc);
      SPR_TRY(spr_ciff_list_push(l, (uint32_t)doc, (uint32_t)tf));
      sum_tf += (uint32_t)tf;
      prev = doc;
      break;
    }
    default:
      break;
    }
  }
  if (!(seen & (1u << 1)))
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList without a term", path, (spr_ull)m.off);
  if (l->df < 0 || (uint64_t)l->df != l->n)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList '%.*s': df %lld but %llu postings", path,
                    (spr_ull)m.off, (int)(l->term_len < 64 ? l->term_len : 64), (const char *)buf + l->term_off,
                    (long long)l->df, (spr_ull)l->n);
  if (l->cf < 0 || (uint64_t)l->cf != sum_tf)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList '%.*s': cf %lld but the tf values sum to %llu",
                    path, (spr_ull)m.off, (int)(l->term_len < 64 ? l->term_len : 64), (const char *)buf + l->term_off,
                    (long long)l->cf, (spr_ull)sum_tf);
  return SPR_OK;
}

void spr_ciff_list_free(spr_ciff_list *l) {
  free(l->doc);
  free(l->tf);
  memset(l, 0, sizeof *l);
}

int spr_ciff_doc_parse(const uint8_t *buf, spr_ciff_msg m, const char *path, uint32_t n_docs, spr_ciff_doc *d) {
  static const char msg[] = "DocRecord";
  spr_ciff_rd r = {buf, m.off, m.off + m.len, path};
  uint32_t seen = 0;
  int32_t docid = 0, len = 0;
  uint64_t at_docid = m.off;
  memset(d, 0, sizeof *d);
  while (r.pos < r.end) {
    spr_ciff_field f;
    SPR_TRY(spr_ciff_field_next(&r, msg, &f));
    switch (f.num) {
    case 1:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "docid", 1, &docid));
      at_docid = f.at;
      break;
    case 2:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_LEN, &seen));
      if (f.len == 0 || f.len > 65535)
        return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord: collection_docid of %llu bytes (1..65535)", path,
                        (spr_ull)f.at, (spr_ull)f.len);
      for (uint64_t i = 0; i < f.len; i++) {
        const uint8_t c = buf[f.off + i];
        if (c <= 0x20 || c == 0x7f)
          return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord: collection_docid holds byte 0x%02x", path,
                          (spr_ull)(f.off + i), c);
      }
      d->id_off = f.off;
      d->id_len = (uint32_t)f.len;
      break;
    case 3:
      SPR_TRY(spr_ciff_known(&r, msg, &f, SPR_WT_VARINT, &seen));
      SPR_TRY(spr_ciff_int32(&r, msg, &f, "doclength", 1, &len));
      break;
    default:
      break;
    }
  }
  if (!(seen & (1u << 2)))
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord without a collection_docid", path, (spr_ull)m.off);
  if ((uint32_t)docid >= n_docs)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord: docid %d out of range (%u document records)", path,
                    (spr_ull)at_docid, docid, n_docs);
  d->docid = (uint32_t)docid;
  d->length = (uint32_t)len;
  return SPR_OK;
}

/* ---------------------------------------------------------------- whole file */
int spr_ciff_check(const uint8_t *buf, uint64_t size, const char *path, spr_ciff_stats *st) {
  memset(st, 0, sizeof *st);
  if (size == 0) return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset 0: empty file", path);
  uint64_t pos = 0;
  spr_ciff_msg m;
  SPR_TRY(spr_ciff_next(buf, size, path, &pos, &m));
  spr_ciff_header *h = &st->header;
  SPR_TRY(spr_ciff_header_parse(buf, m, path, h));
  /* every list and record takes at least 4 bytes: refuse counts the file cannot hold before
   * allocating anything by them */
  if (((uint64_t)h->num_postings_lists + h->num_doc_records) * 4 > size - pos)
    return SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: the header announces %u postings lists and %u document records, "
                    "more than the remaining %llu bytes can hold", path, (spr_ull)m.off, h->num_postings_lists,
                    h->num_doc_records, (spr_ull)(size - pos));
  spr_vocab *voc = NULL;
  spr_ciff_list l = {0};
  uint8_t *seen = calloc((size_t)h->num_doc_records + 1, 1);
  int rc = seen ? spr_vocab_create(&voc) : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  for (uint32_t i = 0; rc == SPR_OK && i < h->num_postings_lists; i++) {
    rc = spr_ciff_next(buf, size, path, &pos, &m);
    if (rc == SPR_OK) rc = spr_ciff_list_parse(buf, m, path, h->num_doc_records, &l);
    if (rc != SPR_OK) break;
    const uint32_t before = spr_vocab_size(voc);
    const int64_t id = spr_vocab_intern(voc, (const char *)buf + l.term_off, l.term_len);
    if (id < 0) rc = (int)id;
    else if (spr_vocab_size(voc) == before)
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: PostingsList %u repeats the term '%.*s' of list %lld", path,
                    (spr_ull)m.off, i, (int)(l.term_len < 64 ? l.term_len : 64), (const char *)buf + l.term_off,
                    (long long)id);
    st->n_postings += l.n;
    for (uint64_t j = 0; j < l.n; j++) {
      st->sum_tf += l.tf[j];
      st->max_tf = l.tf[j] > st->max_tf ? l.tf[j] : st->max_tf;
    }
  }
  for (uint32_t i = 0; rc == SPR_OK && i < h->num_doc_records; i++) {
    spr_ciff_doc d;
    rc = spr_ciff_next(buf, size, path, &pos, &m);
    if (rc == SPR_OK) rc = spr_ciff_doc_parse(buf, m, path, h->num_doc_records, &d);
    if (rc != SPR_OK) break;
    if (seen[d.docid])
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: DocRecord %u repeats docid %u", path, (spr_ull)m.off, i, d.docid);
    seen[d.docid] = 1;
    st->sum_doclength += d.length;
  }
  if (rc == SPR_OK && pos != size)
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: byte offset %llu: %llu bytes after the last document record", path, (spr_ull)pos,
                  (spr_ull)(size - pos));
  spr_ciff_list_free(&l);
  spr_vocab_free(&voc);
  free(seen);
  return rc;
}

/* ---------------------------------------------------------------- writer (protobuf-c) */
struct spr_ciff_writer {
  spr_out out;             /* owned: PATH.tmp until closed with commit */
  uint8_t *buf;            /* owned: one packed message */
  size_t cap;
  SprCiff__Posting *post;  /* owned: reused for every list */
  SprCiff__Posting **ptr;  /* owned */
  uint64_t pcap, bytes;
};

int spr_ciff_writer_open(const char *path, spr_ciff_writer **out) {
  *out = NULL;
  spr_ciff_writer *w = calloc(1, sizeof *w);
  if (!w) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  const int rc = spr_out_open(&w->out, path, NULL);
  if (rc != SPR_OK) {
    free(w);
    return rc;
  }
  *out = w;
  return SPR_OK;
}

/* Write the varint length and the packed message. */
static int spr_ciff_emit(spr_ciff_writer *w, const ProtobufCMessage *msg) {
  const size_t n = protobuf_c_message_get_packed_size(msg);
  if (n + 10 > w->cap) {
    size_t nc = w->cap ? w->cap : 4096;
    while (nc < n + 10) nc *= 2;
    uint8_t *b = realloc(w->buf, nc);
    if (!b) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory (message of %zu bytes)", w->out.tmp, n);
    w->buf = b;
    w->cap = nc;
  }
  size_t k = 0;
  for (uint64_t v = n; ; v >>= 7) {
    w->buf[k++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    if (v < 0x80) break;
  }
  const size_t packed = protobuf_c_message_pack(msg, w->buf + k);
  if (packed != n) return SPR_FAIL(SPR_EINVAL, "%s: protobuf-c packed %zu bytes, expected %zu", w->out.tmp, packed, n);
  if (fwrite(w->buf, 1, k + n, w->out.f) != k + n) return SPR_FAIL(SPR_EIO, "%s: write failed: %s", w->out.tmp, strerror(errno));
  w->bytes += k + n;
  return SPR_OK;
}

int spr_ciff_write_header(spr_ciff_writer *w, const spr_ciff_header *h, const char *description) {
  SprCiff__Header m = SPR_CIFF__HEADER__INIT;
  m.version = h->version;
  m.num_postings_lists = (int32_t)h->num_postings_lists;
  m.num_doc_records = (int32_t)h->num_doc_records;
  m.total_postings_lists = h->total_postings_lists;
  m.total_docs = h->total_docs;
  m.total_terms_in_collection = h->total_terms_in_collection;
  m.average_doclength = h->average_doclength;
  m.description = (char *)(uintptr_t)(description ? description : "");
  return spr_ciff_emit(w, &m.base);
}

int spr_ciff_write_list(spr_ciff_writer *w, const char *term, const uint32_t *doc, const uint32_t *tf, uint64_t n) {
  if (n > w->pcap) {
    SprCiff__Posting *p = realloc(w->post, n * sizeof *p);
    if (!p) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu postings)", w->out.tmp, (spr_ull)n);
    w->post = p;
    SprCiff__Posting **q = realloc(w->ptr, n * sizeof *q);
    if (!q) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory (%llu postings)", w->out.tmp, (spr_ull)n);
    w->ptr = q;
    w->pcap = n;
  }
  int64_t cf = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (tf[i] == 0 || tf[i] > INT32_MAX || doc[i] > INT32_MAX || (i > 0 && doc[i] <= doc[i - 1]))
      return SPR_FAIL(SPR_EINVAL, "%s: term '%s': posting %llu (docid %u, tf %u) cannot be written", w->out.tmp, term,
                      (spr_ull)i, doc[i], tf[i]);
    spr_ciff__posting__init(&w->post[i]);
    w->post[i].docid = (int32_t)(i ? doc[i] - doc[i - 1] : doc[i]);
    w->post[i].tf = (int32_t)tf[i];
    w->ptr[i] = &w->post[i];
    cf += tf[i];
  }
  SprCiff__PostingsList m = SPR_CIFF__POSTINGS_LIST__INIT;
  m.term = (char *)(uintptr_t)term;
  m.df = (int64_t)n;
  m.cf = cf;
  m.n_postings = (size_t)n;
  m.postings = w->ptr;
  return spr_ciff_emit(w, &m.base);
}

int spr_ciff_write_doc(spr_ciff_writer *w, uint32_t docid, const char *collection_docid, uint32_t length) {
  if (docid > INT32_MAX || length > INT32_MAX)
    return SPR_FAIL(SPR_EINVAL, "%s: document %u (length %u) cannot be written", w->out.tmp, docid, length);
  SprCiff__DocRecord m = SPR_CIFF__DOC_RECORD__INIT;
  m.docid = (int32_t)docid;
  m.collection_docid = (char *)(uintptr_t)collection_docid;
  m.doclength = (int32_t)length;
  return spr_ciff_emit(w, &m.base);
}

uint64_t spr_ciff_writer_bytes(const spr_ciff_writer *w) { return w->bytes; }

int spr_ciff_writer_close(spr_ciff_writer **wp, int commit) {
  spr_ciff_writer *w = *wp;
  if (!w) return SPR_OK;
  *wp = NULL;
  /* no commit: the temporary file is removed, which is not a failure of its own */
  const int rc = commit ? spr_out_close(&w->out, SPR_OK) : (spr_out_close(&w->out, SPR_EIO), SPR_OK);
  free(w->buf);
  free(w->post);
  free(w->ptr);
  free(w);
  return rc;
}
