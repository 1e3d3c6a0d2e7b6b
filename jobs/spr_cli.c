/* spr_cli.c: what the subcommands share (spr_cli.h): help detection, agreeing on the outcome and
 * printing it, usage errors, and output written in parts by all ranks. */
#include "spr_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_file.h"

/* ---- outcome and usage ------------------------------------------------------------------------ */

int spr_cli_has_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
  return 0;
}

int spr_cli_finish(const spr_comm *world, const char *cmd, int rc) {
  const int agreed = spr_mpi_agree(world, rc);
  if (agreed == SPR_OK) return SPR_EXIT_OK;
  char msg[2048] = "";
  spr_mpi_error_message(world, rc, msg, sizeof msg);
  if (world->rank == 0) {
    fprintf(stderr, "spire %s: error: %s\n", cmd, msg);
    fflush(stderr);
  }
  return agreed == SPR_EUSAGE ? SPR_EXIT_USAGE : SPR_EXIT_FAIL;
}

int spr_cli_usage_error(const spr_comm *world, const char *cmd, const char *fmt, ...) {
  if (world->rank == 0) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "spire %s: error: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see spire %s --help)\n", cmd);
    va_end(ap);
  }
  return SPR_EXIT_USAGE;
}

/* ---- part files (spire encode, spire tokenize) ------------------------------------------------- */

static char *spr_part_name(const char *output, int rank) {
  const size_t n = strlen(output) + 32;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s.part%d.tmp", output, rank);
  return p;
}

int spr_cli_part_open(const spr_comm *world, const char *output, spr_cli_part *part) {
  memset(part, 0, sizeof *part);
  part->path = spr_part_name(output, world->rank);
  if (!part->path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  part->f = fopen(part->path, "wb");
  if (!part->f) return SPR_FAIL(SPR_EIO, "%s: cannot create: %s", part->path, strerror(errno));
  return SPR_OK;
}

static int spr_part_close(spr_cli_part *part, int rc) {
  if (part->f) {
    if ((ferror(part->f) || fflush(part->f) != 0) && rc == SPR_OK)
      rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", part->path, strerror(errno));
    if (fclose(part->f) != 0 && rc == SPR_OK) rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", part->path, strerror(errno));
    part->f = NULL;
  }
  return rc;
}

int spr_cli_parts_join(const spr_comm *world, const char *output, spr_cli_part *part, int rc) {
  rc = spr_part_close(part, rc);
  rc = spr_mpi_agree(world, rc);
  if (rc == SPR_OK && world->rank == 0) {
    char *buf = malloc(1 << 20);
    spr_out out = {0};
    if (!buf) rc = SPR_FAIL(SPR_ENOMEM, "out of memory");
    if (rc == SPR_OK) rc = spr_out_open(&out, output, NULL);
    for (int r = 0; r < world->size && rc == SPR_OK; r++) {
      char *pp = spr_part_name(output, r);
      FILE *in = pp ? fopen(pp, "rb") : NULL;
      if (!in) {
        rc = SPR_FAIL(SPR_EIO, "%s: cannot open part of rank %d (is the output folder shared by all ranks?)",
                      pp ? pp : output, r);
      } else {
        size_t k;
        while ((k = fread(buf, 1, 1 << 20, in)) > 0)
          if (fwrite(buf, 1, k, out.f) != k) {
            rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", out.tmp, strerror(errno));
            break;
          }
        fclose(in);
      }
      free(pp);
    }
    rc = spr_out_close(&out, rc);
    for (int r = 0; r < world->size; r++) {
      char *pp = spr_part_name(output, r);
      if (pp) remove(pp);
      free(pp);
    }
    free(buf);
  } else if (rc != SPR_OK && part->path) {
    remove(part->path); /* failure: every rank removes its own part */
  }
  free(part->path);
  part->path = NULL;
  /* Everyone learns whether rank 0's join worked. */
  return spr_mpi_agree(world, rc);
}

void spr_cli_json_string(FILE *f, const char *s, size_t len) {
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    const unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
    } else if (c < 0x20) {
      switch (c) {
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default: fprintf(f, "\\u%04x", c); break;
      }
    } else {
      fputc(c, f);
    }
  }
  fputc('"', f);
}
