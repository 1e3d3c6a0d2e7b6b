/* sgemm_bits.c: does OpenBLAS give a row (or column) of A B^T the same bits when it is computed
 * inside a bigger product? Stacks k blocks of L rows (k documents of L tokens in one GEMM) and,
 * separately, k blocks of N weight rows (e.g. Q, K, V fused into one GEMM), and counts the entries
 * that differ from the products of each block alone. Not a test; the reason docs/encode.md gives
 * for one document per forward pass by default.
 *
 *   cc -O2 tests/bench/sgemm_bits.c -o /tmp/sgemm_bits -lopenblas
 *   OPENBLAS_NUM_THREADS=1 /tmp/sgemm_bits N K L k      (e.g. 768 768 256 2) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long seed = 88172645463325252ull;
static float rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return (float)((seed >> 40) & 0xFFFFFF) / 16777216.0f - 0.5f;
}

static float *randoms(size_t n) {
  float *p = malloc(n * sizeof *p);
  for (size_t i = 0; p && i < n; i++) p[i] = rnd();
  return p;
}

static void nt(int M, int N, int K, const float *A, const float *B, float *C, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C, ldc);
}

static long differ(const float *a, const float *b, size_t n) {
  long d = 0;
  for (size_t i = 0; i < n; i++) d += memcmp(a + i, b + i, sizeof *a) != 0;
  return d;
}

int main(int argc, char **argv) {
  if (argc != 5) return fprintf(stderr, "usage: sgemm_bits N K L k\n"), 2;
  const int N = atoi(argv[1]), K = atoi(argv[2]), L = atoi(argv[3]), k = atoi(argv[4]);
  const size_t rows = (size_t)k * L, cols = (size_t)k * N;
  float *A = randoms(rows * K), *B = randoms(cols * K), *C1 = malloc(rows * cols * 4), *C2 = malloc(rows * cols * 4);
  if (!A || !B || !C1 || !C2) return 1;
  /* rows: k blocks of L rows times the first N weight rows, alone and stacked */
  for (int d = 0; d < k; d++) nt(L, N, K, A + (size_t)d * L * K, B, C1 + (size_t)d * L * N, N);
  nt((int)rows, N, K, A, B, C2, N);
  printf("%d x %d rows (N %d, K %d) in one GEMM: %ld of %zu entries differ\n", k, L, N, K,
         differ(C1, C2, rows * N), rows * N);
  /* columns: the first L rows times k blocks of N weight rows, alone and fused */
  for (int d = 0; d < k; d++) nt(L, N, K, A, B + (size_t)d * N * K, C1 + (size_t)d * N, (int)cols);
  nt(L, (int)cols, K, A, B, C2, (int)cols);
  printf("%d x %d columns (M %d, K %d) in one GEMM: %ld of %zu entries differ; core %s\n", k, N, L, K,
         differ(C1, C2, (size_t)L * cols), (size_t)L * cols, openblas_get_corename());
  free(A);
  free(B);
  free(C1);
  free(C2);
  return 0;
}
