/* spr_check.h: the assertions every C test uses, and the small helpers several tests share.
 *
 * Two kinds of test. By default CHECK(cond, fmt, ...) prints the failing file, line and message
 * and returns 1 from the calling function (tests run in main or in int helpers).
 *
 * A test that defines SPR_CHECK_GO_ON before including this header reports every failure and goes
 * on; the failures are counted in the file's `failures`:
 *   CHECK(cond)             prints "file:line: check failed: cond"
 *   CHECKF(cond, fmt, ...)  prints "FAIL file:line: " and the message
 *   CHECK_NEAR(a, b)        |a - b| < 1e-12 (the caller includes <math.h>)
 *   CHECK_STR(a, b)         two equal strings, neither NULL; prints both
 *   spr_check_fail()        counts a failure the test has already described
 * and main ends with `return spr_check_summary("name");`. A test that defines
 * SPR_CHECK_MAX_FAILURES exits 1 once it has seen more failures than that (a broken codec would
 * print thousands). */
#ifndef SPR_CHECK_H
#define SPR_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* When cond is false: print "file:line: check failed: cond", then run `then` (count, abort, ...).
 * The counting CHECK below and the fuzz targets' FUZZ_CHECK are made of it. */
#define SPR_CHECK_THEN(c, then)                                              \
  do {                                                                       \
    if (!(c)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      then;                                                                  \
    }                                                                        \
  } while (0)

#ifndef SPR_CHECK_GO_ON

#define CHECK(c, ...)                                      \
  do {                                                     \
    if (!(c)) {                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      return 1;                                            \
    }                                                      \
  } while (0)

#else /* SPR_CHECK_GO_ON */

static int failures;

/* Counts one failure; exits 1 past SPR_CHECK_MAX_FAILURES. */
static inline void spr_check_fail(void) {
  ++failures;
#ifdef SPR_CHECK_MAX_FAILURES
  if (failures > SPR_CHECK_MAX_FAILURES) {
    fprintf(stderr, "more than %d failures: stopping\n", SPR_CHECK_MAX_FAILURES);
    exit(1);
  }
#endif
}

#define CHECK(c) SPR_CHECK_THEN(c, spr_check_fail())
#define CHECKF(c, ...)                                     \
  do {                                                     \
    if (!(c)) {                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
      spr_check_fail();                                    \
    }                                                      \
  } while (0)
#define CHECK_NEAR(a, b) CHECK(fabs((a) - (b)) < 1e-12)
#define CHECK_STR(a, b)                                                                \
  do {                                                                                 \
    const char *a_ = (a), *b_ = (b);                                                   \
    if (!a_ || !b_ || strcmp(a_, b_)) {                                                \
      fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__, a_ ? a_ : "(null)", \
              b_ ? b_ : "(null)");                                                     \
      spr_check_fail();                                                                \
    }                                                                                  \
  } while (0)

/* The exit status of a test named name: 0 and "name: ok" on stdout, or 1 and the failure count on
 * stderr. */
static inline int spr_check_summary(const char *name) {
  if (failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif /* SPR_CHECK_GO_ON */

/* The whole file at path, NUL-terminated (caller frees), its length in *len; NULL if unreadable. */
static inline char *spr_test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  const long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  if (b) b[n] = '\0';
  if (b && len) *len = (size_t)n;
  return b;
}

/* Write len bytes of data to path, replacing it; on failure print why and exit 1 (the disk, not the
 * code under test). */
static inline void spr_test_write(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* The bytes of the hex string h (two digits a byte), NUL-terminated (caller frees), their count in
 * *len; NULL if out of memory. */
static inline char *spr_test_unhex(const char *h, size_t *len) {
  const size_t n = strlen(h) / 2;
  char *b = malloc(n + 1);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned v = 0;
    sscanf(h + 2 * i, "%2x", &v);
    b[i] = (char)v;
  }
  b[n] = '\0';
  *len = n;
  return b;
}

/* The folder of the splade-tiny golden files into dir: $SPR_SHARED_DIR/golden/splade-tiny, or
 * ../shared/golden/splade-tiny when the variable is unset. */
static inline void spr_test_golden_dir(char *dir, size_t cap) {
  const char *shared = getenv("SPR_SHARED_DIR");
  snprintf(dir, cap, "%s/golden/splade-tiny", shared ? shared : "../shared");
}
#endif /* SPR_CHECK_H */
