/* spr_bmp_impl.h: internals shared by kernels/spr_bmp*.c (elsewhere only tests/unit/bmp_test.c includes it,
 * to compare the SIMD kernels with their scalar reference). */
#ifndef SPR_BMP_IMPL_H
#define SPR_BMP_IMPL_H
#include <stddef.h>
#include <stdint.h>

#include "spr_bmp.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define SPR_BMP_HAVE_AVX2 1
#else
#define SPR_BMP_HAVE_AVX2 0
#endif

/* The final bound of block b < n is bound[b] + Σ_i w[i] × rows[i][b] (n a multiple of 32; bound and
 * rows padded to n with zeros). Appends every b whose final bound is >= lo (lo >= 1, so padding is
 * never picked) to cid (block) / cb (bound), ascending, and returns how many. */
typedef uint32_t (*spr_bmp_dense_fn)(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                     uint32_t n_rows, uint32_t n, uint32_t lo, uint32_t *cid, uint32_t *cb);
uint32_t spr_bmp_dense_select_scalar(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                     uint32_t n_rows, uint32_t n, uint32_t lo, uint32_t *cid, uint32_t *cb);
#if SPR_BMP_HAVE_AVX2
uint32_t spr_bmp_dense_select_avx2(const uint32_t *bound, const uint8_t *const *rows, const uint32_t *w,
                                   uint32_t n_rows, uint32_t n, uint32_t lo, uint32_t *cid, uint32_t *cb);
#endif

/* Bytes of the accelerated search's workspace (on top of spr_bmp.c's own). */
size_t spr_bmp_accel_ws_size(const spr_bmp_index *ix, uint32_t max_terms);

/* The accelerated search (ix->tp_pair set): qt[0..m) are the selected terms sorted by id, theta
 * the seeded threshold; hits go to heap. ws: spr_bmp_accel_ws_size(ix, >= m) bytes. */
void spr_bmp_search_accel(const spr_bmp_index *ix, const spr_qterm *qt, uint32_t m, double alpha,
                          uint32_t theta, uint32_t doc_base, void *ws, spr_topk *heap,
                          spr_bmp_stats *st);
#endif /* SPR_BMP_IMPL_H */
