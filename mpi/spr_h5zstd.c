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
#include <string.h>
#include <zstd.h>
#ifndef SPR_H5ZSTD_PLUGIN
#include <xxhash.h>
#endif

/* Level 1, the default, is zstd's level 1 with a 1,024-entry hash table and 7-byte minimum
 * matches: on an index's 64 KiB chunks the table stays in the first-level cache and the short
 * matches zstd would chase in the low-entropy u8 datasets are left to the entropy coder. That
 * compresses 26% faster for 0.9% more bytes (docs/hdf5.md, "Compression"). Other levels are
 * zstd's own. Only the parameters of the stable API: any zstd decodes the frames. */
static int spr_h5zstd_params(ZSTD_CCtx *cctx, int level) {
  int ok = cctx && !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1));
  if (ok && level == 1)
    ok = !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, 10)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, 7));
  return ok;
}

/* One frame of src in a new malloc'ed buffer (*cap bytes); its length, or 0 on failure. */
static size_t spr_h5zstd_frame(ZSTD_CCtx *cctx, int level, const void *src, size_t n, void **out, size_t *cap) {
  *cap = ZSTD_compressBound(n);
  *out = malloc(*cap ? *cap : 1);
  size_t len = 0;
  if (*out && spr_h5zstd_params(cctx, level)) {
    len = ZSTD_compress2(cctx, *out, *cap, src, n);
    if (ZSTD_isError(len)) len = 0;
  }
  if (len == 0) {
    free(*out);
    *out = NULL;
  }
  return len;
}

static size_t spr_h5zstd_compress(int level, size_t nbytes, size_t *buf_size, void **buf) {
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  void *out = NULL;
  size_t cap = 0;
  const size_t n = cctx ? spr_h5zstd_frame(cctx, level, *buf, nbytes, &out, &cap) : 0;
  ZSTD_freeCCtx(cctx);
  if (n == 0) return 0;
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

#ifndef SPR_H5ZSTD_PLUGIN
static spr_h5zstd_pre *spr_pre_table;
static size_t spr_pre_n;
static unsigned long long spr_pre_taken, spr_pre_compressed;

void spr_h5zstd_pre_stats(unsigned long long *taken, unsigned long long *compressed) {
  *taken = spr_pre_taken;
  *compressed = spr_pre_compressed;
}

static void *spr_pre_scratch; /* the filter's unshuffled copy of a chunk, for the comparison */
static size_t spr_pre_scratch_len;

void spr_h5zstd_pre_install(spr_h5zstd_pre *table, size_t n) {
  spr_pre_table = n ? table : NULL;
  spr_pre_n = n;
  if (!n) {
    free(spr_pre_scratch);
    spr_pre_scratch = NULL;
    spr_pre_scratch_len = 0;
  }
}

void spr_h5zstd_shuffle(const void *src, void *dst, size_t n, size_t esz) {
  const unsigned char *s = src;
  unsigned char *d = dst;
  if (esz == 4) { /* the common case, spelled out so that the compiler keeps the bytes in registers */
    for (size_t i = 0; i < n; i++) {
      d[i] = s[4 * i];
      d[n + i] = s[4 * i + 1];
      d[2 * n + i] = s[4 * i + 2];
      d[3 * n + i] = s[4 * i + 3];
    }
    return;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < esz; j++) d[j * n + i] = s[i * esz + j];
}

void spr_h5zstd_unshuffle(const void *src, void *dst, size_t n, size_t esz) {
  const unsigned char *s = src;
  unsigned char *d = dst;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < esz; j++) d[i * esz + j] = s[j * n + i];
}

int spr_h5zstd_pre_compress(void *cctx, int level, spr_h5zstd_pre *e, void *scratch) {
  const void *src = e->raw;
  if (e->esz > 1) {
    spr_h5zstd_shuffle(e->raw, scratch, e->raw_len / e->esz, e->esz);
    src = scratch;
  }
  e->hash = XXH3_64bits(src, e->raw_len);
  e->frame_len = spr_h5zstd_frame(cctx, level, src, e->raw_len, &e->frame, &e->frame_cap);
  return e->frame_len ? 0 : -1;
}

/* The stored frame of these bytes, taken out of the table, or NULL. */
static spr_h5zstd_pre *spr_pre_find(const void *buf, size_t nbytes) {
  if (!spr_pre_table) return NULL;
  const uint64_t h = XXH3_64bits(buf, nbytes);
  size_t lo = 0, hi = spr_pre_n;
  while (lo < hi) { /* first entry with hash >= h */
    const size_t mid = lo + (hi - lo) / 2;
    if (spr_pre_table[mid].hash < h) lo = mid + 1;
    else hi = mid;
  }
  const void *plain = NULL; /* buf as the caller wrote it: unshuffled once, when needed */
  for (size_t i = lo; i < spr_pre_n && spr_pre_table[i].hash == h; i++) {
    spr_h5zstd_pre *e = &spr_pre_table[i];
    if (!e->frame || e->raw_len != nbytes) continue;
    if (e->esz <= 1) {
      if (!memcmp(e->raw, buf, nbytes)) return e;
      continue;
    }
    if (!plain) {
      if (spr_pre_scratch_len < nbytes) {
        void *p = realloc(spr_pre_scratch, nbytes);
        if (!p) return NULL; /* the filter compresses this chunk itself */
        spr_pre_scratch = p;
        spr_pre_scratch_len = nbytes;
      }
      spr_h5zstd_unshuffle(buf, spr_pre_scratch, nbytes / e->esz, e->esz);
      plain = spr_pre_scratch;
    }
    if (!memcmp(e->raw, plain, nbytes)) return e;
  }
  return NULL;
}
#endif

static int spr_h5zstd_level(size_t cd_nelmts, const unsigned int cd_values[]) {
  int level = cd_nelmts > 0 ? (int)cd_values[0] : 0;
  if (level <= 0) level = ZSTD_CLEVEL_DEFAULT;
  if (level > ZSTD_maxCLevel()) level = ZSTD_maxCLevel();
  return level;
}

size_t spr_h5zstd_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                         size_t nbytes, size_t *buf_size, void **buf) {
  if (!buf || !buf_size) return 0;
  if (flags & H5Z_FLAG_REVERSE) return spr_h5zstd_decompress(cd_nelmts, cd_values, nbytes, buf_size, buf);
#ifndef SPR_H5ZSTD_PLUGIN
  spr_h5zstd_pre *e = *buf ? spr_pre_find(*buf, nbytes) : NULL;
  if (e) { /* HDF5 takes the frame's buffer; the table forgets it */
    free(*buf);
    *buf = e->frame;
    *buf_size = e->frame_cap;
    e->frame = NULL;
    spr_pre_taken++;
    return e->frame_len;
  }
  spr_pre_compressed++;
#endif
  return spr_h5zstd_compress(spr_h5zstd_level(cd_nelmts, cd_values), nbytes, buf_size, buf);
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
