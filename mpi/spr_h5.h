/* spr_h5.h: the HDF5 backend of spire. Every HDF5 call lives in mpi/spr_h5*.c.
 * A file is a tree of groups holding 1-D datasets of fixed-width little-endian integers or floats,
 * plus scalar attributes. Writers are collective (parallel HDF5 over MPI-IO, zstd-compressed
 * chunks through the HDF5 filter 32015); readers are local (any rank, any rank count).
 * Layout choices (docs/hdf5.md): datasets are chunked in SPR_H5_CHUNK_ELEMS elements (fewer for
 * tiny datasets; a zero-length dataset is contiguous and empty), so a file's content does not
 * depend on the rank count that wrote it. String attributes are fixed-length, NUL-terminated UTF-8.
 * Thread-safety: Debian's HDF5 is not built thread-safe; use a writer or reader (and spr_h5_* in
 * general) from one thread at a time. */
#ifndef SPR_H5_H
#define SPR_H5_H
#include <stddef.h>
#include <stdint.h>

#include "spr_coll.h"
#include "spr_status.h"

typedef enum spr_h5_type { SPR_H5_U8, SPR_H5_U32, SPR_H5_U64, SPR_H5_F32, SPR_H5_F64 } spr_h5_type;

#define SPR_H5_CHUNK_ELEMS 65536u /* elements per chunk (datasets shorter than this: one chunk) */
#define SPR_H5_ZSTD_FILTER 32015  /* HDF5 filter id of zstd; cd_values[0] = level */

typedef struct spr_h5_writer spr_h5_writer;
typedef struct spr_h5_reader spr_h5_reader;

/* Local. Register the zstd filter (id 32015, cd_values[0] = level) with this process's HDF5 and
 * turn off HDF5's automatic error-stack printing. Idempotent. */
SPR_NODISCARD int spr_h5_init(void);

/* Collective on c. Create `path` (truncating) for parallel writing. zstd_level 0 = no compression
 * (1..22 otherwise). Parent groups of datasets are created on demand. c is borrowed: it must
 * outlive the writer. Calls spr_h5_init(). */
SPR_NODISCARD int spr_h5_writer_create(const spr_comm *c, const char *path, int zstd_level,
                                       spr_h5_writer **out);
/* Collective. Create dataset `name` ("/group/name") of global length `total` and write this
 * rank's `count` elements at global `offset` (count may be 0). Ranks' slices must not overlap and
 * must cover [0,total). Every rank passes the same name, type and total (all three are checked
 * across ranks: SPR_EINVAL on every rank otherwise). data holds `count` elements in host order
 * (spire requires a little-endian host). Uses collective MPI-IO (H5FD_MPIO_COLLECTIVE) with memory
 * type == file type, in rounds over global ranges of whole chunks of at most 1 GiB, so no rank moves
 * more than 1 GiB per H5Dwrite (no MPI count overflow) and no chunk is written twice. */
SPR_NODISCARD int spr_h5_write(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                               uint64_t offset, uint64_t count, const void *data);
/* Collective. As spr_h5_write, but this rank's count elements are read from file descriptor fd at
 * byte offset foff (pread, one round at a time): the slice never needs to be in memory at once,
 * only one round's part of it (spr_h5_writer_set_round_bytes bounds it). */
SPR_NODISCARD int spr_h5_write_fd(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                                  uint64_t offset, uint64_t count, int fd, uint64_t foff);
/* Collective. Scalar attributes on an object ("/" or a dataset/group path; a missing object is
 * created as a group). Same values on all ranks (checked: SPR_EINVAL otherwise). An existing
 * attribute of that name is replaced. Strings are stored fixed-length, NUL-terminated, UTF-8. */
SPR_NODISCARD int spr_h5_attr_u64(spr_h5_writer *w, const char *obj, const char *name, uint64_t v);
SPR_NODISCARD int spr_h5_attr_f64(spr_h5_writer *w, const char *obj, const char *name, double v);
SPR_NODISCARD int spr_h5_attr_str(spr_h5_writer *w, const char *obj, const char *name, const char *v);
/* Collective. Flush and close the file. Frees *w (NULL ok), nulls it. */
SPR_NODISCARD int spr_h5_writer_close(spr_h5_writer **w);
/* Local. Seconds this rank spent in spr_h5_write so far (HDF5, the zstd filter and MPI-IO). */
double spr_h5_writer_io_seconds(const spr_h5_writer *w);
/* Collective. Close the file and delete it (after a failure: no partial output is left behind).
 * Frees *w (NULL ok), nulls it. Returns the first failure, but always frees and tries to unlink. */
SPR_NODISCARD int spr_h5_writer_discard(spr_h5_writer **w);
/* Local. Did this rank's part of the last spr_h5_write stay collective (H5Pget_mpio_actual_io_mode
 * reported collective I/O for every H5Dwrite of it)? 1 yes, 0 no, SPR_EINVAL before any write.
 * A zero-length dataset (no H5Dwrite) counts as collective. */
SPR_NODISCARD int spr_h5_last_io_collective(const spr_h5_writer *w);
/* Local. Why the last write was not collective ("" if it was): names from
 * H5Pget_mpio_no_collective_cause. Static string, valid until the next write. */
const char *spr_h5_last_io_cause(const spr_h5_writer *w);
/* Local; every rank must pass the same value (the bounded-memory build and tests use it). Bytes of the global range written per
 * H5Dwrite round (default and maximum 1 GiB; rounded down to whole chunks, at least one chunk). */
void spr_h5_writer_set_round_bytes(spr_h5_writer *w, uint64_t bytes);

/* Local. Open an existing file read-only with HDF5's default (sec2) driver: no MPI needed, any
 * number of ranks may open the same file. SPR_ENOTFOUND if path does not exist, SPR_EHDF5 if it is
 * not an HDF5 file. Calls spr_h5_init(). */
SPR_NODISCARD int spr_h5_reader_open(const char *path, spr_h5_reader **out);
/* Local. 1 if an object (dataset or group) `name` exists, 0 if not, or SPR_EHDF5. */
SPR_NODISCARD int spr_h5_exists(spr_h5_reader *r, const char *name);
/* Local. Length of dataset `name`, or SPR_ENOTFOUND / SPR_EHDF5 (SPR_ECORRUPT if not 1-D). */
SPR_NODISCARD int64_t spr_h5_len(spr_h5_reader *r, const char *name);
/* Local. Read count elements from offset into out (converted to `type` by HDF5; out-of-range
 * integer values saturate). Bounds are checked: a range past the end is SPR_ECORRUPT naming the
 * dataset; a missing dataset is SPR_ENOTFOUND naming it; a chunk that fails to decompress (corrupt
 * file) is SPR_EHDF5 naming it. Opened datasets and their decoded chunks are cached in r. */
SPR_NODISCARD int spr_h5_read(spr_h5_reader *r, const char *name, spr_h5_type type, uint64_t offset,
                              uint64_t count, void *out);
/* Local. Scalar attribute `name` of object `obj`; SPR_ENOTFOUND naming obj and name if either is
 * missing, SPR_ECORRUPT if the attribute is not a scalar of a compatible class. */
SPR_NODISCARD int spr_h5_get_attr_u64(spr_h5_reader *r, const char *obj, const char *name, uint64_t *v);
SPR_NODISCARD int spr_h5_get_attr_f64(spr_h5_reader *r, const char *obj, const char *name, double *v);
/* *v is malloc'ed (caller frees). Fixed-length and variable-length strings are both accepted. */
SPR_NODISCARD int spr_h5_get_attr_str(spr_h5_reader *r, const char *obj, const char *name, char **v);
/* Local. Where chunk `index` (0-based, in file order of the chunk index) of dataset `name` is stored:
 * byte offset in the file and stored (compressed) size. *nchunks (may be NULL) gets the number of
 * allocated chunks; SPR_ENOTFOUND if index >= that number. For `spire inspect` and tests. */
SPR_NODISCARD int spr_h5_chunk_info(spr_h5_reader *r, const char *name, uint64_t index,
                                    uint64_t *file_offset, uint64_t *stored_bytes, uint64_t *nchunks);
/* Local. Open a closed file read-write without MPI and set a u64 attribute on each of n objects
 * (obj[i], name[i]) = v[i], replacing existing ones. For annotations computed after a collective
 * write (checksums). Not collective: one rank calls it while no one else has the file open. */
SPR_NODISCARD int spr_h5_annotate_u64(const char *path, size_t n, const char *const *obj,
                                      const char *const *name, const uint64_t *v);
/* Local. XXH3-64 of a dataset's elements as little-endian bytes of their stored type (read in
 * chunks). type must be the dataset's own element type. */
SPR_NODISCARD int spr_h5_hash(spr_h5_reader *r, const char *name, spr_h5_type type, uint64_t *hash);
/* Local. Frees *r (NULL ok), nulls it. */
void spr_h5_reader_close(spr_h5_reader **r);

/* Local. Run the zstd filter's decoder on untrusted bytes, as HDF5 would on a stored chunk
 * (fuzzing and test entry). expected_bytes = the chunk size to enforce, or 0 for none. Returns the
 * decoded size, or SPR_ECORRUPT. Never reads outside src[0, n). */
SPR_NODISCARD int64_t spr_h5_zstd_check(const void *src, size_t n, uint64_t expected_bytes);
#endif /* SPR_H5_H */
