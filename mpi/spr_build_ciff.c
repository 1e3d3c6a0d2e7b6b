/* spr_build_ciff.c: placeholder until the CIFF reader lands (being written this session). */
#include "spr_build_internal.h"

int spr_build_read_ciff(const spr_comm *c, const spr_build_params *p, spr_vocab *voc, spr_build_local *l) {
  (void)c, (void)voc, (void)l;
  return SPR_FAIL(SPR_EUNSUPPORTED, "%s: CIFF input is not available in this build", p->corpus);
}
