/* spr_mem.c: large allocations backed by transparent huge pages where the kernel offers them. */
#define _GNU_SOURCE
#include "spr_mem.h"

#include <stdlib.h>
#include <sys/mman.h>

#define SPR_HUGE (2u << 20)

void *spr_big_alloc(size_t n) {
  if (n < 2 * (size_t)SPR_HUGE) return malloc(n ? n : 1);
  void *p = NULL;
  const size_t len = (n + SPR_HUGE - 1) / SPR_HUGE * SPR_HUGE;
  if (posix_memalign(&p, SPR_HUGE, len)) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, len, MADV_HUGEPAGE); /* advice only: without THP the pages are small */
#endif
  return p;
}
