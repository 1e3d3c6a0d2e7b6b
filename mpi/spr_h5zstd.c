/* spr_h5zstd.c: the zstd HDF5 filter, id 32015. One source for two builds: linked into spr_mpi
 * (registered by spr_h5_init) and compiled into the dynamic plugin (SPR_H5ZSTD_PLUGIN defined)
 * that h5dump/h5diff load through HDF5_PLUGIN_PATH.
 *
 * Why the code looks the way it does:
 * - The filter body calls no HDF5 function, so the plugin needs no HDF5 library at link time and
 *   works inside serial tools (h5dump links libhdf5_serial) and parallel programs alike. Buffers
 *   are plain malloc/free, which is what HDF5 1.10's H5MM uses in release builds and what the
 *   community plugins do.
 * - Frames carry zstd's content checksum, so a flipped byte in a stored chunk is detected by zstd
 *   instead of producing silently wrong postings. The decoder never trusts the frame header: the
 *   claimed size is bounded (by cd_values[1] when present, else by HDF5's 4 GiB chunk limit)
 *   before anything is allocated, and the decoded size must equal the claim.
 * - set_local (library build only) stores the chunk's byte size as cd_values[1]; it needs HDF5
 *   calls, and the plugin is only ever used to read, so the plugin leaves it out. */
#include "spr_h5zstd_impl.h"

#include <stdlib.h>
#include <zstd.h>

static size_t spr_h5zstd_compress(int level, size_t nbytes, size_t *buf_size, void **buf) {
  const size_t cap = ZSTD_compressBound(nbytes);
  void *out = malloc(cap ? cap : 1);
  if (!out) return 0;
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  size_t n = 0;
  if (cctx && !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) &&
      !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) &&
      !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1))) {
    n = ZSTD_compress2(cctx, out, cap, *buf, nbytes);
    if (ZSTD_isError(n)) n = 0;
  }
  ZSTD_freeCCtx(cctx);
  if (n == 0) {
    free(out);
    return 0;
  }
  free(*buf);
  *buf = out;
  *buf_size = cap;
  return n;
}

static size_t spr_h5zstd_decompress(size_t cd_nelmts, const unsigned int cd_values[], size_t nbytes,
                                    size_t *buf_size, void **buf) {
  if (nbytes == 0 || *buf == NULL) return 0;
  /* Sum of the content sizes of every frame (a chunk is normally one frame); fail if any frame is
   * malformed, truncated or lacks a size. Only stable zstd API: no static-linking-only calls. */
  unsigned long long claim = 0;
  for (size_t pos = 0; pos < nbytes;) {
    const char *f = (const char *)*buf + pos;
    const size_t flen = ZSTD_findFrameCompressedSize(f, nbytes - pos);
    if (ZSTD_isError(flen) || flen == 0 || flen > nbytes - pos) return 0;
    const unsigned long long c = ZSTD_getFrameContentSize(f, nbytes - pos);
    if (c == ZSTD_CONTENTSIZE_ERROR || c == ZSTD_CONTENTSIZE_UNKNOWN) return 0;
    if (c > SPR_H5ZSTD_MAX_CHUNK - claim) return 0;
    claim += c;
    pos += flen;
  }
  if (claim == 0) return 0;
  if (cd_nelmts >= 2 && claim != (unsigned long long)cd_values[1]) return 0;
  void *out = malloc((size_t)claim);
  if (!out) return 0;
  const size_t n = ZSTD_decompress(out, (size_t)claim, *buf, nbytes);
  if (ZSTD_isError(n) || n != (size_t)claim) {
    free(out);
    return 0;
  }
  free(*buf);
  *buf = out;
  *buf_size = (size_t)claim;
  return n;
}

size_t spr_h5zstd_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                         size_t nbytes, size_t *buf_size, void **buf) {
  if (!buf || !buf_size) return 0;
  if (flags & H5Z_FLAG_REVERSE) return spr_h5zstd_decompress(cd_nelmts, cd_values, nbytes, buf_size, buf);
  int level = cd_nelmts > 0 ? (int)cd_values[0] : 0;
  if (level <= 0) level = ZSTD_CLEVEL_DEFAULT;
  if (level > ZSTD_maxCLevel()) level = ZSTD_maxCLevel();
  return spr_h5zstd_compress(level, nbytes, buf_size, buf);
}

#ifndef SPR_H5ZSTD_PLUGIN
/* Record the chunk size in bytes as cd_values[1] (keeps cd_values[0], the level). */
static herr_t spr_h5zstd_set_local(hid_t dcpl, hid_t type, hid_t space) {
  (void)space;
  unsigned int flags = 0, cd[8] = {0};
  size_t n = 8;
  hsize_t dims[H5S_MAX_RANK];
  if (H5Pget_filter_by_id2(dcpl, SPR_H5ZSTD_ID, &flags, &n, cd, 0, NULL, NULL) < 0) return -1;
  const int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
  const size_t esz = H5Tget_size(type);
  if (rank <= 0 || esz == 0) return -1;
  unsigned long long bytes = esz;
  for (int i = 0; i < rank; i++) {
    bytes *= dims[i];
    if (bytes > SPR_H5ZSTD_MAX_CHUNK) return -1;
  }
  const unsigned int vals[2] = {n > 0 ? cd[0] : 0u, (unsigned int)bytes};
  return H5Pmodify_filter(dcpl, SPR_H5ZSTD_ID, flags, 2, vals);
}
#define SPR_H5ZSTD_SET_LOCAL spr_h5zstd_set_local
#else
#define SPR_H5ZSTD_SET_LOCAL NULL
#endif

const H5Z_class2_t spr_h5zstd_class = {
    .version = H5Z_CLASS_T_VERS,
    .id = SPR_H5ZSTD_ID,
    .encoder_present = 1,
    .decoder_present = 1,
    .name = "zstd (spire; compatible with the HDF5 zstd plugin 32015)",
    .can_apply = NULL,
    .set_local = SPR_H5ZSTD_SET_LOCAL,
    .filter = spr_h5zstd_filter,
};
