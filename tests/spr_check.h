/* spr_check.h: the assertion every C test uses. CHECK(cond, fmt, ...) prints the failing file, line
 * and message and returns 1 from the calling function (tests run in main or in int helpers). */
#ifndef SPR_CHECK_H
#define SPR_CHECK_H
#include <stdio.h>

#define CHECK(c, ...)                                      \
  do {                                                     \
    if (!(c)) {                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      return 1;                                            \
    }                                                      \
  } while (0)
#endif /* SPR_CHECK_H */
