/* Byte-range reading: for every number of parts, the parts' records together are exactly the
 * file's records in order (no loss, no duplicate), whatever the record sizes; and malformed
 * input is reported with file and line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_corpus.h"
#include "spr_vocab.h"

#include "spr_check.h"

static int collect(const char *path, int parts, char *ids, size_t cap, uint64_t *lines_out) {
  spr_corpus *c = NULL;
  if (spr_corpus_open(path, SPR_CORPUS_AUTO, &c) < 0) return -1;
  size_t n = 0;
  uint64_t line = 1;
  ids[0] = '\0';
  for (int p = 0; p < parts; p++) {
    uint64_t b, e;
    spr_corpus_split(c, p, parts, &b, &e);
    spr_corpus_cursor *cur = NULL;
    if (spr_corpus_cursor_create(c, b, e, line, &cur) < 0) return -1;
    spr_doc d;
    int rc;
    while ((rc = spr_corpus_next(cur, &d)) == 1) n += (size_t)snprintf(ids + n, cap - n, "%s@%llu,", d.id, (unsigned long long)d.line);
    spr_corpus_cursor_free(&cur);
    if (rc < 0) return rc;
    line += spr_corpus_count_lines(c, b, e);
  }
  *lines_out = line - 1;
  spr_corpus_close(&c);
  return 0;
}

/* The line checks, byte by byte as they were before the one-pass scan: the first NUL byte wins,
 * then the first byte that is not valid UTF-8; 0 = neither (column numbers from 1). */
static size_t ref_utf8_bad(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    const unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return i + 1;
    if (i + len > n) return i + 1;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return i + 1;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i + 1;
    i += len;
  }
  return 0;
}

/* Random lines of ASCII, NUL, backslashes and (partial, overlong, surrogate) UTF-8 sequences: the
 * reader's message names the column the byte-by-byte checks give. */
static int check_line_scan(void) {
  static const unsigned char alpha[] = {'a', '"', '{', 0, '\\', 'u', '0', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F,
                                        0x98, 0x80, 0xFF, 0xED, 0xA0, 0xC0, 0xF4, 0x90};
  char path[] = "/tmp/spire-scan-test-XXXXXX";
  const int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  close(fd);
  unsigned x = 12345;
  for (int t = 0; t < 4000; t++) {
    unsigned char line[64];
    x = x * 1103515245u + 12345u;
    const size_t n = 1 + (x >> 16) % 40;
    for (size_t i = 0; i < n; i++) {
      x = x * 1103515245u + 12345u;
      const unsigned r = (x >> 16) % 100;
      line[i] = r < 60 ? (unsigned char)('a' + r % 26) : alpha[r % sizeof alpha];
      if (line[i] == '\n' || line[i] == '\r') line[i] = 'b';
    }
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(line, 1, n, f) == n && fputc('\n', f) != EOF && fclose(f) == 0, "write");
    const void *z = memchr(line, 0, n);
    const size_t nul = z ? (size_t)((const unsigned char *)z - line) + 1 : 0, bad = nul ? 0 : ref_utf8_bad(line, n);
    spr_corpus *c = NULL;
    spr_corpus_cursor *cur = NULL;
    CHECK(spr_corpus_open(path, SPR_CORPUS_JSONL, &c) == 0, "open");
    CHECK(spr_corpus_cursor_create(c, 0, spr_corpus_size(c), 1, &cur) == 0, "cursor");
    spr_doc d;
    const int rc = spr_corpus_next(cur, &d);
    char want[96];
    if (nul) snprintf(want, sizeof want, ":1: NUL byte at column %zu", nul);
    else if (bad) snprintf(want, sizeof want, ":1: invalid UTF-8 at column %zu", bad);
    if (nul || bad) CHECK(rc < 0 && strstr(spr_last_error(), want), "case %d: want '%s', got '%s'", t, want, spr_last_error());
    else CHECK(rc != 0 && (rc == 1 || (!strstr(spr_last_error(), "NUL byte") && !strstr(spr_last_error(), "UTF-8"))),
               "case %d: clean line reported: %s", t, spr_last_error());
    spr_corpus_cursor_free(&cur);
    spr_corpus_close(&c);
  }
  unlink(path);
  return 0;
}

int main(void) {
  const char *dir = getenv("SPR_TEST_DATA");
  CHECK(dir, "SPR_TEST_DATA not set");
  char path[4096], whole[8192], part[8192];
  snprintf(path, sizeof path, "%s/tiny.jsonl", dir);
  uint64_t l1 = 0, lp = 0;
  CHECK(collect(path, 1, whole, sizeof whole, &l1) == 0, "read: %s", spr_last_error());
  CHECK(strstr(whole, "d1@1,d2@2,d3@3,d4@5,") == whole, "records/lines: %s", whole);
  CHECK(strstr(whole, "6@7,") != NULL, "numeric id: %s", whole);
  for (int parts = 2; parts <= 40; parts++) {
    CHECK(collect(path, parts, part, sizeof part, &lp) == 0, "parts %d: %s", parts, spr_last_error());
    CHECK(!strcmp(whole, part) && lp == l1, "parts %d differ:\n%s\n%s", parts, whole, part);
  }
  /* text = title + "\n" + text, title omitted when empty */
  spr_corpus *c = NULL;
  CHECK(spr_corpus_open(path, SPR_CORPUS_AUTO, &c) == 0, "open");
  spr_corpus_cursor *cur = NULL;
  CHECK(spr_corpus_cursor_create(c, 0, spr_corpus_size(c), 1, &cur) == 0, "cursor");
  spr_doc d;
  CHECK(spr_corpus_next(cur, &d) == 1 && !strncmp(d.text, "Wing flutter\nFlutter", 20), "title+text: %s", d.text);
  CHECK(spr_corpus_next(cur, &d) == 1 && !strncmp(d.text, "Heat", 4), "empty title: %s", d.text);
  spr_corpus_cursor_free(&cur);
  spr_corpus_close(&c);

  /* malformed JSON names file and line */
  char bad[] = "/tmp/spire-corpus-test-XXXXXX";
  const int fd = mkstemp(bad);
  const char *txt = "{\"id\": \"a\", \"text\": \"ok\"}\n{\"id\": \"b\", \"text\": \"broken\"\n";
  CHECK(write(fd, txt, strlen(txt)) == (ssize_t)strlen(txt), "write");
  close(fd);
  CHECK(spr_corpus_open(bad, SPR_CORPUS_JSONL, &c) == 0, "open bad");
  CHECK(spr_corpus_cursor_create(c, 0, spr_corpus_size(c), 1, &cur) == 0, "cursor");
  CHECK(spr_corpus_next(cur, &d) == 1, "first record");
  CHECK(spr_corpus_next(cur, &d) == SPR_EPARSE, "second record must fail");
  char want[256];
  snprintf(want, sizeof want, "%s:2: malformed JSON", bad);
  CHECK(strstr(spr_last_error(), want), "message: %s", spr_last_error());
  spr_corpus_cursor_free(&cur);
  spr_corpus_close(&c);
  unlink(bad);
  CHECK(spr_corpus_open("/nonexistent/corpus.jsonl", SPR_CORPUS_AUTO, &c) == SPR_EIO, "missing file");
  CHECK(strstr(spr_last_error(), "/nonexistent/corpus.jsonl"), "names the file");

  /* vocabulary: dense ids, growth, sorted unique lists */
  spr_vocab *v = NULL;
  CHECK(spr_vocab_create(&v) == 0, "vocab");
  char w[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(w, sizeof w, "t%d", i % 3000);
    CHECK(spr_vocab_intern(v, w, strlen(w)) == i % 3000, "intern %d", i);
  }
  CHECK(spr_vocab_size(v) == 3000 && spr_vocab_find(v, "t2999", 5) == 2999 && spr_vocab_find(v, "x", 1) < 0, "find");
  spr_vocab_free(&v);
  const char cat[] = "b\0a\0c\0a\0";
  spr_strlist l;
  CHECK(spr_strlist_from_concat(cat, sizeof cat - 1, &l) == 0 && l.n == 3, "strlist");
  CHECK(!strcmp(spr_strlist_get(&l, 0), "a") && spr_strlist_find(&l, "c") == 2 && spr_strlist_find(&l, "d") < 0, "order");
  spr_strlist_free(&l);
  CHECK(check_line_scan() == 0, "line checks");
  printf("ok\n");
  return 0;
}
