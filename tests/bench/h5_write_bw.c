/* h5_write_bw.c: bandwidth of spire's collective HDF5 write (spr_h5_write) alone, without an index
 * build in front of it: every rank writes its equal share of NDSETS u8 datasets of MB megabytes in
 * all, then the file is closed; rank 0 prints the MB/s of the bytes written (write + close).
 * Usage: mpirun -np P h5_write_bw OUT.h5 MB LEVEL [NDSETS]   (docs/hdf5.md, merge bandwidth) */
#include <stdio.h>
#include <stdlib.h>

#include <mpi.h>

#include "spr_coll.h"
#include "spr_h5.h"

int main(int argc, char **argv) {
  spr_comm w;
  if (spr_mpi_init(&argc, &argv, &w) != SPR_OK) return 2;
  if (argc < 4) {
    if (w.rank == 0) fprintf(stderr, "usage: h5_write_bw OUT.h5 MB LEVEL [NDSETS]\n");
    spr_mpi_finalize(&w);
    return 2;
  }
  const uint64_t total = strtoull(argv[2], NULL, 10) * 1000000ull;
  const int level = atoi(argv[3]), nds = argc > 4 ? atoi(argv[4]) : 4;
  const uint64_t per = total / (uint64_t)nds;
  const uint64_t lo = per * (uint64_t)w.rank / (uint64_t)w.size, hi = per * (uint64_t)(w.rank + 1) / (uint64_t)w.size;
  unsigned char *b = malloc(hi - lo + 1);
  int rc = b ? SPR_OK : SPR_ENOMEM;
  /* bytes that zstd shrinks about as much as an index's (to ~0.6: uniform in [0, 24)) */
  uint64_t x = 0x9E3779B97F4A7C15ull ^ lo;
  for (uint64_t i = lo; b && i < hi; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b[i - lo] = (unsigned char)((x >> 32) % 24);
  }
  spr_h5_writer *h = NULL;
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  if (rc == SPR_OK) rc = spr_h5_writer_create(&w, argv[1], level, &h);
  for (int d = 0; rc == SPR_OK && d < nds; d++) {
    char name[32];
    snprintf(name, sizeof name, "/d%d", d);
    rc = spr_h5_write(h, name, SPR_H5_U8, per, lo, hi - lo, b);
  }
  const int coll = rc == SPR_OK ? spr_h5_last_io_collective(h) : 0;
  const int crc = spr_h5_writer_close(&h);
  if (rc == SPR_OK) rc = crc;
  MPI_Barrier(MPI_COMM_WORLD);
  const double t = MPI_Wtime() - t0;
  if (w.rank == 0)
    printf("ranks %d level %d: %.0f MB in %.2f s = %.1f MB/s (of the data written), collective %d, status %d\n", w.size,
           level, (double)(per * (uint64_t)nds) / 1e6, t, (double)(per * (uint64_t)nds) / 1e6 / t, coll, rc);
  free(b);
  spr_mpi_finalize(&w);
  return rc == SPR_OK ? 0 : 1;
}
