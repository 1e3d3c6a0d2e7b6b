/* Byte-range reading: for every number of parts, the parts' records together are exactly the
 * file's records in order (no loss, no duplicate), whatever the record sizes; and malformed
 * input is reported with file and line. */
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
  printf("ok\n");
  return 0;
}
