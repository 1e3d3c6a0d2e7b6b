/* fuzz_replay.c: main() of the replay drivers <target>_replay (tests/fuzz/fuzz.cmake). Runs fuzz
 * inputs through the target's LLVMFuzzerTestOneInput without libFuzzer, so the committed corpus is
 * checked by plain CTest (label fuzz) with any compiler:
 *   <target>_replay FILE|DIR...        run every file (a crash or an abort is the failure)
 *   <target>_replay --make-seeds DIR   write the target's hand-made seed inputs into DIR */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Runs one file. 1 on success, -1 if it cannot be read. */
static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
    return -1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? 2 * cap : 4096;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) abort();
      buf = nb;
    }
    const size_t got = fread(buf + len, 1, cap - len, f);
    if (got == 0) break;
    len += got;
  }
  const int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
    free(buf);
    return -1;
  }
  /* An exact-size copy, so that a sanitizer build catches reads past the input. */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) abort();
  if (len) memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Runs path (a file, or every regular file of a folder in name order). Files run, or -1. */
static int run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "fuzz_replay: no such file or directory: %s\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return run_file(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **nn = realloc(names, cap * sizeof *names);
      if (!nn) abort();
      names = nn;
    }
    names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
    if (!names[n]) abort();
    sprintf(names[n], "%s/%s", path, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    const int r = count < 0 ? -1 : run_file(names[i]);
    count = r < 0 ? -1 : count + r;
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--make-seeds")) return fuzz_make_seeds(argv[2]) ? 1 : 0;
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR... | --make-seeds DIR\n", argv[0]);
    return 2;
  }
  int total = 0;
  for (int i = 1; i < argc; i++) {
    const int r = run_path(argv[i]);
    if (r < 0) return 1;
    total += r;
  }
  if (total == 0) {
    fprintf(stderr, "%s: no inputs found\n", argv[0]);
    return 1;
  }
  printf("%s: %d inputs, no failure\n", argv[0], total);
  return 0;
}
