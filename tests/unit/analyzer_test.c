/* Unit tests of kernels/spr_analyzer.c. The expected terms of the table were produced by Lucene
 * 8.7's EnglishAnalyzer / StandardAnalyzer (liblucene8-java) on the same inputs; the other
 * checks cover what Lucene cannot see (invalid UTF-8, buffer reuse, random bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_analyzer.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"

typedef struct lucene_case {
  const char *analyzer, *text, *terms; /* terms joined by '|' ("" for none) */
} lucene_case;

/* Generated from Lucene 8.7 (tests/bench/lucene_tokens has the dumper used for corpora). */
static const lucene_case cases[] = {
    {"english", "u.s.a. 3.14 don't b52 foo_bar",
     "u.s.a|3.14|don't|b52|foo_bar"},
    {"english", "The running aerodynamics of the wings",
     "run|aerodynam|wing"},
    {"english", "John's JOHN'S dog\u2019s cat\uff07s it's",
     "john|john|dog|cat"},
    {"english", "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with",
     ""},
    {"english", "caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized hopping tanned falling hissing fizzed failing filing happy sky",
     "caress|poni|ti|caress|cat|feed|agre|plaster|bled|motor|sing|conflat|troubl|size|hop|tan|fall|hiss|fizz|fail|file|happi|sky"},
    {"english", "relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti",
     "relat|condit|ration|valenc|hesit|digit|conform|radic|differ|vile|analog|vietnam|predic|oper|feudal|decis|hope|callous|formal|sensit|sensibl"},
    {"english", "triplicate formative formalize electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease controll roll",
     "triplic|form|formal|electr|electr|hope|good|reviv|allow|infer|airlin|gyroscop|adjust|defens|irrit|replac|adjust|depend|adopt|homolog|commun|activ|angular|homolog|effect|bowdler|probat|rate|ceas|control|roll"},
    {"english", "technology technological possibly assemblies analogies us gas generalizations 1960s U.S.'s",
     "technolog|technolog|possibl|assembl|analog|us|ga|gener|1960|u.|s"},
    {"english", "na\u00efve \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u4e2d\u6587\u5b57 \uff76\uff80\uff76\uff85 \u3072\u3089\u304c\u306a \u00c5 \uff21\uff22\uff23\uff11\uff12\uff13 \u212b \u0130t KELVIN \u01c4",
     "na\u00efv|\u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac|\u4e2d|\u6587|\u5b57|\uff76\uff80\uff76\uff85|\u3072|\u3089|\u304c|\u306a|\u00e5|\uff41\uff42\uff43\uff11\uff12\uff13|\u00e5|kelvin|\u01c6"},
    {"english", "a\u00b7b 1.5\u03bcm a\u00adb x\u200by a\u0301b \ufb01ne \u2460\u2461 \u00b23 \u24b6b \u0661\u0662\u0663",
     "a\u00b7b|1.5\u03bcm|a\u00adb|x|y|a\u0301b|\ufb01ne|3|\u24d0b|\u0661\u0662\u0663"},
    {"english", "1,000,000 1;2 12.34.56 1,2,,3 a1.5 1.a 3.a 3.14. e.g. 10's",
     "1,000,000|1;2|12.34.56|1,2|3|a1.5|1|3|3.14|e.g|10|s"},
    {"english", "_foo foo_ ___ __1 a_1_b a:b a-b a..b a.'b x'y ab\u202fcd",
     "_foo|foo_|__1|a_1_b|a:b|b|b|b|x'y|ab\u202fcd"},
    {"english", "x \u00a9 \u00ae \u2122 \u2194 \u2192 \U0001f600 \U0001f44d\U0001f3fb \U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f1fa\U0001f1f8 ab\u00a9",
     "x|\u00a9|\u00ae|\u2122|\u2194|\U0001f600|\U0001f44d\U0001f3fb|\U0001f468\u200d\U0001f469\u200d\U0001f467|\U0001f1fa\U0001f1f8|ab|\u00a9"},
    {"english", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 x \u05e9\"\u05e2 \u05e9\u05c1' \u30ab\u30bf\u30ab\u30ca\u30fc",
     "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35|x|\u05e9\"\u05e2|\u05e9\u05c1'|\u30ab\u30bf\u30ab\u30ca\u30fc"},
    {"english", "\U0001d465\U0001d465ing caf\u00e9s r\u00e9sum\u00e9s \u03b1-helix \u03b2-cells",
     "\U0001d465\U0001d465ing|caf\u00e9|r\u00e9sum\u00e9|\u03b1|helix|\u03b2|cell"},
    {"english", "   \t\u2028 \f \u00a0 ",
     ""},
    {"english", "",
     ""},
    {"standard", "The U.S.A. Running's and THE dogs \u4e2d\u6587",
     "the|u.s.a|running's|and|the|dogs|\u4e2d|\u6587"},
};

/* Terms of text joined by '|' into out (caller-sized). Returns the term count or a code. */
static int64_t run_joined(spr_analyzer *a, const char *text, size_t len, char *out, size_t cap) {
  spr_tokens t = {0};
  const int64_t n = spr_analyzer_run(a, text, len, &t);
  size_t o = 0;
  out[0] = '\0';
  if (n >= 0) {
    CHECK((size_t)n == t.n);
    for (size_t i = 0; i < t.n; i++) {
      const char *w = spr_tokens_get(&t, i);
      const size_t wl = strlen(w);
      CHECK(wl > 0);
      if (o + wl + 2 >= cap) break;
      if (i) out[o++] = '|';
      memcpy(out + o, w, wl);
      o += wl;
      out[o] = '\0';
    }
  }
  spr_tokens_free(&t);
  return n;
}

static spr_analyzer *make(const char *name) {
  spr_analyzer *a = NULL;
  const int rc = spr_analyzer_create(name, &a);
  CHECK(rc == 0 && a);
  return a;
}

static void test_lucene_cases(void) {
  spr_analyzer *en = make("english"), *st = make("standard");
  char got[4096];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    spr_analyzer *a = !strcmp(cases[i].analyzer, "standard") ? st : en;
    const int64_t n = run_joined(a, cases[i].text, strlen(cases[i].text), got, sizeof got);
    CHECK(n >= 0);
    if (strcmp(got, cases[i].terms)) {
      fprintf(stderr, "case %zu (%s): \"%s\"\n  want %s\n  got  %s\n", i, cases[i].analyzer,
              cases[i].text, cases[i].terms, got);
      spr_check_fail();
    }
  }
  spr_analyzer_free(&en);
  spr_analyzer_free(&st);
  CHECK(en == NULL && st == NULL);
}

/* Lucene splits tokens at 255 UTF-16 units (longest match within the limit). */
static void test_long_tokens(void) {
  spr_analyzer *en = make("english");
  char text[1024];
  memset(text, 'x', 300);
  text[300] = ' ';
  for (int i = 0; i < 100; i++) memcpy(text + 301 + 3 * i, "ab.", 3);
  spr_tokens t = {0};
  const int64_t n = spr_analyzer_run(en, text, 601, &t);
  CHECK(n == 4);
  if (n == 4) {
    CHECK(strlen(spr_tokens_get(&t, 0)) == 255);
    CHECK(strlen(spr_tokens_get(&t, 1)) == 45);
    CHECK(strlen(spr_tokens_get(&t, 2)) == 254); /* "ab.ab...ab": stops before the '.' */
    CHECK(strlen(spr_tokens_get(&t, 3)) == 44);
  }
  /* 200 two-unit characters (U+1D465): 127 + 73 characters. */
  spr_tokens_clear(&t);
  size_t o = 0;
  for (int i = 0; i < 200; i++) {
    memcpy(text + o, "\xf0\x9d\x91\xa5", 4);
    o += 4;
  }
  CHECK(spr_analyzer_run(en, text, o, &t) == 2);
  if (t.n == 2) {
    CHECK(strlen(spr_tokens_get(&t, 0)) == 127 * 4);
    CHECK(strlen(spr_tokens_get(&t, 1)) == 73 * 4);
  }
  spr_tokens_free(&t);
  spr_analyzer_free(&en);
}

/* Invalid UTF-8 bytes are separators; text is not NUL-terminated; empty input. */
static void test_invalid_utf8(void) {
  spr_analyzer *en = make("english");
  char got[256];
  static const char bad[] = "ab\xff" "cd \xc3 e\xe2\x82 f\xc0\xaf" "g \xed\xa0\x80h \xf4\x90\x80\x80i j\xf0\x9f";
  CHECK(run_joined(en, bad, sizeof bad - 1, got, sizeof got) == 8);
  CHECK(!strcmp(got, "ab|cd|e|f|g|h|i|j"));
  CHECK(run_joined(en, "running", 4, got, sizeof got) == 1); /* only "runn" is visible */
  CHECK(!strcmp(got, "runn"));
  CHECK(run_joined(en, "", 0, got, sizeof got) == 0);
  CHECK(run_joined(en, NULL, 0, got, sizeof got) == 0);
  spr_tokens t = {0};
  CHECK(spr_analyzer_run(NULL, "a", 1, &t) == SPR_EINVAL);
  CHECK(spr_analyzer_run(en, "a", 1, NULL) == SPR_EINVAL);
  spr_analyzer_free(&en);
}

/* run appends; clear keeps memory; terms are offsets into one buffer. */
static void test_tokens_buffer(void) {
  spr_analyzer *en = make("english");
  spr_tokens t = {0};
  CHECK(spr_analyzer_run(en, "Running dogs", 12, &t) == 2);
  CHECK(spr_analyzer_run(en, "aerodynamics", 12, &t) == 1);
  CHECK(t.n == 3);
  CHECK(!strcmp(spr_tokens_get(&t, 0), "run"));
  CHECK(!strcmp(spr_tokens_get(&t, 1), "dog"));
  CHECK(!strcmp(spr_tokens_get(&t, 2), "aerodynam"));
  char *const buf = t.buf;
  spr_tokens_clear(&t);
  CHECK(t.n == 0 && t.len == 0 && t.buf == buf);
  /* Many terms: growth keeps earlier terms intact. */
  static char big[64 * 1024];
  size_t o = 0;
  for (int i = 0; o + 16 < sizeof big; i++) o += (size_t)snprintf(big + o, sizeof big - o, "w%d ", i);
  const int64_t n = spr_analyzer_run(en, big, o, &t);
  CHECK(n > 5000 && (size_t)n == t.n);
  CHECK(!strcmp(spr_tokens_get(&t, 0), "w0"));
  CHECK(!strcmp(spr_tokens_get(&t, 4321), "w4321"));
  spr_tokens_free(&t);
  CHECK(t.buf == NULL && t.off == NULL && t.n == 0);
  spr_tokens_free(NULL);
  spr_analyzer_free(&en);
  spr_analyzer_free(&en); /* NULL *a is fine */
  spr_analyzer_free(NULL);
}

static void test_create(void) {
  spr_analyzer *a = (spr_analyzer *)&a;
  CHECK(spr_analyzer_create("klingon", &a) == SPR_EINVAL);
  CHECK(a == NULL);
  CHECK(spr_analyzer_create(NULL, &a) == SPR_EINVAL);
  CHECK(spr_analyzer_create("english", NULL) == SPR_EINVAL);
  /* libstemmer's Snowball porter: same chain, different stemmer (docs/analyzer.md). */
  a = make("english-libstemmer");
  char got[256];
  CHECK(run_joined(a, "running aerodynamics technology s", 33, got, sizeof got) == 3);
  CHECK(!strcmp(got, "run|aerodynam|technologi"));
  spr_analyzer_free(&a);
}

/* Random bytes (biased to UTF-8 lead bytes and word characters): never crash, every term is
 * non-empty valid UTF-8 of at most 255 * 3 bytes. */
static int valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    const unsigned c = s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    i += k;
  }
  return 1;
}

static void test_random(void) {
  spr_analyzer *an[3] = {make("english"), make("standard"), make("english-libstemmer")};
  static const unsigned char alphabet[] = "aeiouystlnXYZ09_.,:';\" -\xc3\xa9\xce\xb1\xe4\xb8\xad\xe2\x80\x99\xcc\x81\xf0\x9f\x98\x80\xff\x80";
  unsigned char text[512];
  spr_tokens t = {0};
  uint64_t x = 88172645463325252ull;
  for (int iter = 0; iter < 20000; iter++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const size_t len = (size_t)(x % sizeof text);
    for (size_t i = 0; i < len; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      text[i] = (x & 3) ? alphabet[(x >> 8) % (sizeof alphabet - 1)] : (unsigned char)(x >> 16);
    }
    spr_tokens_clear(&t);
    const int64_t n = spr_analyzer_run(an[iter % 3], (const char *)text, len, &t);
    CHECK(n >= 0 && (size_t)n == t.n);
    for (size_t i = 0; i < t.n; i++) {
      const char *w = spr_tokens_get(&t, i);
      const size_t wl = strlen(w);
      if (!(wl > 0 && wl <= 255 * 3 && valid_utf8((const unsigned char *)w, wl))) {
        fprintf(stderr, "random iter %d: bad term of %zu bytes\n", iter, wl);
        spr_check_fail();
        break;
      }
    }
    if (failures) break;
  }
  spr_tokens_free(&t);
  for (int i = 0; i < 3; i++) spr_analyzer_free(&an[i]);
}

int main(void) {
  test_lucene_cases();
  test_long_tokens();
  test_invalid_utf8();
  test_tokens_buffer();
  test_create();
  test_random();
  return spr_check_summary("analyzer");
}
