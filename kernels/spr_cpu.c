/* spr_cpu.c: the CPU feature checks behind spr_cpu.h. */
#include "spr_cpu.h"

int spr_cpu_supports(spr_cpu_isa isa) {
#if SPR_CPU_X86
  if (isa == SPR_CPU_ISA_AVX2) return __builtin_cpu_supports("avx2") ? 1 : 0;
  if (isa == SPR_CPU_ISA_AVX512) return __builtin_cpu_supports("avx512bw") ? 1 : 0;
  if (isa == SPR_CPU_ISA_AVX512VNNI)
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vnni")
               ? 1
               : 0;
#endif
  return isa == SPR_CPU_ISA_AUTO || isa == SPR_CPU_ISA_SCALAR;
}

const char *spr_cpu_isa_name(spr_cpu_isa isa) {
  static const char *const name[] = {"auto", "scalar", "avx2", "avx512", "avx512vnni"};
  return (unsigned)isa < sizeof name / sizeof *name ? name[isa] : "?";
}
