/* Damage one element of a dataset in an index file (a test tool, not part of spire):
 *   verify_corrupt FILE DATASET INDEX VALUE
 * Opens the file read-write with serial HDF5 (the zstd filter registered by spire's backend),
 * overwrites one u8 element, leaving every checksum attribute as it was. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "spr_h5.h"

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: verify_corrupt FILE DATASET INDEX VALUE\n");
    return 2;
  }
  if (spr_h5_init() < 0) return 1;
  const hsize_t at = (hsize_t)strtoull(argv[3], NULL, 10), one = 1;
  const unsigned char v = (unsigned char)atoi(argv[4]);
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = f >= 0 ? H5Dopen2(f, argv[2], H5P_DEFAULT) : -1;
  hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
  hid_t ms = H5Screate_simple(1, &one, NULL);
  int ok = fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &one, NULL) >= 0 &&
           H5Dwrite(d, H5T_NATIVE_UCHAR, ms, fs, H5P_DEFAULT, &v) >= 0;
  if (fs >= 0) H5Sclose(fs);
  H5Sclose(ms);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  if (!ok) fprintf(stderr, "verify_corrupt: cannot write %s[%s] in %s\n", argv[2], argv[3], argv[1]);
  return ok ? 0 : 1;
}
