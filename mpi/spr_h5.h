/* spr_h5.h: the HDF5 backend of spire. Every HDF5 call lives in mpi/spr_h5*.c.
 * A file is a tree of groups holding 1-D datasets of fixed-width little-endian integers or floats,
 * plus scalar attributes. Writers are collective (parallel HDF5 over MPI-IO, zstd-compressed
 * chunks through the HDF5 filter 32015); readers are local (any rank, any rank count). */
#ifndef SPR_H5_H
#define SPR_H5_H
#include <stddef.h>
#include <stdint.h>

#include "spr_coll.h"
#include "spr_status.h"

typedef enum spr_h5_type { SPR_H5_U8, SPR_H5_U32, SPR_H5_U64, SPR_H5_F32, SPR_H5_F64 } spr_h5_type;

typedef struct spr_h5_writer spr_h5_writer;
typedef struct spr_h5_reader spr_h5_reader;

/* Local. Register the zstd filter (id 32015, cd_values[0] = level) with this process's HDF5 and
 * turn off HDF5's automatic error-stack printing. Idempotent. */
SPR_NODISCARD int spr_h5_init(void);

/* Collective on c. Create `path` (truncating) for parallel writing. zstd_level 0 = no compression.
 * Parent groups of datasets are created on demand. */
SPR_NODISCARD int spr_h5_writer_create(const spr_comm *c, const char *path, int zstd_level,
                                       spr_h5_writer **out);
/* Collective. Create dataset `name` ("/postings/docids") of global length `total` and write this
 * rank's `count` elements at global `offset` (count may be 0). Ranks' slices must not overlap and
 * must cover [0,total). Every rank passes the same name, type and total. */
SPR_NODISCARD int spr_h5_write(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                               uint64_t offset, uint64_t count, const void *data);
/* Collective. Scalar attributes on an object ("/" or a dataset/group path). Same values on all ranks. */
SPR_NODISCARD int spr_h5_attr_u64(spr_h5_writer *w, const char *obj, const char *name, uint64_t v);
SPR_NODISCARD int spr_h5_attr_f64(spr_h5_writer *w, const char *obj, const char *name, double v);
SPR_NODISCARD int spr_h5_attr_str(spr_h5_writer *w, const char *obj, const char *name, const char *v);
/* Collective. Close the file. On success and commit != 0 the data is flushed. Frees *w, nulls it. */
SPR_NODISCARD int spr_h5_writer_close(spr_h5_writer **w);

/* Local. Open an existing file read-only (independent I/O; no MPI needed). */
SPR_NODISCARD int spr_h5_reader_open(const char *path, spr_h5_reader **out);
/* Local. Length of dataset `name`, or SPR_ENOTFOUND / SPR_EHDF5. */
SPR_NODISCARD int64_t spr_h5_len(spr_h5_reader *r, const char *name);
/* Local. Read count elements from offset into out (converted to `type`). Bounds are checked:
 * a range past the end is SPR_ECORRUPT naming the dataset. */
SPR_NODISCARD int spr_h5_read(spr_h5_reader *r, const char *name, spr_h5_type type, uint64_t offset,
                              uint64_t count, void *out);
SPR_NODISCARD int spr_h5_get_attr_u64(spr_h5_reader *r, const char *obj, const char *name, uint64_t *v);
SPR_NODISCARD int spr_h5_get_attr_f64(spr_h5_reader *r, const char *obj, const char *name, double *v);
/* *v is malloc'ed (caller frees). */
SPR_NODISCARD int spr_h5_get_attr_str(spr_h5_reader *r, const char *obj, const char *name, char **v);
/* Local. Frees *r (NULL ok), nulls it. */
void spr_h5_reader_close(spr_h5_reader **r);
#endif /* SPR_H5_H */
