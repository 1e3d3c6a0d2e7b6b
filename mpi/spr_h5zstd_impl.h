/* spr_h5zstd_impl.h: the zstd HDF5 filter (id 32015) shared by spr_mpi and the HDF5 dynamic plugin.
 * Private to mpi/: the public entry points are spr_h5_init() and spr_h5_zstd_check() in spr_h5.h.
 *
 * Parameters (cd_values), compatible with the community HDF5 zstd plugin (HDFGroup/hdf5_plugins,
 * aparamon/HDF5Plugin-Zstandard), which reads only cd_values[0] and ignores the rest:
 *   [0] compression level (1..22; 0 or absent means the zstd default, 3)
 *   [1] optional, written by spire's set_local callback: the chunk's uncompressed size in bytes.
 *       When present, decompression fails unless a frame decodes to exactly that many bytes. */
#ifndef SPR_H5ZSTD_IMPL_H
#define SPR_H5ZSTD_IMPL_H
#include <hdf5.h>
#include <stddef.h>

#define SPR_H5ZSTD_ID 32015
/* The largest chunk HDF5 allows is 4 GiB - 1; a frame claiming more is corrupt. */
#define SPR_H5ZSTD_MAX_CHUNK 0xFFFFFFFFull

/* The filter class; register it with H5Zregister (spr_h5_init) or hand it out from the plugin.
 * Outside the plugin build it has a set_local callback that records cd_values[1]. */
extern const H5Z_class2_t spr_h5zstd_class;

/* The filter function itself (H5Z_func_t). Forward (flags without H5Z_FLAG_REVERSE): compress
 * nbytes of *buf. Reverse: decompress and validate untrusted bytes. On success *buf is replaced by
 * a malloc'ed buffer of *buf_size bytes and the number of valid bytes is returned; on any failure
 * returns 0 and leaves *buf untouched (HDF5 then reports "filter returned failure").
 * Reentrant: no state outside the call. */
size_t spr_h5zstd_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                         size_t nbytes, size_t *buf_size, void **buf);

#ifndef SPR_H5ZSTD_PLUGIN
#include <stdint.h>
/* Chunks compressed ahead of the write, in parallel (spr_h5.c): while a table is installed, the
 * filter's forward direction looks the chunk up by its bytes (XXH3-64, then a full comparison) and
 * hands HDF5 the stored frame instead of compressing again. A frame equals what the filter would
 * produce (same level and frame parameters), so the file does not depend on it. */
typedef struct spr_h5zstd_pre {
  uint64_t hash;    /* XXH3-64 of the bytes the filter will see (after the shuffle, if any) */
  const void *raw;  /* borrowed: the chunk's bytes in the caller's buffer, as written (unshuffled) */
  size_t raw_len;
  size_t esz;       /* > 1: the dataset has HDF5's shuffle filter before zstd, for esz-byte elements */
  void *frame;      /* owned (malloc) until the filter takes it; NULL once taken or on failure */
  size_t frame_len, frame_cap;
} spr_h5zstd_pre;
/* Install (or with n = 0, remove) a table sorted by hash. Not thread-safe: the filter runs on the
 * thread that calls H5Dwrite. */
void spr_h5zstd_pre_install(spr_h5zstd_pre *table, size_t n);
/* Compress e->raw (shuffled first when e->esz > 1, into scratch of raw_len bytes) into a new frame
 * exactly as the shuffle and zstd filters do, reusing cctx (one per thread). */
int spr_h5zstd_pre_compress(void *cctx, int level, spr_h5zstd_pre *e, void *scratch);
/* HDF5's shuffle filter on n elements of esz bytes: byte j of element i goes to dst[j * n + i]
 * (and back). Whole elements only, which is all a chunk of spire's datasets holds. */
void spr_h5zstd_shuffle(const void *src, void *dst, size_t n, size_t esz);
void spr_h5zstd_unshuffle(const void *src, void *dst, size_t n, size_t esz);
/* Chunks this process compressed in the filter: *taken from a table, *compressed there. */
void spr_h5zstd_pre_stats(unsigned long long *taken, unsigned long long *compressed);
#endif
#endif /* SPR_H5ZSTD_IMPL_H */
