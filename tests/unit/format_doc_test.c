/* format_doc_test.c: docs/format.md lists exactly the datasets of mpi/spr_index_datasets.h, each
 * once, with its element type and whether spr_index_open checks its checksum: the datasets of
 * format 3 (and of reordered indexes) in the table under "## Datasets", format 2's dropped ones in
 * the table under "## Versions". A row is a line `| `/path` | type | open | ...`.
 * Usage: format_doc [FORMAT_MD] (default: the source tree's docs/format.md). Before checking the
 * page, the test checks that the checker refuses damaged copies of it (a row dropped, doubled or
 * moved to the other table, a type or the open column changed, a dataset the list lacks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_file.h"
#include "spr_index_datasets.h"

static const char *spr_type_doc(spr_h5_type t) { return t == SPR_H5_U8 ? "u8" : t == SPR_H5_U32 ? "u32" : "u64"; }

/* The section of dataset d: "Datasets" or "Versions". */
static const char *spr_section_of(const spr_index_dataset *d) {
  return d->presence == SPR_DS_PRESENCE_FORMAT2 ? "Versions" : "Datasets";
}

/* Problems in the page text (printed, prefixed by who). */
static int spr_check_page(const char *text, const char *who, int quiet) {
  int problems = 0, seen[SPR_DS_COUNT] = {0};
  char section[64] = "";
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    const size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len > 3 && !strncmp(line, "## ", 3)) snprintf(section, sizeof section, "%.*s", (int)(len - 3), line + 3);
    if (len > 3 && !strncmp(line, "| `/", 4) && (!strcmp(section, "Datasets") || !strcmp(section, "Versions"))) {
      char path[128] = "", type[16] = "", open[16] = "";
      if (sscanf(line, "| `%127[^`]` | %15[^ |] | %15[^ |] |", path, type, open) != 3) {
        if (!quiet) fprintf(stderr, "%s: unreadable row: %.*s\n", who, (int)len, line);
        problems++;
      } else {
        int found = -1;
        for (int d = 0; d < SPR_DS_COUNT; d++)
          if (!strcmp(path, spr_index_dataset_table[d].name)) found = d;
        const spr_index_dataset *ds = found >= 0 ? &spr_index_dataset_table[found] : NULL;
        const char *why = !ds                                        ? "not in mpi/spr_index_datasets.h"
                          : seen[found]++                            ? "listed twice"
                          : strcmp(section, spr_section_of(ds))      ? "in the wrong section"
                          : strcmp(type, spr_type_doc(ds->type))     ? "type differs from mpi/spr_index_datasets.h"
                          : strcmp(open, ds->open_hash ? "yes" : "no") ? "open column differs from mpi/spr_index_datasets.h"
                                                                     : NULL;
        if (why) {
          if (!quiet) fprintf(stderr, "%s: %s (section %s, type %s, open %s): %s\n", who, path, section, type, open, why);
          problems++;
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
  for (int d = 0; d < SPR_DS_COUNT; d++)
    if (!seen[d]) {
      if (!quiet)
        fprintf(stderr, "%s: %s (%s) is missing from section %s\n", who, spr_index_dataset_table[d].name,
                spr_type_doc(spr_index_dataset_table[d].type), spr_section_of(&spr_index_dataset_table[d]));
      problems++;
    }
  return problems;
}

/* text with the first occurrence of `from` replaced by `to` (malloc'ed), or NULL if absent. */
static char *spr_replace(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  if (!at) return NULL;
  const size_t n = strlen(text), nf = strlen(from), nt = strlen(to);
  char *out = malloc(n - nf + nt + 1);
  if (!out) return NULL;
  memcpy(out, text, (size_t)(at - text));
  memcpy(out + (at - text), to, nt);
  memcpy(out + (at - text) + nt, at + nf, n - (size_t)(at - text) - nf + 1);
  return out;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : SPR_SOURCE_DIR "/docs/format.md";
  char *text = NULL;
  size_t len = 0;
  if (spr_file_read(path, "format page", &text, &len) != SPR_OK) {
    fprintf(stderr, "format_doc: %s\n", spr_last_error());
    return 1;
  }
  /* the checker must refuse each of these damaged copies */
  const char *damage[][2] = {
      {"| `/terms/df` | u32 | yes |", "| `/terms/dfx` | u32 | yes |"},    /* renamed: one extra, one missing */
      {"| `/docs/length` | u32 |", "| `/docs/length` | u64 |"},            /* type */
      {"| `/postings/encoded` | u8 | no |", "| `/postings/encoded` | u8 | yes |"}, /* open */
      {"| `/terms/bytes` |", "| `/terms/offsets` |"},                        /* a row twice, one missing */
      {"## Versions", "## Versions\n| `/docs/ids` | u8 | yes | x | x |"},     /* a row in the wrong table */
      {"| `/forward/terms` | u32 |", "| `/forward/termz` | u32 |"},          /* a format 2 row */
  };
  int rc = 0;
  for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
    char *bad = spr_replace(text, damage[i][0], damage[i][1]);
    if (!bad) {
      fprintf(stderr, "format_doc: %s has no \"%s\" to damage\n", path, damage[i][0]);
      rc = 1;
    } else if (spr_check_page(bad, "damaged copy", 1) == 0) {
      fprintf(stderr, "format_doc: the checker accepted a copy with \"%s\" made \"%s\"\n", damage[i][0], damage[i][1]);
      rc = 1;
    }
    free(bad);
  }
  const int problems = spr_check_page(text, path, 0);
  free(text);
  if (problems) fprintf(stderr, "format_doc: %s disagrees with mpi/spr_index_datasets.h (%d problems)\n", path, problems);
  else if (!rc) printf("format_doc: ok (%d datasets, each once with its type; %zu damaged copies refused)\n",
                       SPR_DS_COUNT, sizeof damage / sizeof damage[0]);
  return problems || rc;
}
