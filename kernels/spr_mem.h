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
/* The same advice for a block that exists already (for instance one realloc grew): its pages not
 * yet touched get huge pages, where 2 MiB-aligned, when first touched. The advice covers every page
 * the block touches, so that a block glibc mapped on its own stays one mapping and realloc keeps
 * moving it with mremap instead of copying. Nothing for blocks under 4 MiB. Never fails (advice). */
void spr_big_advise(void *p, size_t n);
#endif /* SPR_MEM_H */
