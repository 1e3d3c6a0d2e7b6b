/* cmd_index.c: spire index. */
#include <stdio.h>

#include "spr_cli.h"

int spr_cmd_index(const spr_comm *world, int argc, char **argv) {
  (void)argc;
  (void)argv;
  if (world->rank == 0) fprintf(stderr, "spire index: not implemented yet\n");
  return SPR_EXIT_FAIL;
}
