/* fuzz_common.h: helpers shared by every fuzz target of tests/fuzz. Each target defines
 * LLVMFuzzerTestOneInput and fuzz_make_seeds; fuzz_replay.c supplies main() for the plain-C replay drivers, libFuzzer supplies it for the fuzzers.
 * Header-only (static functions) so that each target compiles it with its own instrumentation. */
#ifndef SPR_FUZZ_COMMON_H
#define SPR_FUZZ_COMMON_H
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spr_check.h" /* SPR_CHECK_THEN */

/* A violated property: print where and abort (libFuzzer and the replay driver report it). */
#define FUZZ_CHECK(cond) SPR_CHECK_THEN(cond, abort())

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Write this target's seed inputs into the existing folder dir. 0 or -1. */
int fuzz_make_seeds(const char *dir);

/* ---- per-process scratch folder (removed at exit with its files) ---- */

static char fuzz_dir_path[64];

static inline void fuzz_dir_cleanup(void) {
  if (!fuzz_dir_path[0]) return;
  DIR *d = opendir(fuzz_dir_path);
  if (d) {
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[512];
      snprintf(p, sizeof p, "%s/%s", fuzz_dir_path, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(fuzz_dir_path);
  fuzz_dir_path[0] = '\0';
}

/* The scratch folder of this process, created on first use. Aborts if it cannot be made. */
static inline const char *fuzz_dir(void) {
  if (!fuzz_dir_path[0]) {
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "/tmp/spr_fuzz_%ld_XXXXXX", (long)getpid());
    FUZZ_CHECK(mkdtemp(fuzz_dir_path) != NULL);
    atexit(fuzz_dir_cleanup);
  }
  return fuzz_dir_path;
}

/* Write len bytes to path (replacing it). Aborts on failure (the disk, not the code under test). */
static inline void fuzz_write(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  FUZZ_CHECK(f != NULL);
  FUZZ_CHECK(len == 0 || fwrite(data, 1, len, f) == len);
  FUZZ_CHECK(fclose(f) == 0);
}

/* Path of file `name` in the scratch folder, written with data; returns a static buffer. */
static inline const char *fuzz_temp_file(const char *name, const void *data, size_t len) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  fuzz_write(path, data, len);
  return path;
}

/* Write seed `name` = data[0..len) into dir. 0 or -1. */
static inline int fuzz_seed(const char *dir, const char *name, const void *data, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  const int ok = len == 0 || fwrite(data, 1, len, f) == len;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}
/* A seed whose first byte is `mode` followed by the string s. */
static inline int fuzz_seed_mode(const char *dir, const char *name, uint8_t mode, const char *s) {
  const size_t n = strlen(s);
  uint8_t *b = malloc(n + 1);
  if (!b) return -1;
  b[0] = mode;
  memcpy(b + 1, s, n);
  const int rc = fuzz_seed(dir, name, b, n + 1);
  free(b);
  return rc;
}

/* A seed of a table: the file name and its text. */
typedef struct fuzz_text_seed {
  const char *name, *text;
} fuzz_text_seed;

/* Write the n seeds of the table into dir. 0 or -1. */
static inline int fuzz_seed_texts(const char *dir, const fuzz_text_seed *seeds, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fuzz_seed(dir, seeds[i].name, seeds[i].text, strlen(seeds[i].text)) != 0) return -1;
  return 0;
}

/* A seed of a table whose first byte selects the target's mode, followed by the text. */
typedef struct fuzz_mode_seed {
  const char *name;
  uint8_t mode;
  const char *text;
} fuzz_mode_seed;

/* Write the n seeds of the table into dir (fuzz_seed_mode each). 0 or -1. */
static inline int fuzz_seed_modes(const char *dir, const fuzz_mode_seed *seeds, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fuzz_seed_mode(dir, seeds[i].name, seeds[i].mode, seeds[i].text) != 0) return -1;
  return 0;
}
#endif /* SPR_FUZZ_COMMON_H */
