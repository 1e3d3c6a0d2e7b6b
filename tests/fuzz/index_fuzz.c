/* index_fuzz.c: fuzz target for opening and verifying index files (mpi/spr_index.h), without MPI
 * (HDF5's serial driver, as `spire inspect` on one process). Input: a whole HDF5 index file; the
 * seeds are small valid indexes built by spire (tests/fuzz/make_index_seeds.sh) and damaged
 * copies, so the mutations hit the header attributes, the term list, the posting blocks, the
 * forward blocks and the checksums. Steps: spr_index_open, spr_index_verify_checksums,
 * spr_index_verify, then (whatever the verdicts) spr_index_load_bmp and spr_index_load_bmp_accel
 * of every rank's block range for P = 1 and 2 (same verdict, same top 10 of a query), spr_index_read_postings of a few terms, spr_index_read_docids/lengths.
 * Properties: no crash, over-read, leak or hang in our code; a failure is a negative code with
 * a message; a loaded BMP range passes spr_bmp_index_check (as documented); postings read back
 * are ascending, < n_docs, with impacts > 0.
 * HDF5's own faults on garbage metadata are out of scope (docs/reliability.md).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into index_replay
 * (fuzz_replay.c), which runs the committed corpus/index under CTest. */
#include <hdf5.h>

#include "fuzz_common.h"
#include "spr_index.h"

/* Largest current extent of the index's datasets as the file declares them (serial HDF5). */
static void check_postings(spr_index *ix, const spr_index_info *in) {
  const uint64_t nt = in->n_terms;
  const uint64_t probe[4] = {0, nt / 2, nt ? nt - 1 : 0, nt + 1};
  for (int i = 0; i < 4; i++) {
    if (probe[i] > UINT32_MAX) continue;
    uint32_t *docs = NULL, n = 0;
    uint8_t *imp = NULL;
    const int rc = spr_index_read_postings(ix, (uint32_t)probe[i], 0, UINT32_MAX, &docs, &imp, &n);
    if (rc == 0) {
      for (uint32_t j = 0; j < n; j++) {
        FUZZ_CHECK(docs[j] < in->n_docs && imp[j] > 0);
        if (j) FUZZ_CHECK(docs[j] > docs[j - 1]);
      }
    } else {
      FUZZ_CHECK(rc < 0 && spr_last_error()[0] != '\0');
    }
    free(docs);
    free(imp);
  }
}

/* One query over the first terms (weights 1..8), k = 10: the plain and the accelerated view agree. */
static void compare_views(const spr_bmp_index *plain, const spr_bmp_index *accel) {
  spr_qterm q[8];
  uint32_t n = 0;
  for (uint32_t t = 0; t < plain->n_terms && n < 8; t++) q[n++] = (spr_qterm){t, 1 + t % 8};
  const spr_bmp_params p = {10, 1.0, 1.0, 1};
  spr_hit a[10], b[10];
  void *wa = malloc(spr_bmp_workspace_size(plain, 10, 8) + 8), *wb = malloc(spr_bmp_workspace_size(accel, 10, 8) + 8);
  FUZZ_CHECK(wa && wb);
  const int64_t na = spr_bmp_search(plain, q, n, &p, 0, wa, a, NULL), nb = spr_bmp_search(accel, q, n, &p, 0, wb, b, NULL);
  FUZZ_CHECK(na == nb && na >= 0);
  for (int64_t i = 0; i < na; i++) FUZZ_CHECK(a[i].doc == b[i].doc && a[i].score == b[i].score);
  free(wa);
  free(wb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_temp_file("index.h5", data, size);
  spr_index *ix = NULL;
  int rc = spr_index_open(path, &ix);
  if (rc != 0) {
    FUZZ_CHECK(rc < 0 && ix == NULL && spr_last_error()[0] != '\0');
    return 0;
  }
  const spr_index_info *in = spr_index_get_info(ix);
  rc = spr_index_verify(ix);
  FUZZ_CHECK(rc == 0 || (rc < 0 && spr_last_error()[0] != '\0'));
  /* checksums: lengths are checked against the header and offsets first, so a damaged extent
   * cannot make the hash pass read a huge run of fill values */
  {
    rc = spr_index_verify_checksums(ix);
    FUZZ_CHECK(rc == 0 || (rc < 0 && spr_last_error()[0] != '\0'));
  }
  for (int P = 1; P <= 2; P++)
    for (int r = 0; r < P; r++) {
      uint64_t lo = 0, hi = 0;
      spr_index_block_range(ix, r, P, &lo, &hi);
      spr_bmp_data d;
      memset(&d, 0, sizeof d);
      rc = spr_index_load_bmp(ix, lo, hi, &d);
      if (rc == 0) FUZZ_CHECK(spr_bmp_index_check(&d.view) == 0);
      else FUZZ_CHECK(rc < 0 && spr_last_error()[0] != '\0');
      /* the streaming loader (spire search's) accepts exactly what the plain one accepts, and its
       * accelerated view answers a query exactly as the plain view does */
      for (int major = 0; major < 2; major++) { /* both layouts */
        spr_bmp_data ds;
        const int rs = spr_index_load_bmp_accel(ix, lo, hi, 8, (spr_bmp_major)major, NULL, &ds);
        FUZZ_CHECK(rs == 0 || (rs < 0 && spr_last_error()[0] != '\0'));
        FUZZ_CHECK((rs == 0) == (rc == 0));
        if (rc == 0 && rs == 0) compare_views(&d.view, &ds.view);
        if (rs == 0) spr_bmp_data_free(&ds);
      }
      spr_bmp_data_free(&d);
    }
  check_postings(ix, in);
  char *ids = NULL;
  uint64_t *off = NULL;
  rc = spr_index_read_docids(ix, &ids, &off);
  if (rc == 0) {
    for (uint64_t i = 0; i < in->n_docs; i++) FUZZ_CHECK(strlen(ids + off[i]) < (1u << 20));
  }
  free(ids);
  free(off);
  uint32_t *len = NULL;
  rc = spr_index_read_lengths(ix, &len);
  free(len);
  spr_index_close(&ix);
  FUZZ_CHECK(ix == NULL);
  return 0;
}

/* The seeds are HDF5 files written by spire itself: tests/fuzz/make_index_seeds.sh. */
int fuzz_make_seeds(const char *dir) {
  (void)dir;
  fprintf(stderr, "index seeds are made by tests/fuzz/make_index_seeds.sh\n");
  return -1;
}
