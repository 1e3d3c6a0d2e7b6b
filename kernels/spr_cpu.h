/* spr_cpu.h: which SIMD variants of the kernels this CPU runs: the one place that asks. The
 * kernels with SIMD variants (spr_postings, spr_bert_math, spr_bmp) each keep their own scalar
 * reference and dispatcher, and take their answers from here. Local; reentrant, no state of ours
 * (libgcc's CPU model is filled by a constructor before main). */
#ifndef SPR_CPU_H
#define SPR_CPU_H

/* 1 where the kernels compile x86 variants (functions with target attributes, no -march needed). */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define SPR_CPU_X86 1
#else
#define SPR_CPU_X86 0
#endif

/* Instruction sets a kernel variant may need. The first three values are those of the kernels'
 * own enums (spr_postings_isa, spr_bert_isa), which are checked against them. */
typedef enum spr_cpu_isa {
  SPR_CPU_ISA_AUTO = 0,   /* whatever is best here: always runs */
  SPR_CPU_ISA_SCALAR = 1, /* the reference: always runs */
  SPR_CPU_ISA_AVX2 = 2,
  SPR_CPU_ISA_AVX512 = 3, /* AVX-512 F and BW */
  SPR_CPU_ISA_AVX512VNNI = 4 /* AVX-512 F, BW, VL and VNNI (vpdpbusd) */
} spr_cpu_isa;

/* 1 if isa runs on this CPU, else 0 (and for values outside the enum). */
int spr_cpu_supports(spr_cpu_isa isa);

/* "auto", "scalar", "avx2", "avx512", "avx512vnni"; "?" for values outside the enum. */
const char *spr_cpu_isa_name(spr_cpu_isa isa);
#endif /* SPR_CPU_H */
