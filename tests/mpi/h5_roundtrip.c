/* h5_roundtrip.c: collective write of every element type with uneven per-rank slices (ranks with
 * nothing, reversed order, many rounds), checked to stay collective; then every rank reads the file
 * back locally and compares values, attributes and error cases.
 * Usage: h5_roundtrip OUT.h5 LEVEL   (run under mpiexec with any number of ranks) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5_testdata.h"
#include "spr_coll.h"
#include "spr_h5.h"

static int g_fail = 0;
static int g_rank = 0;
#define CHECK(cond, ...)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "rank %d: %s:%d: CHECK(%s) failed: ", g_rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                    \
      fprintf(stderr, "\n  last error: %s\n", spr_last_error());       \
      g_fail = 1;                                                      \
    }                                                                  \
  } while (0)

static void *fill(size_t d, uint64_t off, uint64_t cnt) {
  const size_t es = h5t_esize(h5t_dsets[d].type);
  unsigned char *b = malloc(cnt ? cnt * es : 1);
  if (!b) abort();
  for (uint64_t i = 0; i < cnt; i++) h5t_value(d, off + i, b + i * es);
  return b;
}

static void write_all(const spr_comm *w, const char *path, int level) {
  spr_h5_writer *h = NULL;
  int rc = spr_h5_writer_create(w, path, level, &h);
  CHECK(rc == SPR_OK, "create %s: %s", path, spr_strerror(rc));
  if (rc) return;
  for (size_t d = 0; d < H5T_NDSETS; d++) {
    uint64_t off = 0, cnt = 0;
    h5t_slice(d, w->rank, w->size, &off, &cnt);
    void *buf = fill(d, off, cnt);
    if (d == H5T_ROUNDS_DSET) spr_h5_writer_set_round_bytes(h, 4096 * 8 + 8); /* 4097 elements */
    rc = spr_h5_write(h, h5t_dsets[d].name, h5t_dsets[d].type, h5t_dsets[d].total, off, cnt, buf);
    if (d == H5T_ROUNDS_DSET) spr_h5_writer_set_round_bytes(h, UINT64_MAX);
    free(buf);
    CHECK(rc == SPR_OK, "write %s: %s", h5t_dsets[d].name, spr_strerror(rc));
    const int coll = spr_h5_last_io_collective(h);
    CHECK(coll == 1, "%s: I/O not collective (%d): %s", h5t_dsets[d].name, coll, spr_h5_last_io_cause(h));
  }
  CHECK(spr_h5_attr_u64(h, "/", "format_version", H5T_ROOT_VERSION) == SPR_OK, "attr u64");
  CHECK(spr_h5_attr_f64(h, "/", "scale", H5T_ROOT_SCALE) == SPR_OK, "attr f64");
  CHECK(spr_h5_attr_str(h, "/", "encoder", H5T_ROOT_ENCODER) == SPR_OK, "attr str");
  CHECK(spr_h5_attr_str(h, "/", "encoder", H5T_ROOT_ENCODER) == SPR_OK, "attr str replaced");
  CHECK(spr_h5_attr_str(h, "/a/u32", "note", "") == SPR_OK, "attr empty str on a dataset");
  CHECK(spr_h5_attr_u64(h, "/meta/build", "ranks_do_not_matter", 42) == SPR_OK, "attr on a new group");

  rc = spr_h5_writer_close(&h);
  CHECK(rc == SPR_OK && h == NULL, "close: %s", spr_strerror(rc));
}

static int same_bytes(size_t d, uint64_t off, uint64_t cnt, const void *got) {
  const size_t es = h5t_esize(h5t_dsets[d].type);
  unsigned char v[8];
  for (uint64_t i = 0; i < cnt; i++) {
    h5t_value(d, off + i, v);
    if (memcmp(v, (const unsigned char *)got + i * es, es) != 0) {
      fprintf(stderr, "rank %d: %s[%llu] differs\n", g_rank, h5t_dsets[d].name,
              (unsigned long long)(off + i));
      return 0;
    }
  }
  return 1;
}

static void read_all(const char *path, int level) {
  spr_h5_reader *r = NULL;
  int rc = spr_h5_reader_open(path, &r);
  CHECK(rc == SPR_OK, "open %s", path);
  if (rc) return;
  for (size_t d = 0; d < H5T_NDSETS; d++) {
    const h5t_dset *ds = &h5t_dsets[d];
    const int64_t n = spr_h5_len(r, ds->name);
    CHECK(n == (int64_t)ds->total, "%s: length %lld", ds->name, (long long)n);
    void *buf = malloc(ds->total ? ds->total * 8 : 1);
    rc = spr_h5_read(r, ds->name, ds->type, 0, ds->total, buf);
    CHECK(rc == SPR_OK && same_bytes(d, 0, ds->total, buf), "%s: full read", ds->name);
    if (ds->total > 65540) { /* a range across the first chunk boundary, twice (chunk cache) */
      for (int rep = 0; rep < 2; rep++) {
        rc = spr_h5_read(r, ds->name, ds->type, 65530, 10, buf);
        CHECK(rc == SPR_OK && same_bytes(d, 65530, 10, buf), "%s: boundary read", ds->name);
      }
    }
    uint64_t noff = 0, nbytes = 0, nch = 0;
    rc = spr_h5_chunk_info(r, ds->name, 0, &noff, &nbytes, &nch);
    const uint64_t want = (ds->total + 65535) / 65536;
    CHECK(nch == want && (ds->total == 0 ? rc == SPR_ENOTFOUND : rc == SPR_OK), "%s: %llu chunks",
          ds->name, (unsigned long long)nch);
    /* u8 and f32 values repeat, so they compress; the u32/u64 values are hash-like and do not. */
    if (level > 0 && ds->total > 1000 && (ds->type == SPR_H5_U8 || ds->type == SPR_H5_F32))
      CHECK(rc == SPR_OK && nbytes < (ds->total < 65536 ? ds->total : 65536) * h5t_esize(ds->type),
            "%s: chunk 0 not compressed (%llu bytes)", ds->name, (unsigned long long)nbytes);
    /* An out-of-range read names the dataset. */
    rc = spr_h5_read(r, ds->name, ds->type, ds->total, 1, buf);
    CHECK(rc == SPR_ECORRUPT && strstr(spr_last_message(), ds->name), "%s: past the end gives %d", ds->name,
          rc);
    rc = spr_h5_read(r, ds->name, ds->type, UINT64_MAX, 2, buf);
    CHECK(rc == SPR_ECORRUPT, "%s: overflowing range gives %d", ds->name, rc);
    free(buf);
  }
  /* Conversion on read: u8 values read as u32. */
  {
    uint32_t v[16];
    rc = spr_h5_read(r, "/a/u8", SPR_H5_U32, 1000, 16, v);
    int ok = rc == SPR_OK;
    for (uint64_t i = 0; ok && i < 16; i++) ok = v[i] == (uint32_t)(((1000 + i) * 31u) & 0xffu);
    CHECK(ok, "u8 read as u32");
  }
  rc = spr_h5_read(r, "/a/missing", SPR_H5_U32, 0, 1, &rc);
  CHECK(rc == SPR_ENOTFOUND && strstr(spr_last_message(), "/a/missing"), "missing dataset gives %d: %s", rc,
        spr_last_message());
  rc = (int)spr_h5_len(r, "/nope/deeper/x");
  CHECK(rc == SPR_ENOTFOUND && strstr(spr_last_message(), "/nope/deeper/x"), "missing group gives %d", rc);
  rc = (int)spr_h5_len(r, "/a");
  CHECK(rc == SPR_EHDF5 && strstr(spr_last_message(), "/a"), "a group read as a dataset gives %d", rc);
  CHECK(spr_h5_exists(r, "/a/u8") == 1 && spr_h5_exists(r, "/a/zz") == 0 && spr_h5_exists(r, "/q/a/u8") == 0 &&
            spr_h5_exists(r, "/a/u8/x") == 0,
        "exists");

  uint64_t u = 0;
  double f = 0;
  char *s = NULL;
  CHECK(spr_h5_get_attr_u64(r, "/", "format_version", &u) == SPR_OK && u == H5T_ROOT_VERSION, "u64 attr");
  CHECK(spr_h5_get_attr_f64(r, "/", "scale", &f) == SPR_OK && f == H5T_ROOT_SCALE, "f64 attr");
  CHECK(spr_h5_get_attr_f64(r, "/", "format_version", &f) == SPR_OK && f == (double)H5T_ROOT_VERSION,
        "integer attr read as f64");
  CHECK(spr_h5_get_attr_str(r, "/", "encoder", &s) == SPR_OK && s && strcmp(s, H5T_ROOT_ENCODER) == 0, "str attr");
  free(s);
  s = NULL;
  CHECK(spr_h5_get_attr_str(r, "/a/u32", "note", &s) == SPR_OK && s && s[0] == '\0', "empty str attr");
  free(s);
  s = NULL;
  CHECK(spr_h5_get_attr_u64(r, "/meta/build", "ranks_do_not_matter", &u) == SPR_OK && u == 42, "group attr");
  rc = spr_h5_get_attr_u64(r, "/", "nope", &u);
  CHECK(rc == SPR_ENOTFOUND && strstr(spr_last_message(), "nope"), "missing attr gives %d", rc);
  rc = spr_h5_get_attr_u64(r, "/zz", "nope", &u);
  CHECK(rc == SPR_ENOTFOUND && strstr(spr_last_message(), "/zz"), "attr of a missing object gives %d", rc);
  rc = spr_h5_get_attr_u64(r, "/", "encoder", &u);
  CHECK(rc == SPR_ECORRUPT, "a string read as u64 gives %d", rc);
  rc = spr_h5_get_attr_str(r, "/", "scale", &s);
  CHECK(rc == SPR_ECORRUPT && s == NULL, "a number read as string gives %d", rc);
  spr_h5_reader_close(&r);
  CHECK(r == NULL, "reader close nulls");
  spr_h5_reader_close(&r); /* NULL is fine */

  rc = spr_h5_reader_open("/nonexistent/dir/x.h5", &r);
  CHECK(rc == SPR_ENOTFOUND && r == NULL && strstr(spr_last_message(), "/nonexistent/dir/x.h5"),
        "missing file gives %d", rc);
}

/* A discarded writer leaves no file behind. */
static void discard(const spr_comm *w, const char *path) {
  char p[4096];
  snprintf(p, sizeof p, "%s.discard.h5", path);
  spr_h5_writer *h = NULL;
  int rc = spr_h5_writer_create(w, p, 1, &h);
  CHECK(rc == SPR_OK, "create %s", p);
  uint64_t off = 0, cnt = 0;
  h5t_slice(0, w->rank, w->size, &off, &cnt);
  void *buf = fill(0, off, cnt);
  rc = spr_h5_write(h, h5t_dsets[0].name, h5t_dsets[0].type, h5t_dsets[0].total, off, cnt, buf);
  free(buf);
  CHECK(rc == SPR_OK, "write before discard");
  /* In this scratch file (at np 1 some of these succeed): misuse is reported on every rank, and nothing hangs. */
  uint64_t one = 1;
  rc = spr_h5_write(h, "/a/u8", SPR_H5_U8, 1, 0, w->rank == 0 ? 1 : 0, &one);
  CHECK(rc == SPR_EINVAL, "rewriting a dataset gives %d", rc);
  rc = spr_h5_write(h, "/bad/gap", SPR_H5_U64, 10, 0, w->rank == 0 ? 5 : 0, &one);
  CHECK(rc == SPR_EINVAL && strstr(spr_last_message(), "/bad/gap"), "a gap gives %d: %s", rc,
        spr_last_message());
  rc = spr_h5_write(h, "/bad/overlap", SPR_H5_U8, 1, 0, 1, &one);
  CHECK(rc == (w->size > 1 ? SPR_EINVAL : SPR_OK), "overlapping slices give %d", rc);
  rc = spr_h5_write(h, "/bad/total", SPR_H5_U8, (uint64_t)w->rank + 1, 0, w->rank == 0 ? 1 : 0, &one);
  CHECK(rc == (w->size > 1 ? SPR_EINVAL : SPR_OK), "different totals give %d", rc);
  rc = spr_h5_write(h, "relative", SPR_H5_U8, 0, 0, 0, NULL);
  CHECK(rc == SPR_EINVAL, "a relative path gives %d", rc);
  rc = spr_h5_attr_u64(h, "/", "differs", (uint64_t)w->rank);
  CHECK(rc == (w->size > 1 ? SPR_EINVAL : SPR_OK), "different attribute values give %d", rc);

  CHECK(spr_h5_last_io_collective(h) == SPR_EINVAL, "no collective state after a refused write");
  rc = spr_h5_writer_discard(&h);
  CHECK(rc == SPR_OK && h == NULL, "discard");
  CHECK(access(p, F_OK) != 0, "%s still exists after discard", p);
  CHECK(spr_h5_writer_close(&h) == SPR_OK, "close(NULL)");
}

int main(int argc, char **argv) {
  spr_comm world;
  if (spr_mpi_init(&argc, &argv, &world) != SPR_OK) {
    fprintf(stderr, "MPI init: %s\n", spr_last_error());
    return 1;
  }
  g_rank = world.rank;
  if (argc < 3) {
    if (world.rank == 0) fprintf(stderr, "usage: %s OUT.h5 LEVEL\n", argv[0]);
    spr_mpi_finalize(&world);
    return 2;
  }
  const char *path = argv[1];
  const int level = atoi(argv[2]);
  CHECK(spr_h5_init() == SPR_OK && spr_h5_init() == SPR_OK, "init twice");
  write_all(&world, path, level);
  read_all(path, level);
  discard(&world, path);
  const int rc = spr_mpi_agree(&world, g_fail ? SPR_EINVAL : SPR_OK);
  if (world.rank == 0) printf("h5_roundtrip np=%d level=%d: %s\n", world.size, level, rc ? "FAILED" : "ok");
  spr_mpi_finalize(&world);
  return rc ? 1 : 0;
}
