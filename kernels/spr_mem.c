/* spr_mem.c: large allocations backed by transparent huge pages where the kernel offers them. */
#define _GNU_SOURCE
#include "spr_mem.h"

#include <stdint.h>

#include <stdlib.h>
#include <sys/mman.h>

#define SPR_HUGE (2u << 20)

static int spr_huge_off(void) {
  static int off = -1; /* SPR_NO_HUGEPAGES=1: plain malloc, for measuring */
  if (off < 0) off = getenv("SPR_NO_HUGEPAGES") != NULL;
  return off;
}

void *spr_big_alloc(size_t n) {
  if (n < 2 * (size_t)SPR_HUGE || spr_huge_off()) return malloc(n ? n : 1);
  void *p = NULL;
  const size_t len = (n + SPR_HUGE - 1) / SPR_HUGE * SPR_HUGE;
  if (posix_memalign(&p, SPR_HUGE, len)) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, len, MADV_HUGEPAGE); /* advice only: without THP the pages are small */
#endif
  return p;
}

void spr_big_advise(void *p, size_t n) {
  if (!p || n < 2 * (size_t)SPR_HUGE || spr_huge_off()) return;
  /* every page the block touches, not only its 2 MiB-aligned interior: advice on part of a mapping
   * splits it, and realloc can then no longer move it with mremap (it copies instead) */
  const uintptr_t pg = 4096, a = (uintptr_t)p / pg * pg, e = ((uintptr_t)p + n + pg - 1) / pg * pg;
#ifdef MADV_HUGEPAGE
  (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#endif
}
