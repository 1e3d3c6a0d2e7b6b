/* spr_reorder.c: placeholder until recursive graph bisection lands (being written this session). */
#include "spr_reorder.h"

int spr_reorder_bp(const spr_comm *c, const spr_build_params *p, uint32_t n_terms, spr_build_local *l, uint8_t **imp,
                   uint64_t *doc_base) {
  (void)c, (void)p, (void)n_terms, (void)l, (void)imp, (void)doc_base;
  return SPR_FAIL(SPR_EUNSUPPORTED, "--reorder bp: not available in this build");
}
