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

_Static_assert((int)SPR_BERT_ISA_AUTO == (int)SPR_CPU_ISA_AUTO && (int)SPR_BERT_ISA_SCALAR == (int)SPR_CPU_ISA_SCALAR &&
                   (int)SPR_BERT_ISA_AVX2 == (int)SPR_CPU_ISA_AVX2,
               "kernel variants are spr_cpu.h's instruction sets");

int spr_bert_isa_supported(spr_bert_isa isa) {
  return (unsigned)isa <= SPR_BERT_ISA_AVX2 && spr_cpu_supports((spr_cpu_isa)isa);
}

const char *spr_bert_isa_name(spr_bert_isa isa) {
  return (unsigned)isa <= SPR_BERT_ISA_AVX2 ? spr_cpu_isa_name((spr_cpu_isa)isa) : "?";
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
