/* h5_read_nompi.c: a file written collectively (here by 4 ranks) is read by a plain process that
 * never initializes MPI (HDF5's default sec2 driver), and every value and attribute matches.
 * Usage: h5_read_nompi FILE.h5 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_testdata.h"
#include "spr_h5.h"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  spr_h5_reader *r = NULL;
  if (spr_h5_reader_open(argv[1], &r) != SPR_OK) {
    fprintf(stderr, "open: %s\n", spr_last_error());
    return 1;
  }
  int fail = 0;
  for (size_t d = 0; d < H5T_NDSETS; d++) {
    const h5t_dset *ds = &h5t_dsets[d];
    const size_t es = h5t_esize(ds->type);
    unsigned char *buf = malloc(ds->total ? ds->total * es : 1), v[8];
    /* Read in uneven pieces, as a rank of a different-size job would. */
    uint64_t pos = 0, piece = 7;
    while (pos < ds->total) {
      const uint64_t n = ds->total - pos < piece ? ds->total - pos : piece;
      if (spr_h5_read(r, ds->name, ds->type, pos, n, buf + pos * es) != SPR_OK) {
        fprintf(stderr, "%s: %s\n", ds->name, spr_last_error());
        fail = 1;
        break;
      }
      pos += n;
      piece = piece * 3 + 1;
    }
    for (uint64_t i = 0; !fail && i < ds->total; i++) {
      h5t_value(d, i, v);
      if (memcmp(v, buf + i * es, es) != 0) {
        fprintf(stderr, "%s[%llu] differs\n", ds->name, (unsigned long long)i);
        fail = 1;
      }
    }
    free(buf);
  }
  uint64_t u = 0;
  char *s = NULL;
  if (spr_h5_get_attr_u64(r, "/", "format_version", &u) != SPR_OK || u != H5T_ROOT_VERSION ||
      spr_h5_get_attr_str(r, "/", "encoder", &s) != SPR_OK || strcmp(s, H5T_ROOT_ENCODER) != 0) {
    fprintf(stderr, "attributes: %s\n", spr_last_error());
    fail = 1;
  }
  free(s);
  spr_h5_reader_close(&r);
  printf("h5_read_nompi %s: %s\n", argv[1], fail ? "FAILED" : "ok");
  return fail;
}
