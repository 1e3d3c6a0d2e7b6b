/* spr_index_datasets.c: the index file's dataset list (spr_index_datasets.h) as a table, the
 * reads and writes that take a dataset's path and type from it, and the checksums of every
 * dataset a file holds (collective, after the write). */
#include <stdlib.h>

#include "spr_index.h"
#include "spr_index_datasets.h"

const spr_index_dataset spr_index_dataset_table[SPR_DS_COUNT] = {
#define SPR_DS_ROW_(id, path, type, presence, open_hash)                                            \
  [SPR_DS_##id] = {path, SPR_H5_##type, SPR_DS_PRESENCE_##presence, SPR_DS_PRESENCE_##presence != \
                   SPR_DS_PRESENCE_ALWAYS, open_hash},
    SPR_INDEX_DATASETS(SPR_DS_ROW_)
#undef SPR_DS_ROW_
};

int spr_ds_write(spr_h5_writer *w, spr_ds d, uint64_t total, uint64_t offset, uint64_t count, const void *data) {
  return spr_h5_write(w, spr_ds_name(d), spr_index_dataset_table[d].type, total, offset, count, data);
}

int spr_ds_write_fd(spr_h5_writer *w, spr_ds d, uint64_t total, uint64_t offset, uint64_t count, int fd,
                    uint64_t foff) {
  return spr_h5_write_fd(w, spr_ds_name(d), spr_index_dataset_table[d].type, total, offset, count, fd, foff);
}

int spr_ds_read(spr_h5_reader *r, spr_ds d, uint64_t offset, uint64_t count, void *out) {
  return spr_h5_read(r, spr_ds_name(d), spr_index_dataset_table[d].type, offset, count, out);
}

int64_t spr_ds_len(spr_h5_reader *r, spr_ds d) { return spr_h5_len(r, spr_ds_name(d)); }

int spr_ds_exists(spr_h5_reader *r, spr_ds d) { return spr_h5_exists(r, spr_ds_name(d)); }

int spr_ds_hash(spr_h5_reader *r, spr_ds d, uint64_t *hash) {
  return spr_h5_hash(r, spr_ds_name(d), spr_index_dataset_table[d].type, hash);
}

int spr_index_write_checksums(const spr_comm *c, const char *path) {
  const size_t n = SPR_DS_COUNT;
  const spr_index_dataset *ds = spr_index_dataset_table;
  uint64_t h[SPR_DS_COUNT] = {0};
  uint8_t present[SPR_DS_COUNT] = {0};
  spr_h5_reader *r = NULL;
  int rc = spr_h5_reader_open(path, &r);
  for (size_t i = 0; rc == SPR_OK && i < n; i++) {
    const int e = ds[i].optional ? spr_ds_exists(r, (spr_ds)i) : 1;
    if (e < 0) rc = e;
    present[i] = e > 0;
    if (rc == SPR_OK && present[i] && (int)(i % (size_t)c->size) == c->rank) rc = spr_ds_hash(r, (spr_ds)i, &h[i]);
  }
  spr_h5_reader_close(&r);
  rc = spr_mpi_agree(c, rc);
  if (rc == SPR_OK) rc = spr_mpi_sum_u64(c, h, n); /* each entry is non-zero on one rank only */
  if (rc == SPR_OK && c->rank == 0) {
    const char *names[SPR_DS_COUNT], *attrs[SPR_DS_COUNT];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (present[i]) {
        names[m] = ds[i].name;
        attrs[m] = SPR_DS_CHECKSUM_ATTR;
        h[m++] = h[i];
      }
    rc = spr_h5_annotate_u64(path, m, names, attrs, h);
  }
  return spr_mpi_agree(c, rc);
}
