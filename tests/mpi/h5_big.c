/* h5_big.c: one rank writes a 2.5 GiB slice (more than an MPI int count) while the other ranks
 * write nothing; the write stays collective and the values read back. Opt-in (about 25 s and 5 GiB
 * of memory on 2 cores): cmake -DSPR_TEST_H5_BIG=ON, then ctest -R h5_big.
 * Usage: h5_big OUT.h5 LEVEL */
#include <stdio.h>
#include <stdlib.h>

#include "spr_coll.h"
#include "spr_h5.h"

static unsigned char val(uint64_t i) { return (unsigned char)(i * 7u >> 12); }

int main(int argc, char **argv) {
  spr_comm w;
  if (spr_mpi_init(&argc, &argv, &w) != SPR_OK || argc < 3) return 2;
  const uint64_t total = (5ull << 30) / 2 + 12345;
  const uint64_t cnt = w.rank == 0 ? total : 0, off = w.rank == 0 ? 0 : total;
  unsigned char *b = malloc(cnt ? cnt : 1);
  int rc = b ? SPR_OK : SPR_ENOMEM;
  for (uint64_t i = 0; i < cnt && b; i++) b[i] = val(i);
  spr_h5_writer *h = NULL;
  if (rc == SPR_OK) rc = spr_h5_writer_create(&w, argv[1], atoi(argv[2]), &h);
  if (rc == SPR_OK) rc = spr_h5_write(h, "/big", SPR_H5_U8, total, off, cnt, b);
  if (rc == SPR_OK && spr_h5_last_io_collective(h) != 1) {
    fprintf(stderr, "rank %d: not collective: %s\n", w.rank, spr_h5_last_io_cause(h));
    rc = SPR_EIO;
  }
  const int crc = spr_h5_writer_close(&h);
  if (rc == SPR_OK) rc = crc;
  free(b);
  if (rc == SPR_OK && w.rank == 0) {
    spr_h5_reader *r = NULL;
    unsigned char t[64];
    uint64_t bad = 0;
    rc = spr_h5_reader_open(argv[1], &r);
    if (rc == SPR_OK && spr_h5_len(r, "/big") != (int64_t)total) rc = SPR_ECORRUPT;
    for (uint64_t p = 0; rc == SPR_OK && p < total; p += (p + 64 >= total ? 1 : 123456789)) {
      if (p + 64 > total) p = total - 64;
      rc = spr_h5_read(r, "/big", SPR_H5_U8, p, 64, t);
      for (int i = 0; rc == SPR_OK && i < 64; i++) bad += t[i] != val(p + (uint64_t)i);
      if (p == total - 64) break;
    }
    if (rc == SPR_OK && bad) rc = SPR_ECORRUPT;
    spr_h5_reader_close(&r);
    remove(argv[1]);
  }
  if (rc != SPR_OK) fprintf(stderr, "rank %d: %s\n", w.rank, spr_last_error());
  rc = spr_mpi_agree(&w, rc);
  if (w.rank == 0) printf("h5_big: %s\n", rc ? "FAILED" : "ok");
  spr_mpi_finalize(&w);
  return rc ? 1 : 0;
}
