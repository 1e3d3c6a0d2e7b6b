/* h5_corrupt.c: damaged zstd chunks give errors, never crashes or wrong data.
 * 1. The filter's decoder (spr_h5_zstd_check) on garbage, truncated frames, every single-byte flip
 *    of a valid frame, and a frame whose size disagrees with the chunk size.
 * 2. A file written collectively, then (rank 0) copies with one stored chunk damaged in several
 *    ways: reading that chunk is SPR_EHDF5 naming the dataset; other chunks still read correctly.
 * Usage: h5_corrupt DIR   (any number of ranks) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "spr_coll.h"
#include "spr_h5.h"

static int g_fail = 0;
#define CHECK(cond, ...)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);         \
      fprintf(stderr, __VA_ARGS__);                                                    \
      fprintf(stderr, "\n  last error: %s\n", spr_last_error());                       \
      g_fail = 1;                                                                      \
    }                                                                                  \
  } while (0)

#define N 200000u /* u32 elements: chunks 0..2 of 65536 and a partial chunk 3 */
static uint32_t value(uint64_t i) { return (uint32_t)(i % 977u) * 3u; }

static void decoder_cases(void) {
  enum { RAW = 4096 };
  unsigned char raw[RAW];
  for (int i = 0; i < RAW; i++) raw[i] = (unsigned char)((i * 7) % 13);
  const size_t cap = ZSTD_compressBound(RAW);
  unsigned char *frame = malloc(cap), *bad = malloc(cap + 64);
  const size_t fn = ZSTD_compress(frame, cap, raw, RAW, 3);
  CHECK(!ZSTD_isError(fn), "zstd compress");
  CHECK(spr_h5_zstd_check(frame, fn, RAW) == RAW, "a valid frame decodes");
  CHECK(spr_h5_zstd_check(frame, fn, 0) == RAW, "a valid frame decodes without a size check");
  CHECK(spr_h5_zstd_check(frame, fn, RAW + 1) == SPR_ECORRUPT, "a frame of the wrong size is refused");
  CHECK(spr_h5_zstd_check(frame, 0, RAW) == SPR_ECORRUPT, "an empty chunk is refused");
  for (size_t cut = 1; cut < fn; cut += (cut < 16 ? 1 : 7))
    CHECK(spr_h5_zstd_check(frame, cut, RAW) == SPR_ECORRUPT, "truncated to %zu bytes is refused", cut);
  /* Every single-byte flip: an error or (if the flip is in bits zstd ignores) the right size. */
  for (size_t pos = 0; pos < fn; pos++) {
    memcpy(bad, frame, fn);
    bad[pos] ^= 0x5a;
    const int64_t r = spr_h5_zstd_check(bad, fn, RAW);
    CHECK(r == SPR_ECORRUPT || r == RAW, "flip at %zu gives %lld", pos, (long long)r);
    const int64_t r0 = spr_h5_zstd_check(bad, fn, 0); /* no size hint: bounded by the frame itself */
    CHECK(r0 == SPR_ECORRUPT || r0 == RAW, "flip at %zu without size gives %lld", pos, (long long)r0);
  }
  /* Pseudo-random garbage, and a valid frame followed by garbage. */
  uint64_t x = 88172645463325252ull;
  for (int t = 0; t < 200; t++) {
    const size_t n = 1 + (size_t)(t * 37 % 300);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      bad[i] = (unsigned char)x;
    }
    if (t % 2) memcpy(bad, "\x28\xb5\x2f\xfd", 4); /* zstd magic, then garbage */
    CHECK(spr_h5_zstd_check(bad, n, t % 3 ? RAW : 0) < 0, "garbage %d decoded", t);
  }
  memcpy(bad, frame, fn);
  memcpy(bad + fn, "garbage!", 8);
  CHECK(spr_h5_zstd_check(bad, fn + 8, RAW) == SPR_ECORRUPT, "trailing garbage is refused");
  /* Two concatenated frames are a valid (community-plugin style) chunk if sizes add up. */
  memcpy(bad, frame, fn);
  memcpy(bad + fn, frame, fn);
  CHECK(spr_h5_zstd_check(bad, 2 * fn, 2 * RAW) == 2 * RAW, "two frames decode");
  free(frame);
  free(bad);
}

static int copy_with(const char *src, const char *dst, uint64_t off, const unsigned char *bytes, size_t n) {
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  if (!in || !out) {
    if (in) fclose(in);
    if (out) fclose(out);
    return -1;
  }
  char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, k, out);
  fclose(in);
  if (fseek(out, (long)off, SEEK_SET) != 0 || fwrite(bytes, 1, n, out) != n) {
    fclose(out);
    return -1;
  }
  return fclose(out);
}

static void file_cases(const char *dir) {
  char path[4096], bad[4200];
  snprintf(path, sizeof path, "%s/corrupt_src.h5", dir);
  uint64_t off = 0, cnt = 0, chunk_off = 0, chunk_len = 0, nchunks = 0;
  spr_h5_reader *r = NULL;
  CHECK(spr_h5_reader_open(path, &r) == SPR_OK, "open %s", path);
  CHECK(spr_h5_chunk_info(r, "/d/v", 1, &chunk_off, &chunk_len, &nchunks) == SPR_OK && nchunks == 4 &&
            chunk_len > 16,
        "chunk info: %llu chunks", (unsigned long long)nchunks);
  spr_h5_reader_close(&r);
  (void)off;
  (void)cnt;
  /* Damage: flip in the middle, zero the magic, inflate the content size, break the checksum. */
  struct {
    const char *what;
    uint64_t at;
    unsigned char bytes[8];
    size_t n;
  } cases[] = {
      {"middle byte flipped", chunk_off + chunk_len / 2, {0xff}, 1},
      {"magic zeroed", chunk_off, {0, 0, 0, 0}, 4},
      {"frame header overwritten", chunk_off + 4, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8},
      {"checksum broken", chunk_off + chunk_len - 2, {0x00, 0x11}, 2},
  };
  uint32_t *v = malloc(N * sizeof *v);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    snprintf(bad, sizeof bad, "%s/corrupt_%zu.h5", dir, c);
    CHECK(copy_with(path, bad, cases[c].at, cases[c].bytes, cases[c].n) == 0, "copy %s", bad);
    CHECK(spr_h5_reader_open(bad, &r) == SPR_OK, "open %s", bad);
    if (!r) continue;
    /* Chunk 0 is intact. */
    int rc = spr_h5_read(r, "/d/v", SPR_H5_U32, 10, 1000, v);
    int ok = rc == SPR_OK;
    for (uint64_t i = 0; ok && i < 1000; i++) ok = v[i] == value(10 + i);
    CHECK(ok, "%s: intact chunk 0 reads (%d)", cases[c].what, rc);
    /* Chunk 1 is not. */
    rc = spr_h5_read(r, "/d/v", SPR_H5_U32, 65536 + 5, 10, v);
    CHECK(rc == SPR_EHDF5 && strstr(spr_last_message(), "/d/v"), "%s: damaged chunk gives %d: %s", cases[c].what,
          rc, spr_last_message());
    if (c == 0) printf("damaged chunk read: %s\n", spr_last_message());
    rc = spr_h5_read(r, "/d/v", SPR_H5_U32, 0, N, v);
    CHECK(rc == SPR_EHDF5, "%s: full read gives %d", cases[c].what, rc);
    /* And the reader is still usable afterwards. */
    rc = spr_h5_read(r, "/d/v", SPR_H5_U32, 3 * 65536, 100, v);
    ok = rc == SPR_OK;
    for (uint64_t i = 0; ok && i < 100; i++) ok = v[i] == value(3 * 65536 + i);
    CHECK(ok, "%s: chunk 3 after the failure (%d)", cases[c].what, rc);
    spr_h5_reader_close(&r);
    remove(bad);
  }
  free(v);
}

int main(int argc, char **argv) {
  spr_comm world;
  if (spr_mpi_init(&argc, &argv, &world) != SPR_OK) return 1;
  if (argc < 2) {
    spr_mpi_finalize(&world);
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/corrupt_src.h5", argv[1]);
  decoder_cases();
  /* Collective write: an even split. */
  const uint64_t off = (uint64_t)N * (uint64_t)world.rank / (uint64_t)world.size;
  const uint64_t end = (uint64_t)N * (uint64_t)(world.rank + 1) / (uint64_t)world.size;
  uint32_t *v = malloc((end - off + 1) * sizeof *v);
  for (uint64_t i = off; i < end; i++) v[i - off] = value(i);
  spr_h5_writer *w = NULL;
  int rc = spr_h5_writer_create(&world, path, 3, &w);
  if (rc == SPR_OK) rc = spr_h5_write(w, "/d/v", SPR_H5_U32, N, off, end - off, v);
  const int crc = spr_h5_writer_close(&w);
  CHECK(rc == SPR_OK && crc == SPR_OK, "write %s", path);
  free(v);
  if (world.rank == 0 && !g_fail) file_cases(argv[1]);
  rc = spr_mpi_agree(&world, g_fail ? SPR_ECORRUPT : SPR_OK);
  if (world.rank == 0) printf("h5_corrupt np=%d: %s\n", world.size, rc ? "FAILED" : "ok");
  spr_mpi_finalize(&world);
  return rc ? 1 : 0;
}
