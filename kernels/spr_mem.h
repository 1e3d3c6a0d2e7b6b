/* spr_mem.h: allocations of large arrays. Local (no MPI). */
#ifndef SPR_MEM_H
#define SPR_MEM_H
#include <stddef.h>

/* malloc for arrays that are filled soon after (n bytes, NULL when out of memory; release with
 * free). From 4 MiB on, the block is aligned to 2 MiB and the kernel is asked to back it with
 * transparent huge pages (madvise MADV_HUGEPAGE, honoured when THP is "madvise" or "always"): one
 * page fault per 2 MiB instead of one per 4 KiB, which on a virtual machine is most of the cost of
 * first touching a fresh array. Where that is not available it is plain malloc. */
void *spr_big_alloc(size_t n);
#endif /* SPR_MEM_H */
