/* spr_bert_math.h: the element-wise and row-wise float kernels of the BERT forward pass (GELU,
 * softmax, LayerNorm, bias adds, the SPLADE max-pool), with their own exp and erf. Pure: no I/O,
 * MPI, allocation or state. Local.
 *
 * exp and erf are branch-free float polynomials that the compiler vectorizes (no libm calls in
 * the loops); their measured error over the whole range is in docs/encode.md and checked by
 * tests/unit/bert_test.c against libm:
 *   exp: relative error <= 2e-7 on [-88, 0] (the softmax range), clamped to [-104, 88.5];
 *   erf: absolute error <= 2e-7 everywhere (exactly +-1 beyond |x| ~ 3.9);
 *   gelu(x) = x/2 (1 + erf(x / sqrt 2)), the negative side through erfc (no cancellation).
 *
 * Each kernel has a scalar reference (portable C, built for the baseline ISA) and, on x86, an AVX2
 * variant chosen at run time. Both give the same bits for every input (same operation sequence,
 * no FMA, reductions in 16 fixed lanes), so results do not depend on the CPU's vector width. */
#ifndef SPR_BERT_MATH_H
#define SPR_BERT_MATH_H
#include <stddef.h>

typedef enum spr_bert_isa {
  SPR_BERT_ISA_AUTO = 0,   /* the best variant this CPU runs */
  SPR_BERT_ISA_SCALAR = 1, /* the reference */
  SPR_BERT_ISA_AVX2 = 2
} spr_bert_isa;

/* The kernels of one variant. Row-major, rows of n floats; every pointer borrowed for the call.
 * Reentrant; safe from any thread. */
typedef struct spr_bert_math_ops {
  spr_bert_isa isa; /* never AUTO */
  /* y[i] = e^x[i], erf(x[i]) (y may equal x). */
  void (*exp)(size_t n, float *y, const float *x);
  void (*erf)(size_t n, float *y, const float *x);
  /* x[r][i] = gelu(x[r][i] + bias[i]). */
  void (*bias_gelu)(size_t rows, size_t n, float *x, const float *bias);
  /* x[r][i] += bias[i]. */
  void (*add_bias)(size_t rows, size_t n, float *x, const float *bias);
  /* Each row replaced by its softmax (n >= 1). */
  void (*softmax)(size_t rows, size_t n, float *s);
  /* x[r] = LayerNorm(x[r] + bias + res[r]) * g + b; bias and res may be NULL; mean and variance
   * accumulated in double. */
  void (*add_ln)(size_t rows, size_t n, float *x, const float *res, const float *bias, const float *g,
                 const float *b, float eps);
  /* out[i] = max(out[i], tile[t * stride + i]) for t < rows, i < n. */
  void (*max_rows)(size_t rows, size_t n, float *out, const float *tile, size_t stride);
} spr_bert_math_ops;

/* The kernels of isa (AUTO: the best one supported), or NULL if isa cannot run on this CPU. The
 * table is static: never freed. */
const spr_bert_math_ops *spr_bert_math_ops_get(spr_bert_isa isa);

/* 1 if isa can run here (AUTO and SCALAR always can). */
int spr_bert_isa_supported(spr_bert_isa isa);

/* "auto", "scalar", "avx2". */
const char *spr_bert_isa_name(spr_bert_isa isa);
#endif /* SPR_BERT_MATH_H */
