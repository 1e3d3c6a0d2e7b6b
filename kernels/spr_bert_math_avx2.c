/* spr_bert_math_avx2.c: the AVX2 build of the BERT float kernels: the same source as the scalar
 * reference (spr_bert_math_impl.h), inlined into functions with target("avx2") so that the
 * vectorizer uses 8-float registers. A target attribute rather than -mavx2, so the build never
 * needs -march; only the dispatcher in spr_bert_math.c hands these out, after
 * __builtin_cpu_supports("avx2"). No FMA: the bits equal the reference's. */
#include "spr_bert_math_impl.h"

#if SPR_BERT_MATH_HAVE_AVX2
SPR_BM_DEFINE(avx2, __attribute__((target("avx2"))))
#endif
