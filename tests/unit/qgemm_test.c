/* qgemm_test.c: the int8 product of kernels/spr_qgemm.h. The packed weights hold round(W / sw) per
 * channel; quantized rows dequantize to within half a step and keep 0 exact; every variant this CPU
 * runs gives exactly the scalar reference's floats (integer sums are exact, the epilogue is the same
 * operations), on odd shapes, column ranges and the largest sums; the reference is within the
 * quantization error of the float product. `qgemm_test bench` times the BERT-base shapes against
 * sgemm (not part of the test). */
#define SPR_CHECK_GO_ON
#define SPR_CHECK_MAX_FAILURES 20
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spr_blas.h"
#include "spr_check.h"
#include "spr_qgemm.h"
#include "spr_test_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float urand(void) { return spr_test_xorshift_float(&rng); } /* [-1, 1) */

/* A quantized copy of W [n, k] in malloc'ed buffers (freed by qw_free). */
static spr_qweight qw_make(size_t n, size_t k, const float *W) {
  const size_t np = spr_qgemm_npad(n);
  int8_t *w = malloc(spr_qgemm_packed_size(n, k));
  float *s = malloc(np * sizeof *s);
  int32_t *cs = malloc(np * sizeof *cs);
  /* two ranges, as threads would */
  const size_t mid = n / 2 / SPR_QGEMM_NB * SPR_QGEMM_NB;
  spr_qgemm_pack(n, k, W, k, 0, mid, w, s, cs);
  spr_qgemm_pack(n, k, W, k, mid, n, w, s, cs);
  return (spr_qweight){w, s, cs, (uint32_t)n, (uint32_t)k};
}

static void qw_free(spr_qweight *q) {
  free((void *)q->w);
  free((void *)q->scale);
  free((void *)q->colsum);
}

static int8_t wq_at(const spr_qweight *q, size_t n, size_t k) {
  const size_t kp = spr_qgemm_kpad(q->k);
  return q->w[(n / 16) * kp * 16 + (k / 4) * 64 + (n % 16) * 4 + k % 4];
}

/* Packing and row quantization against their definitions. */
static void check_quantizers(size_t m, size_t n, size_t k, const float *A, const float *W, const spr_qweight *q) {
  for (size_t r = 0; r < spr_qgemm_npad(n); r++) {
    int32_t sum = 0;
    for (size_t j = 0; j < spr_qgemm_kpad(k); j++) {
      const int8_t v = wq_at(q, r, j);
      sum += v;
      if (r >= n || j >= k) {
        CHECKF(v == 0, "padding w[%zu][%zu] = %d", r, j, v);
        continue;
      }
      const double x = W[r * k + j] / (double)q->scale[r];
      CHECKF(fabs(x - v) <= 0.5 + 1e-4 && v != -128, "w[%zu][%zu]: %d for %g", r, j, v, x);
    }
    CHECKF(sum == q->colsum[r], "colsum[%zu] %d != %d", r, q->colsum[r], sum);
  }
  const size_t ldq = spr_qgemm_kpad(k) + 8;
  uint8_t *aq = malloc(m * ldq);
  float *sa = malloc(m * sizeof *sa);
  int32_t *za = malloc(m * sizeof *za);
  spr_qgemm_quantize_rows(m, k, A, k, aq, ldq, sa, za);
  for (size_t i = 0; i < m; i++) {
    CHECKF(za[i] >= 0 && za[i] <= 255 && sa[i] > 0, "row %zu: scale %g zero point %d", i, sa[i], za[i]);
    for (size_t j = 0; j < k; j++) {
      const double back = sa[i] * ((double)aq[i * ldq + j] - za[i]);
      CHECKF(fabs(back - A[i * k + j]) <= 0.5001 * sa[i], "a[%zu][%zu] = %g back %g (step %g)", i, j, A[i * k + j],
             back, sa[i]);
      if (A[i * k + j] == 0.0f) CHECKF(aq[i * ldq + j] == za[i], "zero not exact at [%zu][%zu]", i, j);
    }
    for (size_t j = k; j < spr_qgemm_kpad(k); j++) CHECKF(aq[i * ldq + j] == 0, "row %zu padding", i);
  }
  free(aq);
  free(sa);
  free(za);
}

/* Every variant on columns [n0, n1) against the reference, bit for bit, and the reference against
 * the float product within the quantization error. */
static void check_product(size_t m, size_t n, size_t k, const float *A, const float *W, const spr_qweight *q,
                          size_t n0, size_t n1) {
  const size_t ldq = spr_qgemm_kpad(k), w = n1 - n0;
  uint8_t *aq = malloc(m * ldq);
  float *sa = malloc(m * sizeof *sa), *ref = malloc(m * w * sizeof *ref), *got = malloc(m * w * sizeof *got);
  int32_t *za = malloc(m * sizeof *za);
  spr_qgemm_quantize_rows(m, k, A, k, aq, ldq, sa, za);
  spr_qgemm(SPR_QGEMM_ISA_SCALAR, m, n0, n1, aq, ldq, sa, za, q, ref, w);
  const spr_qgemm_isa isas[] = {SPR_QGEMM_ISA_AVX512VNNI, SPR_QGEMM_ISA_AUTO};
  for (size_t v = 0; v < sizeof isas / sizeof *isas; v++) {
    if (!spr_qgemm_isa_supported(isas[v])) continue;
    memset(got, 0xff, m * w * sizeof *got);
    spr_qgemm(isas[v], m, n0, n1, aq, ldq, sa, za, q, got, w);
    size_t bad = 0;
    for (size_t i = 0; i < m * w; i++) bad += memcmp(&got[i], &ref[i], sizeof *got) != 0;
    CHECKF(bad == 0, "%s m %zu n %zu k %zu [%zu,%zu): %zu of %zu outputs differ from the reference",
           spr_qgemm_isa_name(isas[v]), m, n, k, n0, n1, bad, m * w);
  }
  for (size_t i = 0; i < m; i++)
    for (size_t j = n0; j < n1; j++) {
      double exact = 0, bound = 0;
      for (size_t t = 0; t < k; t++) {
        exact += (double)A[i * k + t] * W[j * k + t];
        bound += fabs(A[i * k + t]) * 0.5 * q->scale[j] + fabs(W[j * k + t]) * 0.5 * sa[i] + 0.25 * sa[i] * q->scale[j];
      }
      const double d = fabs(ref[i * w + (j - n0)] - exact);
      CHECKF(d <= bound * 1.01 + 1e-6, "m %zu n %zu k %zu: C[%zu][%zu] = %g, float %g, error bound %g", m, n, k, i, j,
             ref[i * w + (j - n0)], exact, bound);
    }
  free(aq);
  free(sa);
  free(ref);
  free(got);
  free(za);
}

static void check_shape(size_t m, size_t n, size_t k, int kind) {
  float *A = malloc(m * k * sizeof *A), *W = malloc(n * k * sizeof *W);
  for (size_t i = 0; i < m * k; i++) {
    const float u = urand();
    A[i] = kind == 0 ? u : kind == 1 ? (u > 0 ? 3 * u : 0.05f * u) /* GELU-like */ : (i % 7 == 0 ? 0.0f : 50 * u);
  }
  for (size_t i = 0; i < n * k; i++) W[i] = 0.05f * urand();
  if (n > 3)
    for (size_t i = 0; i < k; i++) W[3 * k + i] = 0.0f; /* an all-zero channel */
  spr_qweight q = qw_make(n, k, W);
  check_quantizers(m, n, k, A, W, &q);
  check_product(m, n, k, A, W, &q, 0, n);
  if (n > 40) check_product(m, n, k, A, W, &q, 32, n - 5);
  qw_free(&q);
  free(A);
  free(W);
}

/* The largest sums: rows quantized to 255 (and 0) against weights of +-127, K = 3072. */
static void check_extremes(void) {
  const size_t m = 7, n = 64, k = 3072;
  float *A = malloc(m * k * sizeof *A), *W = malloc(n * k * sizeof *W);
  for (size_t i = 0; i < m * k; i++) A[i] = (i / k) % 2 ? 1.0f : (i % 3 ? 1.0f : -1.0f);
  for (size_t i = 0; i < n * k; i++) W[i] = (i / k) % 2 ? 1.0f : -1.0f;
  spr_qweight q = qw_make(n, k, W);
  check_product(m, n, k, A, W, &q, 0, n);
  qw_free(&q);
  free(A);
  free(W);
}

/* Time M x N x K products: int8 (quantization of A included) against sgemm. */
static void bench(void) {
  const size_t shapes[][3] = {{256, 768, 768}, {256, 3072, 768}, {256, 768, 3072}, {128, 2048, 768}};
  printf("qgemm (%s) vs sgemm, one thread\n", spr_qgemm_isa_name(spr_qgemm_isa_best()));
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    float *A = malloc(m * k * 4), *W = malloc(n * k * 4), *C = malloc(m * n * 4), *sa = malloc(m * 4);
    uint8_t *aq = malloc(m * k);
    int32_t *za = malloc(m * 4);
    for (size_t i = 0; i < m * k; i++) A[i] = urand();
    for (size_t i = 0; i < n * k; i++) W[i] = urand();
    spr_qweight q = qw_make(n, k, W);
    const int reps = 10;
    double t0 = spr_test_now();
    for (int r = 0; r < reps; r++) {
      spr_qgemm_quantize_rows(m, k, A, k, aq, k, sa, za);
      spr_qgemm(SPR_QGEMM_ISA_AUTO, m, 0, n, aq, k, sa, za, &q, C, n);
    }
    const double tq = (spr_test_now() - t0) / reps;
    const int prev = spr_blas_serial_begin();
    t0 = spr_test_now();
    for (int r = 0; r < reps; r++) spr_blas_sgemm_nt(m, n, k, 1.0f, A, k, W, k, 0.0f, C, n);
    const double tf = (spr_test_now() - t0) / reps;
    spr_blas_serial_end(prev);
    const double ops = 2.0 * m * n * k / 1e9;
    printf("%4zu x %4zu x %4zu: int8 %.1f GOP/s, sgemm %.1f GFLOP/s, ratio %.2fx\n", m, n, k, ops / tq, ops / tf,
           tf / tq);
    qw_free(&q);
    free(A);
    free(W);
    free(C);
    free(sa);
    free(aq);
    free(za);
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "bench")) {
    bench();
    return 0;
  }
  printf("qgemm variants here: scalar%s\n", spr_qgemm_isa_supported(SPR_QGEMM_ISA_AVX512VNNI) ? ", avx512vnni" : "");
  const size_t ms[] = {1, 5, 6, 7, 13, 32};
  const size_t nk[][2] = {{16, 4}, {64, 64}, {100, 5}, {130, 37}, {192, 768}, {48, 512}};
  for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
    for (size_t b = 0; b < sizeof nk / sizeof *nk; b++) check_shape(ms[a], nk[b][0], nk[b][1], (int)((a + b) % 3));
  check_extremes();
  return spr_check_summary("unit_qgemm");
}
