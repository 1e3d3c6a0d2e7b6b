/* cmd_synth.c: spire synth. */
#include <stdio.h>

#include "spr_cli.h"

int spr_cmd_synth(const spr_comm *world, int argc, char **argv) {
  (void)argc;
  (void)argv;
  if (world->rank == 0) fprintf(stderr, "spire synth: not implemented yet\n");
  return SPR_EXIT_FAIL;
}
