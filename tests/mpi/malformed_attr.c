/* Set a u64 attribute of the root group of an HDF5 file (a test tool, not part of spire):
 *   malformed_attr FILE NAME VALUE
 * tests/mpi/malformed.sh uses it to give an index an unknown format_version. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: malformed_attr FILE NAME VALUE\n");
    return 2;
  }
  const unsigned long long v = strtoull(argv[3], NULL, 10);
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t a = f >= 0 ? H5Aopen(f, argv[2], H5P_DEFAULT) : -1;
  const int ok = a >= 0 && H5Awrite(a, H5T_NATIVE_ULLONG, &v) >= 0;
  if (a >= 0) H5Aclose(a);
  if (f >= 0) H5Fclose(f);
  if (!ok) fprintf(stderr, "malformed_attr: cannot set %s in %s\n", argv[2], argv[1]);
  return ok ? 0 : 1;
}
