/* spr_blas.h: the one door to CBLAS (OpenBLAS). Local (no MPI, no I/O).
 *
 * Every matrix product of spire goes through these wrappers so that the BLAS threading policy
 * lives in one place (STYLE rule 10): OpenMP threads own the parallelism; inside an OpenMP parallel
 * region OpenBLAS must run one thread per caller, otherwise each of our threads would start
 * OpenBLAS's own pool and the cores would be oversubscribed. A driver that opens a parallel region
 * calling these functions brackets it with spr_blas_serial_begin()/spr_blas_serial_end().
 *
 * All matrices are row-major float32 with explicit leading dimensions. */
#ifndef SPR_BLAS_H
#define SPR_BLAS_H
#include <stddef.h>

/* C[M,N] = alpha * A[M,K] * B[N,K]^T + beta * C.  (B stored as rows of length K: a torch Linear
 * weight [out, in] is used as is.) lda >= K, ldb >= K, ldc >= N. M, N or K of 0 is a no-op
 * (beta still applies when K == 0 through BLAS). Thread-safe when BLAS is pinned serial. */
void spr_blas_sgemm_nt(size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                       const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* C[M,N] = alpha * A[M,K] * B[K,N] + beta * C.  lda >= K, ldb >= N, ldc >= N. */
void spr_blas_sgemm_nn(size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                       const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* Pin BLAS to one thread (call before an OpenMP region whose threads call the wrappers above).
 * Returns the previous BLAS thread count for spr_blas_serial_end. Not thread-safe: call from the
 * driver's serial code only. */
int spr_blas_serial_begin(void);
/* Restore the BLAS thread count returned by spr_blas_serial_begin. */
void spr_blas_serial_end(int previous);
/* Current BLAS thread count (1 for a serial BLAS). */
int spr_blas_threads(void);
/* Name of the BLAS library and its CPU kernel set, e.g. "OpenBLAS 0.3.21 (Haswell)". Static string. */
const char *spr_blas_info(void);
#endif /* SPR_BLAS_H */
