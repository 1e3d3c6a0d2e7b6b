/* ciff_gen.c: CIFF files for tests/mpi/ciff.sh, written with a protobuf encoder of its own (not
 * spire's protobuf-c writer, so the reader is checked against a second implementation), and a
 * dump/check of CIFF files through spire's local reader (shard/spr_ciff.h).
 *   ciff_gen gen OUT NDOCS NTERMS SEED [bigtf] [shuffle]
 *       random collection: some documents without postings, terms in random order, tf 1..255
 *       (bigtf: up to 1000, so the build has to quantize), document records in docid order or
 *       (shuffle) reversed; unknown fields sprinkled in (a reader must skip them)
 *   ciff_gen bad KIND OUT      one damaged file of kind: dupterm duprecord tf0 docidrange
 *       nonincreasing dfmismatch cfmismatch countmore countless trailing badvarint negdocid
 *       emptyterm nulterm wiretype
 *   ciff_gen dump FILE [notf]  every posting as "term docid tf" sorted by term then docid, then
 *       every record "doc docid collection_docid length" by docid
 *   ciff_gen check FILE        spr_ciff_check: exit 0 and "ok" or 1 and the message */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_ciff.h"

/* ---------------------------------------------------------------- a tiny protobuf encoder */
typedef struct buf {
  uint8_t *b;
  size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n) {
  if (o->n + n > o->cap) {
    o->cap = (o->n + n) * 2 + 64;
    o->b = realloc(o->b, o->cap);
    if (!o->b) abort();
  }
  memcpy(o->b + o->n, p, n);
  o->n += n;
}
static void varint(buf *o, uint64_t v) {
  do {
    const uint8_t c = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    put(o, &c, 1);
    v >>= 7;
  } while (v);
}
static void key(buf *o, unsigned field, unsigned wt) { varint(o, (uint64_t)field << 3 | wt); }
static void fint(buf *o, unsigned field, int64_t v) { /* int32/int64: negative as 10 bytes */
  if (!v) return;                                     /* proto3: defaults are not written */
  key(o, field, 0);
  varint(o, (uint64_t)v);
}
static void fbytes(buf *o, unsigned field, const void *p, size_t n) {
  key(o, field, 2);
  varint(o, n);
  put(o, p, n);
}
static void fmsg(buf *o, unsigned field, const buf *m) { fbytes(o, field, m->b, m->n); }
static void delimited(buf *o, const buf *m) { /* a stream message: length, body */
  varint(o, m->n);
  put(o, m->b, m->n);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)((rng_state >> 33) % n);
}

static void header(buf *o, int32_t nl, int32_t nd, const char *desc) {
  buf h = {0};
  fint(&h, 1, 1);
  fint(&h, 2, nl);
  fint(&h, 3, nd);
  fint(&h, 4, nl);
  fint(&h, 5, nd);
  fint(&h, 6, 1234);
  key(&h, 7, 1);
  const double avg = 3.5;
  put(&h, &avg, 8);
  fbytes(&h, 8, desc, strlen(desc));
  delimited(o, &h);
  free(h.b);
}

/* A postings list from absolute docids (gaps computed here) with explicit df/cf. */
static void list(buf *o, const char *term, const int64_t *doc, const int64_t *tf, size_t n, int64_t df, int64_t cf,
                 int unknown) {
  buf m = {0};
  fbytes(&m, 1, term, strlen(term));
  fint(&m, 2, df);
  if (unknown) fint(&m, 9, 77); /* unknown field */
  fint(&m, 3, cf);
  for (size_t i = 0; i < n; i++) {
    buf p = {0};
    fint(&p, 1, i ? doc[i] - doc[i - 1] : doc[i]);
    fint(&p, 2, tf[i]);
    if (unknown && i == 0) fbytes(&p, 5, "x", 1);
    fmsg(&m, 4, &p);
    free(p.b);
  }
  delimited(o, &m);
  free(m.b);
}
static void list_auto(buf *o, const char *term, const int64_t *doc, const int64_t *tf, size_t n) {
  int64_t cf = 0;
  for (size_t i = 0; i < n; i++) cf += tf[i];
  list(o, term, doc, tf, n, (int64_t)n, cf, 0);
}
static void record(buf *o, int32_t docid, const char *id, int32_t len) {
  buf m = {0};
  fint(&m, 1, docid);
  fbytes(&m, 2, id, strlen(id));
  fint(&m, 3, len);
  delimited(o, &m);
  free(m.b);
}

static int write_file(const char *path, const buf *o) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(o->b, 1, o->n, f) != o->n || fclose(f) != 0) {
    fprintf(stderr, "ciff_gen: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

static int gen(const char *out, int nd, int nt, uint64_t seed, int bigtf, int shuffle) {
  rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
  buf o = {0};
  header(&o, nt, nd, "ciff_gen test collection");
  int64_t *doc = malloc((size_t)nd * sizeof *doc), *tf = malloc((size_t)nd * sizeof *tf);
  int32_t *len = calloc((size_t)nd, sizeof *len);
  for (int t = 0; t < nt; t++) {
    /* every third document never gets a posting; df between 1 and about nd / 4 */
    const uint32_t want = 1 + rnd((uint32_t)(nd / 4 + 1));
    size_t n = 0;
    for (int d = 0; d < nd && n < want; d++) {
      if (d % 3 == 2 || rnd((uint32_t)nd) >= 2 * want) continue;
      doc[n] = d;
      tf[n] = 1 + rnd(bigtf ? 1000 : 255);
      len[d] += (int32_t)tf[n];
      n++;
    }
    if (n == 0) { /* lists are never empty here */
      doc[0] = 0;
      tf[0] = 1;
      len[0] += 1;
      n = 1;
    }
    char term[32];
    snprintf(term, sizeof term, "t%05u%s", (unsigned)((t * 7919u) % 100000u), t % 5 ? "" : "##x");
    int64_t cf = 0;
    for (size_t i = 0; i < n; i++) cf += tf[i];
    list(&o, term, doc, tf, n, (int64_t)n, cf, t % 7 == 0);
  }
  for (int i = 0; i < nd; i++) {
    const int d = shuffle ? nd - 1 - i : i;
    char id[32];
    snprintf(id, sizeof id, "doc-%06d", d * 3 + 1);
    record(&o, d, id, len[d] + (d % 3 == 2 ? 5 : 0));
  }
  const int rc = write_file(out, &o);
  free(o.b);
  free(doc);
  free(tf);
  free(len);
  return rc;
}

static int bad(const char *kind, const char *out) {
  buf o = {0};
  const int64_t d3[] = {0, 1, 2}, t3[] = {1, 2, 3}, t0[] = {1, 0, 3};
  const int64_t nonincr[] = {0, 2, 2}, far[] = {0, 1, 9}, neg[] = {-1, 0, 1};
  int nl = 2, nd = 3;
  if (!strcmp(kind, "countmore")) nl = 3;
  if (!strcmp(kind, "countless")) nd = 2;
  header(&o, nl, nd, "bad");
  if (!strcmp(kind, "tf0")) list_auto(&o, "a", d3, t0, 3);
  else if (!strcmp(kind, "docidrange")) list_auto(&o, "a", far, t3, 3);
  else if (!strcmp(kind, "nonincreasing")) list_auto(&o, "a", nonincr, t3, 3);
  else if (!strcmp(kind, "negdocid")) list_auto(&o, "a", neg, t3, 3);
  else if (!strcmp(kind, "dfmismatch")) list(&o, "a", d3, t3, 3, 2, 6, 0);
  else if (!strcmp(kind, "cfmismatch")) list(&o, "a", d3, t3, 3, 3, 7, 0);
  else if (!strcmp(kind, "emptyterm")) list_auto(&o, "", d3, t3, 3);
  else if (!strcmp(kind, "nulterm")) {
    buf m = {0};
    fbytes(&m, 1, "a\0b", 3);
    delimited(&o, &m);
    free(m.b);
  } else if (!strcmp(kind, "wiretype")) {
    buf m = {0};
    fbytes(&m, 1, "a", 1);
    key(&m, 2, 5); /* df as fixed32 */
    put(&m, "\3\0\0\0", 4);
    delimited(&o, &m);
    free(m.b);
  } else list_auto(&o, "a", d3, t3, 3);
  list_auto(&o, !strcmp(kind, "dupterm") ? "a" : "b", d3 + 1, t3, 2);
  if (!strcmp(kind, "badvarint")) put(&o, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  record(&o, 0, "d0", 6);
  record(&o, !strcmp(kind, "duprecord") ? 0 : 1, "d1", 5);
  record(&o, 2, "d2", 4);
  if (!strcmp(kind, "trailing")) put(&o, "\0", 1);
  const int rc = write_file(out, &o);
  free(o.b);
  return rc;
}

typedef struct post {
  const char *term;
  uint32_t tlen, doc, tf;
} post;
static int cmp_post(const void *a, const void *b) {
  const post *x = a, *y = b;
  const uint32_t n = x->tlen < y->tlen ? x->tlen : y->tlen;
  const int c = memcmp(x->term, y->term, n);
  if (c) return c;
  if (x->tlen != y->tlen) return x->tlen < y->tlen ? -1 : 1;
  return (x->doc > y->doc) - (x->doc < y->doc);
}

static int dump(const char *path, int notf) {
  const uint8_t *b = NULL;
  uint64_t size = 0, pos = 0;
  spr_ciff_stats st;
  if (spr_ciff_map(path, &b, &size) || spr_ciff_check(b, size, path, &st)) {
    fprintf(stderr, "ciff_gen: %s\n", spr_last_message());
    return 1;
  }
  spr_ciff_msg m;
  if (spr_ciff_next(b, size, path, &pos, &m)) return 1;
  post *ps = malloc((st.n_postings + 1) * sizeof *ps);
  uint64_t k = 0;
  spr_ciff_list l = {0};
  for (uint32_t i = 0; i < st.header.num_postings_lists; i++) {
    if (spr_ciff_next(b, size, path, &pos, &m) || spr_ciff_list_parse(b, m, path, st.header.num_doc_records, &l))
      return 1;
    for (uint64_t j = 0; j < l.n; j++) ps[k++] = (post){(const char *)b + l.term_off, l.term_len, l.doc[j], l.tf[j]};
  }
  qsort(ps, k, sizeof *ps, cmp_post);
  for (uint64_t j = 0; j < k; j++) {
    if (notf) printf("%.*s %u\n", (int)ps[j].tlen, ps[j].term, ps[j].doc);
    else printf("%.*s %u %u\n", (int)ps[j].tlen, ps[j].term, ps[j].doc, ps[j].tf);
  }
  const uint32_t nd = st.header.num_doc_records;
  char **line = calloc(nd, sizeof *line);
  for (uint32_t i = 0; i < nd; i++) {
    spr_ciff_doc d;
    if (spr_ciff_next(b, size, path, &pos, &m) || spr_ciff_doc_parse(b, m, path, nd, &d)) return 1;
    line[d.docid] = malloc(d.id_len + 32);
    snprintf(line[d.docid], d.id_len + 32, "doc %u %.*s %u", d.docid, (int)d.id_len, (const char *)b + d.id_off,
             d.length);
  }
  for (uint32_t i = 0; i < nd; i++) {
    puts(line[i]);
    free(line[i]);
  }
  free(line);
  free(ps);
  spr_ciff_list_free(&l);
  spr_ciff_unmap(&b, size);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 6 && !strcmp(argv[1], "gen")) {
    int bigtf = 0, shuffle = 0;
    for (int i = 6; i < argc; i++) {
      bigtf |= !strcmp(argv[i], "bigtf");
      shuffle |= !strcmp(argv[i], "shuffle");
    }
    return gen(argv[2], atoi(argv[3]), atoi(argv[4]), strtoull(argv[5], NULL, 10), bigtf, shuffle);
  }
  if (argc == 4 && !strcmp(argv[1], "bad")) return bad(argv[2], argv[3]);
  if (argc >= 3 && !strcmp(argv[1], "dump")) return dump(argv[2], argc > 3 && !strcmp(argv[3], "notf"));
  if (argc == 3 && !strcmp(argv[1], "check")) {
    const uint8_t *b = NULL;
    uint64_t size = 0;
    spr_ciff_stats st;
    int rc = spr_ciff_map(argv[2], &b, &size);
    if (rc == 0) rc = spr_ciff_check(b, size, argv[2], &st);
    spr_ciff_unmap(&b, size);
    if (rc) {
      printf("%s\n", spr_last_message());
      return 1;
    }
    printf("ok %u lists %u docs %llu postings\n", st.header.num_postings_lists, st.header.num_doc_records,
           (unsigned long long)st.n_postings);
    return 0;
  }
  fprintf(stderr, "usage: see tests/mpi/ciff_gen.c\n");
  return 2;
}
