/* ciff_fuzz.c: fuzz target for the CIFF reader (shard/spr_ciff.h). Input: the bytes of a .ciff file.
 * Properties: no crash, over-read or leak; spr_ciff_check either accepts or fails with a message
 * holding "byte offset"; every message the reader accepts (header, postings list, document record,
 * accepted file or not) is accepted by protobuf-c's generated decoder with the same values (a
 * second, independent decoder of shard/ciff.proto); an accepted file written again with
 * spr_ciff_writer (protobuf-c) is accepted with the same statistics.
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into ciff_replay
 * (fuzz_replay.c), which runs the committed corpus/ciff under CTest. */
#include "ciff.pb-c.h"
#include "fuzz_common.h"
#include "spr_ciff.h"

static void fuzz_same_header(const uint8_t *data, spr_ciff_msg m, const spr_ciff_header *h) {
  SprCiff__Header *x = spr_ciff__header__unpack(NULL, (size_t)m.len, data + m.off);
  FUZZ_CHECK(x != NULL);
  FUZZ_CHECK(x->version == h->version);
  FUZZ_CHECK((uint32_t)x->num_postings_lists == h->num_postings_lists);
  FUZZ_CHECK((uint32_t)x->num_doc_records == h->num_doc_records);
  FUZZ_CHECK(x->total_postings_lists == h->total_postings_lists && x->total_docs == h->total_docs);
  FUZZ_CHECK(x->total_terms_in_collection == h->total_terms_in_collection);
  FUZZ_CHECK(memcmp(&x->average_doclength, &h->average_doclength, sizeof(double)) == 0);
  FUZZ_CHECK(strlen(x->description) <= h->description_len); /* NUL bytes cut it short */
  FUZZ_CHECK(memcmp(x->description, data + h->description_off, strlen(x->description)) == 0);
  spr_ciff__header__free_unpacked(x, NULL);
}

static void fuzz_same_list(const uint8_t *data, spr_ciff_msg m, const spr_ciff_list *l) {
  SprCiff__PostingsList *x = spr_ciff__postings_list__unpack(NULL, (size_t)m.len, data + m.off);
  FUZZ_CHECK(x != NULL);
  FUZZ_CHECK(strlen(x->term) == l->term_len && memcmp(x->term, data + l->term_off, l->term_len) == 0);
  FUZZ_CHECK(x->df == l->df && x->cf == l->cf && x->n_postings == l->n);
  int64_t doc = 0;
  for (size_t i = 0; i < x->n_postings; i++) {
    doc = i ? doc + x->postings[i]->docid : x->postings[i]->docid;
    FUZZ_CHECK(doc == (int64_t)l->doc[i] && x->postings[i]->tf == (int32_t)l->tf[i]);
  }
  spr_ciff__postings_list__free_unpacked(x, NULL);
}

static void fuzz_same_doc(const uint8_t *data, spr_ciff_msg m, const spr_ciff_doc *d) {
  SprCiff__DocRecord *x = spr_ciff__doc_record__unpack(NULL, (size_t)m.len, data + m.off);
  FUZZ_CHECK(x != NULL);
  FUZZ_CHECK((uint32_t)x->docid == d->docid && (uint32_t)x->doclength == d->length);
  FUZZ_CHECK(strlen(x->collection_docid) == d->id_len && memcmp(x->collection_docid, data + d->id_off, d->id_len) == 0);
  spr_ciff__doc_record__free_unpacked(x, NULL);
}

/* Write the accepted file again with the protobuf-c writer and check it reads the same. */
static void fuzz_rewrite(const uint8_t *data, size_t size, const spr_ciff_stats *st) {
  char path[512];
  snprintf(path, sizeof path, "%s/re.ciff", fuzz_dir());
  spr_ciff_writer *w = NULL;
  FUZZ_CHECK(spr_ciff_writer_open(path, &w) == 0);
  char *desc = calloc(st->header.description_len + 1, 1);
  FUZZ_CHECK(desc != NULL);
  memcpy(desc, data + st->header.description_off, st->header.description_len);
  FUZZ_CHECK(spr_ciff_write_header(w, &st->header, desc) == 0);
  free(desc);
  uint64_t pos = 0;
  spr_ciff_msg m;
  FUZZ_CHECK(spr_ciff_next(data, size, "fuzz", &pos, &m) == 0);
  spr_ciff_list l = {0};
  for (uint32_t i = 0; i < st->header.num_postings_lists; i++) {
    FUZZ_CHECK(spr_ciff_next(data, size, "fuzz", &pos, &m) == 0);
    FUZZ_CHECK(spr_ciff_list_parse(data, m, "fuzz", st->header.num_doc_records, &l) == 0);
    char *term = calloc(l.term_len + 1, 1);
    FUZZ_CHECK(term != NULL);
    memcpy(term, data + l.term_off, l.term_len);
    FUZZ_CHECK(spr_ciff_write_list(w, term, l.doc, l.tf, l.n) == 0);
    free(term);
  }
  spr_ciff_list_free(&l);
  for (uint32_t i = 0; i < st->header.num_doc_records; i++) {
    spr_ciff_doc d;
    FUZZ_CHECK(spr_ciff_next(data, size, "fuzz", &pos, &m) == 0);
    FUZZ_CHECK(spr_ciff_doc_parse(data, m, "fuzz", st->header.num_doc_records, &d) == 0);
    char *id = calloc(d.id_len + 1, 1);
    FUZZ_CHECK(id != NULL);
    memcpy(id, data + d.id_off, d.id_len);
    FUZZ_CHECK(spr_ciff_write_doc(w, d.docid, id, d.length) == 0);
    free(id);
  }
  FUZZ_CHECK(spr_ciff_writer_close(&w, 1) == 0);
  const uint8_t *b = NULL;
  uint64_t bsize = 0;
  spr_ciff_stats st2;
  FUZZ_CHECK(spr_ciff_map(path, &b, &bsize) == 0);
  FUZZ_CHECK(spr_ciff_check(b, bsize, path, &st2) == 0);
  FUZZ_CHECK(st2.n_postings == st->n_postings && st2.sum_tf == st->sum_tf && st2.max_tf == st->max_tf);
  FUZZ_CHECK(st2.sum_doclength == st->sum_doclength);
  FUZZ_CHECK(st2.header.num_postings_lists == st->header.num_postings_lists);
  FUZZ_CHECK(st2.header.num_doc_records == st->header.num_doc_records);
  spr_ciff_unmap(&b, bsize);
  unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  spr_ciff_stats st;
  const int rc = spr_ciff_check(data, size, "fuzz", &st);
  if (rc != 0) FUZZ_CHECK(rc < 0 && strstr(spr_last_error(), "byte offset") != NULL);
  /* every message this reader accepts, protobuf-c accepts with the same values */
  uint64_t pos = 0;
  spr_ciff_msg m;
  spr_ciff_header h;
  if (size == 0 || spr_ciff_next(data, size, "fuzz", &pos, &m) != 0) return 0;
  if (spr_ciff_header_parse(data, m, "fuzz", &h) != 0) return 0;
  fuzz_same_header(data, m, &h);
  spr_ciff_list l = {0};
  for (uint32_t i = 0; i < h.num_postings_lists && pos < size; i++) {
    if (spr_ciff_next(data, size, "fuzz", &pos, &m) != 0) break;
    uint64_t toff = 0;
    uint32_t tlen = 0;
    const int trc = spr_ciff_list_term(data, m, "fuzz", &toff, &tlen);
    if (spr_ciff_list_parse(data, m, "fuzz", h.num_doc_records, &l) == 0) {
      FUZZ_CHECK(trc == 0 && toff == l.term_off && tlen == l.term_len); /* the cheap scan agrees */
      fuzz_same_list(data, m, &l);
    }
  }
  spr_ciff_list_free(&l);
  for (uint32_t i = 0; i < h.num_doc_records && pos < size; i++) {
    spr_ciff_doc d;
    if (spr_ciff_next(data, size, "fuzz", &pos, &m) != 0) break;
    if (spr_ciff_doc_parse(data, m, "fuzz", h.num_doc_records, &d) == 0) fuzz_same_doc(data, m, &d);
  }
  if (rc == 0 && st.n_postings + st.header.num_doc_records < 100000) fuzz_rewrite(data, size, &st);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  /* a valid file from the writer; tests/mpi/ciff_gen makes the others (see docs/reliability.md) */
  char path[512];
  snprintf(path, sizeof path, "%s/writer-small.ciff", dir);
  spr_ciff_writer *w = NULL;
  const spr_ciff_header h = {.version = 1, .num_postings_lists = 2, .num_doc_records = 3, .total_postings_lists = 2,
                             .total_docs = 3, .total_terms_in_collection = 9, .average_doclength = 3};
  const uint32_t d1[] = {0, 2}, t1[] = {1, 300}, d2[] = {1}, t2[] = {7};
  if (spr_ciff_writer_open(path, &w) != 0) return -1;
  int rc = spr_ciff_write_header(w, &h, "fuzz seed");
  if (rc == 0) rc = spr_ciff_write_list(w, "##ab", d1, t1, 2);
  if (rc == 0) rc = spr_ciff_write_list(w, "b", d2, t2, 1);
  if (rc == 0) rc = spr_ciff_write_doc(w, 0, "d0", 3);
  if (rc == 0) rc = spr_ciff_write_doc(w, 2, "d2", 0);
  if (rc == 0) rc = spr_ciff_write_doc(w, 1, "d1", 6);
  return spr_ciff_writer_close(&w, rc == 0) == 0 && rc == 0 ? 0 : -1;
}
