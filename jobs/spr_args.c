/* spr_args.c */
#include "spr_args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int spr_arg_long(const char *s, long lo, long hi, long *out) {
  char *end = NULL;
  errno = 0;
  const long v = strtol(s, &end, 10);
  if (errno || !*s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int spr_arg_double(const char *s, double lo, double hi, double *out) {
  char *end = NULL;
  errno = 0;
  const double v = strtod(s, &end);
  if (errno || !*s || *end || !isfinite(v) || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}
