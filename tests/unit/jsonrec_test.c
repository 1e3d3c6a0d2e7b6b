/* The dedicated JSONL record parser (shard/spr_jsonrec.h) against cJSON, the reference: for
 * generated records of both shapes (JSON vectors and text) with escapes, surrogates, numbers in
 * every form cJSON reads (and some it does not), nesting, duplicate and unknown keys, whitespace,
 * and random byte mutations of all of these, a cursor with each parser must give the same result:
 * the same record (id, text, vector terms and bit-identical weights) or the same error message
 * (for "malformed JSON" only the words before the column, which the two parsers count apart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_corpus.h"

#include "spr_check.h"
#include "spr_test_util.h"

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) {
  spr_test_xorshift(&rs);
  return n ? (uint32_t)(rs % n) : 0;
}

typedef struct sb {
  char s[8192];
  size_t n;
} sb;
static void put(sb *b, const char *t) {
  const size_t l = strlen(t);
  if (b->n + l < sizeof b->s) {
    memcpy(b->s + b->n, t, l);
    b->n += l;
  }
}
static void ws(sb *b) {
  static const char *w[] = {"", "", "", " ", "  ", "\t", "\r", "\x01", "\x1f", " \n"};
  const char *x = w[rnd(10)];
  if (!strchr(x, '\n')) put(b, x); /* a line break would split the record */
}

static int clean; /* 1: only what every record needs to be read (valid escapes, numbers >= 0) */

static void string_p(sb *b, const char *prefix);
static void string(sb *b) { string_p(b, ""); }
static void string_p(sb *b, const char *prefix) {
  static const char *parts[] = {"a", "##ing", "the", "caf\xc3\xa9", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\u00e9",
                                "\\u0041", "\\ud83d\\ude00", "\\uZZZZ", "\\ud83d", "\\ude00", "\\u12", "\\x", "\\b\\f\\r",
                                "\\u0000x", " ", "\t", "\x7f", "\xe2\x82\xac", "x\\u"};
  put(b, "\"");
  put(b, prefix);
  const int n = (int)rnd(4);
  for (int i = 0; i < n; i++) put(b, parts[clean ? rnd(12) : rnd(24)]);
  put(b, "\"");
}

static void number(sb *b) {
  static const char *nums[] = {"0",    "1",      "17",     "255",     "3574",      "0.5",     "1.25",   "-1",
                               "-0",   "1e3",    "1E-2",   "2.5e+2",  "01",        "1.",      "1e",     "-",
                               "1e400", "4.9e-324", "0.1",  "123456789012345678901234567890", "1.7976931348623157e308",
                               "1e-400", "9007199254740993", "3.141592653589793", "1.0000000000000000000001",
                               "1-2",  "1.2.3",  "2e5.5",   "000000000000000000000000000000000000000000000000000000000000000000001",
                               "12345678901234567890", "0.30000000000000004", "1e22", "1e23", "5e-324"};
  static const char *ok[] = {"0", "1", "17", "255", "3574", "0.5", "1.25", "1e3", "1E-2", "2.5e+2", "01", "1.",
                             "0.1", "4.9e-324", "9007199254740993", "3.141592653589793", "1e22", "1e23",
                             "0.30000000000000004", "000000000000000000000000000000000000000000000000000000000000000000001"};
  put(b, clean ? ok[rnd(20)] : nums[rnd(34)]);
}

static void value(sb *b, int depth) {
  switch (rnd(depth > 3 ? 6 : 9)) {
    case 0: case 1: string(b); break;
    case 2: case 3: number(b); break;
    case 4: put(b, rnd(2) ? "true" : "false"); break;
    case 5: put(b, rnd(2) ? "null" : "nul"); break;
    case 6:
    case 7: {
      put(b, "[");
      const int n = (int)rnd(3);
      for (int i = 0; i < n; i++) {
        if (i) put(b, ",");
        ws(b);
        value(b, depth + 1);
      }
      put(b, "]");
      break;
    }
    default: {
      put(b, "{");
      const int n = (int)rnd(3);
      for (int i = 0; i < n; i++) {
        if (i) put(b, ",");
        string(b);
        put(b, ":");
        value(b, depth + 1);
      }
      put(b, "}");
    }
  }
}

static void vector(sb *b) {
  put(b, "{");
  const int n = (int)rnd(6);
  for (int i = 0; i < n; i++) {
    if (i) put(b, ",");
    ws(b);
    string(b);
    ws(b);
    put(b, ":");
    ws(b);
    if (clean || rnd(8)) number(b);
    else value(b, 2);
  }
  ws(b);
  put(b, "}");
}

/* A record: the fields in any order, some missing, some twice, some of another type. */
static void record(sb *b, int vectors) {
  static const char *keys[] = {"id", "_id", "vector", "text", "contents", "title", "other"};
  put(b, rnd(20) ? "" : "\xEF\xBB\xBF");
  ws(b);
  put(b, "{");
  int first = 1;
  const int n = 1 + (int)rnd(4);
  for (int i = 0; i < n; i++) {
    const char *k = i == 0 ? "id" : i == 1 ? (vectors ? "vector" : (rnd(2) ? "text" : "contents")) : keys[rnd(7)];
    if (!first) put(b, ",");
    first = 0;
    ws(b);
    put(b, "\"");
    put(b, k);
    put(b, "\"");
    ws(b);
    put(b, ":");
    ws(b);
    if (!strcmp(k, "vector") && (clean || rnd(6))) vector(b);
    else if ((!strcmp(k, "id") || !strcmp(k, "_id")) && (clean || rnd(4))) {
      if (clean || rnd(3)) {
        string_p(b, clean ? "d" : "");
      } else {
        number(b);
      }
    } else if (!strcmp(k, "text") || !strcmp(k, "contents") || !strcmp(k, "title")) {
      if (clean || rnd(5)) string(b);
      else value(b, 1);
    } else {
      value(b, 0);
    }
    ws(b);
  }
  put(b, "}");
  if (!clean && !rnd(15)) put(b, rnd(2) ? " x" : " \t");
}

static void mutate(sb *b) {
  const int m = 1 + (int)rnd(3);
  for (int i = 0; i < m && b->n; i++) {
    const size_t at = rnd((uint32_t)b->n);
    const char c = "{}[]\",:\\0-e.u \x01"[rnd(15)];
    switch (rnd(3)) {
      case 0: memmove(b->s + at, b->s + at + 1, b->n - at - 1); b->n--; break;
      case 1: if (c != '\n') b->s[at] = c; break;
      default:
        if (b->n + 1 < sizeof b->s) {
          memmove(b->s + at + 1, b->s + at, b->n - at);
          b->s[at] = c;
          b->n++;
        }
    }
  }
}

typedef struct got {
  int rc;
  char msg[512];
  char id[8192], text[8192], terms[8192];
  size_t vn;
  double w[2048];
} got;

static void read_one(const char *path, spr_corpus_format fmt, int reference, got *g) {
  memset(g, 0, sizeof *g);
  spr_corpus *c = NULL;
  g->rc = spr_corpus_open(path, fmt, &c);
  if (g->rc < 0) {
    snprintf(g->msg, sizeof g->msg, "%s", spr_last_error());
    return;
  }
  spr_corpus_cursor *cur = NULL;
  if (spr_corpus_cursor_create(c, 0, spr_corpus_size(c), 1, &cur) < 0) {
    g->rc = -1000;
    spr_corpus_close(&c);
    return;
  }
  spr_corpus_cursor_use_reference(cur, reference);
  spr_doc d;
  g->rc = spr_corpus_next(cur, &d);
  if (g->rc < 0) {
    snprintf(g->msg, sizeof g->msg, "%s", spr_last_error());
    char *col = strstr(g->msg, " near column");
    if (col) *col = '\0';
    char *at = strstr(g->msg, "\n  at "); /* where in spire it was raised */
    if (at) *at = '\0';
  } else if (g->rc == 1) {
    snprintf(g->id, sizeof g->id, "%s", d.id);
    memcpy(g->text, d.text, d.text_len < sizeof g->text ? d.text_len : sizeof g->text - 1);
    g->vn = d.vec_n;
    size_t o = 0;
    for (size_t i = 0; i < d.vec_n && i < 2048; i++) {
      o += (size_t)snprintf(g->terms + o, sizeof g->terms - o, "%s|", d.vec[i].term);
      if (o >= sizeof g->terms) o = sizeof g->terms - 1;
      g->w[i] = d.vec[i].weight;
    }
  }
  spr_corpus_cursor_free(&cur);
  spr_corpus_close(&c);
}

int main(void) {
  char path[] = "/tmp/spire-jsonrec-XXXXXX";
  const int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  close(fd);
  static got a, r;
  sb b;
  int n_ok = 0, n_err = 0;
  for (int t = 0; t < 20000; t++) {
    const int vectors = t & 1;
    b.n = 0;
    clean = t % 5 < 2;
    record(&b, vectors);
    if (t % 5 >= 3) mutate(&b);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b.s, 1, b.n, f) == b.n && fputc('\n', f) == '\n' && fclose(f) == 0, "write %s", path);
    const spr_corpus_format fmt = vectors ? SPR_CORPUS_VECTORS : SPR_CORPUS_JSONL;
    read_one(path, fmt, 0, &a);
    read_one(path, fmt, 1, &r);
    b.s[b.n] = '\0';
    if (a.rc != r.rc || strcmp(a.msg, r.msg)) {
      for (size_t i = 0; i < b.n; i++) fprintf(stderr, "%02x ", (unsigned char)b.s[i]);
      fprintf(stderr, "\n");
    }
    CHECK(a.rc == r.rc, "case %d: rc %d, cJSON %d (%s | %s): %s", t, a.rc, r.rc, a.msg, r.msg, b.s);
    if (a.rc < 0) {
      CHECK(!strcmp(a.msg, r.msg), "case %d: message '%s', cJSON '%s': %s", t, a.msg, r.msg, b.s);
      n_err++;
      continue;
    }
    CHECK(!strcmp(a.id, r.id), "case %d: id '%s', cJSON '%s': %s", t, a.id, r.id, b.s);
    CHECK(!strcmp(a.text, r.text), "case %d: text differs: %s", t, b.s);
    CHECK(a.vn == r.vn && !strcmp(a.terms, r.terms), "case %d: %zu terms '%s', cJSON %zu '%s': %s", t, a.vn, a.terms,
          r.vn, r.terms, b.s);
    CHECK(!memcmp(a.w, r.w, a.vn * sizeof *a.w), "case %d: weights differ: %s", t, b.s);
    n_ok += a.rc == 1;
  }
  unlink(path);
  printf("jsonrec: 20000 records, %d read alike, %d refused alike\n", n_ok, n_err);
  CHECK(n_ok > 2000 && n_err > 2000, "the generator must give both outcomes often (%d / %d)", n_ok, n_err);
  return 0;
}
