/* spr_bert_math.c: the scalar reference of the BERT float kernels (spr_bert_math_impl.h compiled
 * for the baseline ISA) and the run-time dispatcher. The AVX2 build is spr_bert_math_avx2.c. */
#include "spr_bert_math.h"

#include "spr_bert_math_impl.h"

SPR_BM_DEFINE(scalar, )

static const spr_bert_math_ops spr_bert_math_scalar = {
    SPR_BERT_ISA_SCALAR,           spr_bert_math_exp_scalar,     spr_bert_math_erf_scalar,
    spr_bert_math_bias_gelu_scalar, spr_bert_math_add_bias_scalar, spr_bert_math_softmax_scalar,
    spr_bert_math_add_ln_scalar,   spr_bert_math_max_rows_scalar};

#if SPR_BERT_MATH_HAVE_AVX2
static const spr_bert_math_ops spr_bert_math_avx2 = {
    SPR_BERT_ISA_AVX2,           spr_bert_math_exp_avx2,      spr_bert_math_erf_avx2,
    spr_bert_math_bias_gelu_avx2, spr_bert_math_add_bias_avx2, spr_bert_math_softmax_avx2,
    spr_bert_math_add_ln_avx2,   spr_bert_math_max_rows_avx2};
#endif

int spr_bert_isa_supported(spr_bert_isa isa) {
  switch (isa) {
    case SPR_BERT_ISA_AUTO:
    case SPR_BERT_ISA_SCALAR:
      return 1;
    case SPR_BERT_ISA_AVX2:
#if SPR_BERT_MATH_HAVE_AVX2
      /* reads libgcc's CPU model, filled by a constructor before main: no state of ours */
      return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
      return 0;
#endif
  }
  return 0;
}

const char *spr_bert_isa_name(spr_bert_isa isa) {
  switch (isa) {
    case SPR_BERT_ISA_AUTO:
      return "auto";
    case SPR_BERT_ISA_SCALAR:
      return "scalar";
    case SPR_BERT_ISA_AVX2:
      return "avx2";
  }
  return "?";
}

const spr_bert_math_ops *spr_bert_math_ops_get(spr_bert_isa isa) {
  if (isa == SPR_BERT_ISA_AUTO)
    isa = spr_bert_isa_supported(SPR_BERT_ISA_AVX2) ? SPR_BERT_ISA_AVX2 : SPR_BERT_ISA_SCALAR;
  if (!spr_bert_isa_supported(isa)) return NULL;
#if SPR_BERT_MATH_HAVE_AVX2
  if (isa == SPR_BERT_ISA_AVX2) return &spr_bert_math_avx2;
#endif
  return &spr_bert_math_scalar;
}
