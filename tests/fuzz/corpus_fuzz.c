/* corpus_fuzz.c: fuzz target for the corpus readers (shard/spr_corpus.h): JSONL, TSV and JSON
 * vectors, opened from a file (spr_corpus_open) and read part by part with cursors, as ranks do.
 * Input: byte 0 = options (bits 0-1: format auto/jsonl/tsv/vectors; bits 2-3: parts - 1; bit 4:
 * file name ends in .tsv), then the file's bytes. Properties checked:
 * - no crash, no over-read (ASan), no hang: each part yields at most its line count of records;
 * - the parts tile the file and their line counts add up to the whole file's;
 * - a record has a NUL-terminated id of id_len bytes (non-empty), readable text of text_len bytes,
 *   a line number inside its part, increasing; vectors have NUL-terminated non-empty terms and
 *   finite weights > 0;
 * - a failure is SPR_EPARSE (or SPR_ENOMEM) with a message naming the file;
 * - JSONL and JSON vectors: a second cursor with cJSON (spr_corpus_cursor_use_reference) gives the
 *   same records and errors as the dedicated parser (shard/spr_jsonrec.h).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into corpus_replay
 * (fuzz_replay.c), which runs the committed corpus/corpus under CTest. */
#include <math.h>

#include "fuzz_common.h"
#include "spr_corpus.h"

static volatile uint64_t fuzz_sink;

static void check_doc(const spr_doc *d, spr_corpus_format fmt) {
  FUZZ_CHECK(d->id != NULL && d->text != NULL);
  FUZZ_CHECK(strlen(d->id) == d->id_len);
  FUZZ_CHECK(d->id_len > 0);
  uint64_t h = 0;
  for (size_t i = 0; i < d->text_len; i++) h = h * 31 + (uint8_t)d->text[i];
  fuzz_sink += h;
  if (fmt == SPR_CORPUS_VECTORS) {
    FUZZ_CHECK(d->vec_n == 0 || d->vec != NULL);
    for (size_t i = 0; i < d->vec_n; i++) {
      FUZZ_CHECK(d->vec[i].term != NULL && d->vec[i].term[0] != '\0');
      fuzz_sink += strlen(d->vec[i].term);
      FUZZ_CHECK(isfinite(d->vec[i].weight) && d->vec[i].weight > 0);
    }
  } else {
    FUZZ_CHECK(d->vec_n == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const spr_corpus_format fmt = (spr_corpus_format)(data[0] & 3);
  const int parts = 1 + ((data[0] >> 2) & 3);
  const char *path = fuzz_temp_file((data[0] & 16) ? "corpus.tsv" : "corpus", data + 1, size - 1);
  spr_corpus *c = NULL;
  int rc = spr_corpus_open(path, fmt, &c);
  if (rc != 0) {
    FUZZ_CHECK(c == NULL && rc < 0 && spr_last_error()[0] != '\0');
    return 0;
  }
  FUZZ_CHECK(spr_corpus_size(c) == size - 1);
  const spr_corpus_format got = spr_corpus_get_format(c);
  FUZZ_CHECK(got == SPR_CORPUS_JSONL || got == SPR_CORPUS_TSV || got == SPR_CORPUS_VECTORS);
  if (fmt != SPR_CORPUS_AUTO) FUZZ_CHECK(got == fmt);
  const uint64_t all_lines = spr_corpus_count_lines(c, 0, size - 1);
  uint64_t line0 = 1, prev_end = 0;
  for (int p = 0; p < parts; p++) {
    uint64_t b = 0, e = 0;
    spr_corpus_split(c, p, parts, &b, &e);
    FUZZ_CHECK(b == prev_end && b <= e && e <= size - 1);
    prev_end = e;
    const uint64_t lines = spr_corpus_count_lines(c, b, e);
    spr_corpus_cursor *cur = NULL, *ref = NULL;
    rc = spr_corpus_cursor_create(c, b, e, line0, &cur);
    FUZZ_CHECK(rc == 0 || rc == SPR_ENOMEM);
    /* the same part read by cJSON (the reference of the dedicated JSON parser): the same records,
     * and the same error (its message up to a column number, which the parsers count apart) */
    if (cur && spr_corpus_cursor_create(c, b, e, line0, &ref) == 0) spr_corpus_cursor_use_reference(ref, 1);
    uint64_t docs = 0, last = 0;
    for (; cur;) {
      spr_doc d;
      memset(&d, 0, sizeof d);
      rc = spr_corpus_next(cur, &d);
      static char msg[1024];
      snprintf(msg, sizeof msg, "%s", rc < 0 ? spr_last_error() : "");
      if (ref) {
        spr_doc r;
        memset(&r, 0, sizeof r);
        const int rr = spr_corpus_next(ref, &r);
        FUZZ_CHECK(rr == rc || rr == SPR_ENOMEM || rc == SPR_ENOMEM);
        if (rr == rc && rc == 1) {
          FUZZ_CHECK(!strcmp(d.id, r.id) && d.text_len == r.text_len && !memcmp(d.text, r.text, d.text_len));
          FUZZ_CHECK(d.vec_n == r.vec_n && d.line == r.line);
          for (size_t i = 0; i < d.vec_n; i++)
            FUZZ_CHECK(!strcmp(d.vec[i].term, r.vec[i].term) && !memcmp(&d.vec[i].weight, &r.vec[i].weight, sizeof(double)));
        } else if (rr == rc && rc < 0) {
          const char *m = spr_last_error(), *col = strstr(msg, " near column"), *at = strstr(msg, "\n  at ");
          const size_t cut = col ? (size_t)(col - msg) : at ? (size_t)(at - msg) : strlen(msg);
          FUZZ_CHECK(!strncmp(msg, m, cut));
        }
      }
      if (rc == 0) break;
      if (rc < 0) {
        FUZZ_CHECK(rc == SPR_EPARSE || rc == SPR_ENOMEM);
        FUZZ_CHECK(strstr(msg, "corpus") != NULL);
        break;
      }
      FUZZ_CHECK(rc == 1);
      check_doc(&d, got);
      FUZZ_CHECK(d.line >= line0 && d.line < line0 + lines && d.line > last);
      last = d.line;
      FUZZ_CHECK(++docs <= lines);
    }
    spr_corpus_cursor_free(&cur);
    spr_corpus_cursor_free(&ref);
    line0 += lines;
  }
  FUZZ_CHECK(prev_end == size - 1);
  FUZZ_CHECK(line0 - 1 == all_lines);
  spr_corpus_close(&c);
  return 0;
}

int fuzz_make_seeds(const char *dir) {
  static const fuzz_mode_seed seeds[] = {
      {"jsonl-valid", 0 | 4, "{\"id\": \"d1\", \"title\": \"Wing\", \"text\": \"Flutter of a wing.\"}\n"
                              "{\"id\": \"d2\", \"contents\": \"Heat transfer \\u00e9t\\u00e9.\"}\n\n"
                              "{\"id\": 3, \"title\": \"\", \"text\": \"numeric id\"}"},
      {"jsonl-bad", 1, "{\"id\": \"d1\", \"text\": \"ok\"}\n{\"id\": \"d2\", \"text\": 5}\n{\"id\": \"\"}\n"},
      {"jsonl-crlf-bom", 1 | 8, "\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"x\"}\r\n{\"id\": \"b\", \"text\": \"y\\n\\ttab\"}\r\n"},
      {"jsonl-truncated", 1, "{\"id\": \"d1\", \"text\": \"cut he"},
      {"tsv-valid", 2 | 12, "d1\tflutter of a swept wing\nd2\theat transfer\n\nd3\tthe boundary layer\n"},
      {"tsv-bad", 2, "d1 no tab\n\tempty id\nd3\t\n"},
      {"tsv-auto-name", 0 | 16 | 4, "x\ty\nz\tw"},
      {"vectors-valid", 3 | 4, "{\"id\": \"v0\", \"vector\": {\"##x33\": 17, \"tok59\": 60, \"z\": 0}}\n"
                               "{\"id\": \"v1\", \"vector\": {\"a\": 0.5, \"b\": 1e3}}\n"},
      {"vectors-auto", 0, "  {\"id\": \"v0\", \"vector\": {\"a\": 1}}\n{\"id\": \"v1\", \"vector\": {}}\n"},
      {"vectors-bad", 3, "{\"id\": \"v0\", \"vector\": {\"a\": -1}}\n{\"id\": \"v1\", \"vector\": [1]}\n"
                         "{\"id\": \"v2\", \"vector\": {\"\": 1}}\n{\"vector\": {\"a\": 1e400}}\n"},
      {"empty", 0, ""},
      {"binary", 2, "\x01\x02\x03\x00\tA\xff\xfe\n\x80\t\xc3"},
  };
  return fuzz_seed_modes(dir, seeds, sizeof seeds / sizeof seeds[0]);
}
