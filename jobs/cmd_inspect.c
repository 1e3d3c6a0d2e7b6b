/* cmd_inspect.c: spire inspect — print an index file's header and statistics (rank 0 only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_bmp.h"
#include "spr_cli.h"
#include "spr_index.h"

static void spr_inspect_help(void) {
  printf(
      "usage: spire inspect INDEX.h5 [--verify]\n\n"
      "Print the index header (format version, counts, encoder and its parameters) and statistics.\n"
      "  --verify   also check every structural invariant (offsets, sorted terms and docids, df,\n"
      "             block maxima, ids); exit 1 naming the first violation\n"
      "  -h, --help this help\n");
}

static int spr_inspect(const char *path, int verify) {
  spr_index *ix = NULL;
  SPR_TRY(spr_index_open(path, &ix));
  const spr_index_info *in = spr_index_get_info(ix);
  printf("file            %s\n", path);
  printf("format_version  %llu\n", (unsigned long long)in->format_version);
  printf("documents       %llu\n", (unsigned long long)in->n_docs);
  printf("terms           %llu\n", (unsigned long long)in->n_terms);
  printf("postings        %llu\n", (unsigned long long)in->n_postings);
  if (!strcmp(in->encoder, "bm25"))
    printf("encoder         bm25 (analyzer %s, k1 %g, b %g)\n", in->analyzer, in->k1, in->b);
  else
    printf("encoder         %s\n", in->encoder);
  printf("avgdl           %.4f\n", in->avgdl);
  printf("impacts         u%llu, max score %.6f, %s\n", (unsigned long long)in->bits, in->score_max, in->quantization);
  /* the search layout follows from the block size and k (spr_bmp_major_for; docs/bmp.md, "Two layouts") */
  if (in->block_size <= SPR_BMP_DOC_MAJOR_BLOCK_MAX)
    printf("bmp             %llu blocks of %llu documents; search postings document-major for k <= %u, "
           "term-major above\n",
           (unsigned long long)in->n_blocks, (unsigned long long)in->block_size, SPR_BMP_DOC_MAJOR_K_MAX);
  else
    printf("bmp             %llu blocks of %llu documents; search postings term-major (document-major needs "
           "blocks of <= %u)\n",
           (unsigned long long)in->n_blocks, (unsigned long long)in->block_size, SPR_BMP_DOC_MAJOR_BLOCK_MAX);
  int rc = SPR_OK;
  if (verify) {
    rc = spr_index_verify_checksums(ix);
    if (rc == SPR_OK) printf("checksums       ok (xxh3_64 of every dataset)\n");
    if (rc == SPR_OK) rc = spr_index_verify(ix);
    if (rc == SPR_OK) printf("verify          ok\n");
  }
  spr_index_close(&ix);
  return rc;
}

int spr_cmd_inspect(const spr_comm *world, int argc, char **argv) {
  if (spr_cli_has_help(argc, argv)) {
    if (world->rank == 0) spr_inspect_help();
    return SPR_EXIT_OK;
  }
  const char *path = NULL;
  int verify = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--verify")) verify = 1;
    else if (argv[i][0] == '-') return spr_cli_usage_error(world, "inspect", "unknown option '%s'", argv[i]);
    else if (!path) path = argv[i];
    else return spr_cli_usage_error(world, "inspect", "unexpected argument '%s'", argv[i]);
  }
  if (!path) return spr_cli_usage_error(world, "inspect", "an index file is required");
  const int rc = world->rank == 0 ? spr_inspect(path, verify) : SPR_OK;
  return spr_cli_finish(world, "inspect", rc);
}
