/* postings_replay.c: runs fuzz inputs through LLVMFuzzerTestOneInput (postings_fuzz.c) without
 * libFuzzer, so the committed corpus is checked by plain CTest (label fuzz) with any compiler.
 *   postings_replay FILE|DIR...        run every file (a crash or abort is the failure)
 *   postings_replay --make-seeds DIR   write the seed inputs committed in corpus/postings */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spr_postings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "postings_replay: cannot open %s\n", path);
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
    fprintf(stderr, "postings_replay: cannot read %s\n", path);
    free(buf);
    return -1;
  }
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 1;
}

/* Runs path (a file, or every regular file in a directory). Returns files run, -1 on error. */
static int run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "postings_replay: no such file or directory: %s\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return run_file(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  int count = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    const int r = run_file(full);
    if (r < 0) {
      count = -1;
      break;
    }
    count += r;
  }
  closedir(d);
  return count;
}

/* ---- seeds ------------------------------------------------------------------------------------ */

static int write_seed(const char *dir, const char *name, uint32_t n, const uint8_t *bytes,
                      size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  const uint8_t hdr[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
  const int ok = fwrite(hdr, 1, 2, f) == 2 && fwrite(bytes, 1, len, f) == len;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A valid list of n postings whose deltas have width b (deterministic). */
static int64_t seed_list(uint32_t n, unsigned b, uint32_t first, uint8_t *out, size_t cap) {
  uint32_t ids[1024];
  uint8_t w[1024];
  uint64_t x = 0x2545F4914F6CDD1Dull ^ (n * 131u + b);
  uint64_t cur = first;
  for (uint32_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (i > 0) {
      const uint64_t maxd = b ? (1ull << (b - 1)) : 0; /* keeps b <= 31 lists inside 32 bits */
      cur += 1 + (b ? maxd / 2 + x % (maxd / 2 + 1) + (i == 1 ? maxd / 2 : 0) : 0);
    }
    ids[i] = (uint32_t)cur;
    w[i] = (uint8_t)(1 + x % 255);
  }
  return spr_postings_encode(ids, w, n, out, cap);
}

static int make_seeds(const char *dir) {
  static uint8_t buf[16384];
  struct {
    const char *name;
    uint32_t n;
    unsigned b;
    uint32_t first;
  } const lists[] = {
      {"valid-n1", 1, 0, 0xFFFFFFFFu},   {"valid-n5-b3", 5, 3, 7},
      {"valid-n128-b7", 128, 7, 1000},   {"valid-n129-b13", 129, 13, 0},
      {"valid-n300-b0", 300, 0, 12345},  {"valid-n100-b26", 100, 26, 3},
      {"valid-n3-b31", 3, 31, 1},         {"valid-n1000-b4", 1000, 4, 99},
  };
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    const int64_t len = seed_list(lists[i].n, lists[i].b, lists[i].first, buf, sizeof buf);
    if (len < 0 || write_seed(dir, lists[i].name, lists[i].n, buf, (size_t)len) != 0) return 1;
  }
  const uint32_t wide_ids[2] = {0, 0xFFFFFFFFu}; /* the largest delta: width 32 */
  const uint8_t wide_w[2] = {1, 255};
  int64_t len = spr_postings_encode(wide_ids, wide_w, 2, buf, sizeof buf);
  if (len < 0 || write_seed(dir, "valid-n2-b32", 2, buf, (size_t)len) != 0) return 1;
  /* corrupt ones: truncated, bad width, overflow past 2^32 - 1, blocks out of order */
  len = seed_list(128, 7, 1000, buf, sizeof buf);
  if (write_seed(dir, "corrupt-truncated", 128, buf, (size_t)len - 1) != 0) return 1;
  buf[0] = 40;
  if (write_seed(dir, "corrupt-width40", 128, buf, (size_t)len) != 0) return 1;
  const uint8_t over[] = {32, 0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2};
  if (write_seed(dir, "corrupt-overflow", 2, over, sizeof over) != 0) return 1;
  len = seed_list(129, 2, 50, buf, sizeof buf);
  const size_t second = (size_t)len - 6; /* the last block: header + 1 impact */
  buf[second + 1] = 0;
  buf[second + 2] = buf[second + 3] = buf[second + 4] = 0;
  if (write_seed(dir, "corrupt-order", 129, buf, (size_t)len) != 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--make-seeds")) return make_seeds(argv[2]);
  if (argc < 2) {
    fprintf(stderr, "usage: postings_replay FILE|DIR... | --make-seeds DIR\n");
    return 2;
  }
  int total = 0;
  for (int i = 1; i < argc; i++) {
    const int r = run_path(argv[i]);
    if (r < 0) return 1;
    total += r;
  }
  if (total == 0) {
    fprintf(stderr, "postings_replay: no inputs found\n");
    return 1;
  }
  printf("postings_replay: %d inputs, no failure\n", total);
  return 0;
}
