/* spr_blas.c: the only file that includes cblas.h (see spr_blas.h for the threading policy). */
#include "spr_blas.h"

#include <cblas.h>
#include <stdio.h>

#include "spr_status.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenBLAS extensions (declared by OpenBLAS's cblas.h; repeated here so that a reference CBLAS
 * header still compiles against libopenblas). */
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

/* Inside a parallel region of more than one thread BLAS must already be serial. */
static void spr_blas_check_pinned(void) {
#if defined(_OPENMP) && !defined(NDEBUG)
  if (omp_in_parallel() && omp_get_num_threads() > 1) SPR_ASSERT(openblas_get_num_threads() == 1);
#endif
}

void spr_blas_sgemm_nt(size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                       const float *B, size_t ldb, float beta, float *C, size_t ldc) {
  if (M == 0 || N == 0) return;
  spr_blas_check_pinned();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, alpha, A, (int)lda, B,
              (int)ldb, beta, C, (int)ldc);
}

void spr_blas_sgemm_nn(size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                       const float *B, size_t ldb, float beta, float *C, size_t ldc) {
  if (M == 0 || N == 0) return;
  spr_blas_check_pinned();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, alpha, A, (int)lda,
              B, (int)ldb, beta, C, (int)ldc);
}

int spr_blas_serial_begin(void) {
  const int prev = openblas_get_num_threads();
  if (prev != 1) openblas_set_num_threads(1);
  return prev;
}

void spr_blas_serial_end(int previous) {
  if (previous > 0 && previous != openblas_get_num_threads()) openblas_set_num_threads(previous);
}

int spr_blas_threads(void) { return openblas_get_num_threads(); }

const char *spr_blas_info(void) {
  static char buf[256];
  if (!buf[0]) snprintf(buf, sizeof buf, "%s (%s)", openblas_get_config(), openblas_get_corename());
  return buf;
}
