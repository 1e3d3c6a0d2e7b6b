/* spr_check.h: the assertion every C test uses. CHECK(cond, fmt, ...) prints the failing file, line
 * and message and returns 1 from the calling function (tests run in main or in int helpers). */
#ifndef SPR_CHECK_H
#define SPR_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c, ...)                                      \
  do {                                                     \
    if (!(c)) {                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      return 1;                                            \
    }                                                      \
  } while (0)
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
#endif /* SPR_CHECK_H */
