/* spr_h5.c: the HDF5 backend. Every HDF5 property list of spire is set up here (IOR's rule: one
 * backend file owns the I/O tuning), and every HDF5 failure becomes SPR_EHDF5 with the object path
 * and HDF5's innermost error description. Functions close their hid_t's through one cleanup label.
 *
 * Why it is built this way:
 * - Parallel HDF5 1.10.8 writes filtered datasets only collectively, and only without type
 *   conversion: every rank calls H5Dwrite (an empty selection when it has nothing) with the file
 *   type as memory type, so the host must be little-endian (checked at compile time).
 * - Chunks have a fixed number of elements (SPR_H5_CHUNK_ELEMS, or the whole dataset if smaller),
 *   and zstd output depends only on the chunk's bytes and level, so the file's content does not
 *   depend on how many ranks wrote it. Object timestamps are off for the same reason.
 * - Before each collective HDF5 call, local failures are agreed on (spr_mpi_agree), so no rank
 *   waits in H5Dwrite for a peer that already gave up. */
#include "spr_h5.h"

#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <xxhash.h>

#include "spr_h5zstd_impl.h"
#include <zstd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "spr_h5 writes little-endian files without type conversion (parallel filtered writes forbid it)"
#endif
_Static_assert(SPR_H5_ZSTD_FILTER == SPR_H5ZSTD_ID, "one filter id");

#define SPR_H5_ROUND_MAX (1ull << 30) /* bytes per rank per H5Dwrite: far from MPI's int limit */
#define SPR_H5_CACHE 16               /* datasets kept open by a reader */
#define SPR_H5_SPACE_MARGIN (8ull << 20) /* free space kept for HDF5's metadata at every write */

struct spr_h5_writer {
  spr_comm comm;       /* borrowed: the MPI_Comm handle belongs to the caller */
  hid_t file;          /* owned */
  hid_t dxpl;          /* owned: collective MPI-IO transfer */
  int level;           /* zstd level, 0 = uncompressed */
  uint64_t round_bytes;
  int last_collective; /* -1 before the first write */
  uint32_t last_cause; /* H5D_MPIO_* no-collective cause bits of the last write */
  char *path;          /* owned */
  double io_seconds;   /* time spent in spr_h5_write (all its HDF5 calls, compression included) */
};

typedef struct spr_h5_open_dset {
  char *name;    /* owned */
  hid_t dset;    /* owned */
  uint64_t len;
  uint64_t used; /* LRU clock */
} spr_h5_open_dset;

struct spr_h5_reader {
  hid_t file; /* owned */
  char *path; /* owned */
  spr_h5_open_dset cache[SPR_H5_CACHE];
  uint64_t clock;
};

/* ---------------------------------------------------------------------------------------------- */
/* Errors and cleanup                                                                              */

static herr_t spr_h5_walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
  char *out = data;
  if (n == 0 && e) { /* walking upward, entry 0 is the innermost: where HDF5 found the problem */
    char minor[128] = "";
    if (H5Eget_msg(e->min_num, NULL, minor, sizeof minor) < 0) minor[0] = '\0';
    snprintf(out, 384, "%s%s%s", e->desc ? e->desc : "", minor[0] ? " / " : "", minor);
  }
  return 0;
}

static int spr_h5_fail_at(const char *what, const char *obj, const char *file, int line,
                          const char *func) {
  char detail[384] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, spr_h5_walk_cb, detail);
  H5Eclear2(H5E_DEFAULT);
  return spr_fail_at(SPR_EHDF5, file, line, func, "HDF5 %s failed on %s%s%s", what, obj,
                     detail[0] ? ": " : "", detail);
}
#define SPR_H5_FAIL(what, obj) spr_h5_fail_at((what), (obj), __FILE__, __LINE__, __func__)
/* Evaluate an HDF5 call returning herr_t/hid_t/htri_t; negative -> SPR_EHDF5, goto cleanup. */
#define SPR_H5_CHECK(rcvar, call, what, obj) \
  do {                                       \
    if ((call) < 0) {                        \
      (rcvar) = SPR_H5_FAIL((what), (obj));  \
      goto cleanup;                          \
    }                                        \
  } while (0)

/* Close any identifier (ignoring H5I_INVALID_HID) and invalidate it. Errors here are not
 * actionable (the object is gone either way), so they are cleared, except for files: see
 * spr_h5_writer_close. */
static void spr_h5_close(hid_t *id) {
  if (*id < 0) return;
  switch (H5Iget_type(*id)) {
    case H5I_FILE: H5Fclose(*id); break;
    case H5I_GROUP: H5Gclose(*id); break;
    case H5I_DATASET: H5Dclose(*id); break;
    case H5I_DATASPACE: H5Sclose(*id); break;
    case H5I_DATATYPE: H5Tclose(*id); break;
    case H5I_ATTR: H5Aclose(*id); break;
    case H5I_GENPROP_LST: H5Pclose(*id); break;
    default: break;
  }
  H5Eclear2(H5E_DEFAULT);
  *id = H5I_INVALID_HID;
}

/* ---------------------------------------------------------------------------------------------- */
/* Types, names                                                                                    */

static hid_t spr_h5_file_type(spr_h5_type t) {
  switch (t) {
    case SPR_H5_U8: return H5T_STD_U8LE;
    case SPR_H5_U32: return H5T_STD_U32LE;
    case SPR_H5_U64: return H5T_STD_U64LE;
    case SPR_H5_F32: return H5T_IEEE_F32LE;
    case SPR_H5_F64: return H5T_IEEE_F64LE;
  }
  return H5I_INVALID_HID;
}

static hid_t spr_h5_mem_type(spr_h5_type t) {
  switch (t) {
    case SPR_H5_U8: return H5T_NATIVE_UINT8;
    case SPR_H5_U32: return H5T_NATIVE_UINT32;
    case SPR_H5_U64: return H5T_NATIVE_UINT64;
    case SPR_H5_F32: return H5T_NATIVE_FLOAT;
    case SPR_H5_F64: return H5T_NATIVE_DOUBLE;
  }
  return H5I_INVALID_HID;
}

static size_t spr_h5_type_size(spr_h5_type t) {
  switch (t) {
    case SPR_H5_U8: return 1;
    case SPR_H5_U32:
    case SPR_H5_F32: return 4;
    case SPR_H5_U64:
    case SPR_H5_F64: return 8;
  }
  return 0;
}

static int spr_h5_type_ok(spr_h5_type t) { return t >= SPR_H5_U8 && t <= SPR_H5_F64; }

/* An absolute path: "/" or "/a/b" with non-empty components, no trailing '/', no "." parts. */
static int spr_h5_check_path(const char *p, int allow_root) {
  if (!p || p[0] != '/') return SPR_FAIL(SPR_EINVAL, "HDF5 path \"%s\" must be absolute", p ? p : "(null)");
  const size_t n = strlen(p);
  if (n == 1) return allow_root ? SPR_OK : SPR_FAIL(SPR_EINVAL, "HDF5 path \"/\" names no dataset");
  if (n > 1024) return SPR_FAIL(SPR_EINVAL, "HDF5 path \"%.40s...\" too long", p);
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '/' && (p[i + 1] == '/' || p[i + 1] == '\0'))
      return SPR_FAIL(SPR_EINVAL, "HDF5 path \"%s\" has an empty component", p);
    if (p[i] == '/' && p[i + 1] == '.' && (p[i + 2] == '/' || p[i + 2] == '\0' || p[i + 2] == '.'))
      return SPR_FAIL(SPR_EINVAL, "HDF5 path \"%s\" has a relative component", p);
  }
  return SPR_OK;
}

/* 1 if every link along path exists (H5Lexists fails on a missing intermediate group, so walk),
 * 0 if not, or SPR_EHDF5. */
static int spr_h5_path_exists(hid_t loc, const char *path) {
  if (strcmp(path, "/") == 0) return 1;
  const size_t n = strlen(path);
  char *buf = malloc(n + 1);
  if (!buf) return SPR_FAIL(SPR_ENOMEM, "path %s: out of memory", path);
  memcpy(buf, path, n + 1);
  int rc = 1;
  for (size_t i = 1; i <= n && rc == 1; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    const char save = buf[i];
    buf[i] = '\0';
    const htri_t e = H5Lexists(loc, buf, H5P_DEFAULT);
    if (e < 0)
      rc = SPR_H5_FAIL("H5Lexists", buf);
    else if (e == 0)
      rc = 0;
    else if (save != '\0') { /* an intermediate link must lead to a group to walk further */
      H5O_info_t info;
      if (H5Oget_info_by_name2(loc, buf, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        rc = SPR_H5_FAIL("H5Oget_info_by_name", buf);
      else if (info.type != H5O_TYPE_GROUP)
        rc = 0;
    }
    buf[i] = save;
  }
  free(buf);
  return rc;
}

/* Collective on the writer. Create the groups along path (all of it when include_last, else its
 * parents), without timestamps so files are reproducible. */
static int spr_h5_make_groups(spr_h5_writer *w, const char *path, int include_last) {
  const size_t n = strlen(path);
  char *buf = malloc(n + 1);
  if (!buf) return SPR_FAIL(SPR_ENOMEM, "path %s: out of memory", path);
  memcpy(buf, path, n + 1);
  int rc = SPR_OK;
  hid_t gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID;
  SPR_H5_CHECK(rc, gcpl = H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate(group)", path);
  SPR_H5_CHECK(rc, H5Pset_obj_track_times(gcpl, 0), "H5Pset_obj_track_times", path);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && !(buf[i] == '\0' && include_last)) continue;
    const char save = buf[i];
    buf[i] = '\0';
    const int e = spr_h5_path_exists(w->file, buf);
    if (e < 0) {
      rc = e;
      goto cleanup;
    }
    if (e == 0) {
      SPR_H5_CHECK(rc, g = H5Gcreate2(w->file, buf, H5P_DEFAULT, gcpl, H5P_DEFAULT), "H5Gcreate", buf);
      spr_h5_close(&g);
    }
    buf[i] = save;
  }
cleanup:
  spr_h5_close(&g);
  spr_h5_close(&gcpl);
  free(buf);
  return rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* Init                                                                                            */

int spr_h5_init(void) {
  static int done = 0;
  if (H5open() < 0) return SPR_FAIL(SPR_EHDF5, "HDF5 H5open failed");
  /* Errors are reported through spr_last_error(), never printed by HDF5 itself. */
  if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0) return SPR_FAIL(SPR_EHDF5, "HDF5 H5Eset_auto failed");
  if (done) return SPR_OK;
  /* Registering (rather than relying on a plugin) makes spire independent of HDF5_PLUGIN_PATH and
   * takes precedence over any other 32015 plugin found there. */
  if (H5Zregister(&spr_h5zstd_class) < 0) return SPR_H5_FAIL("H5Zregister", "zstd filter 32015");
  done = 1;
  return SPR_OK;
}

int64_t spr_h5_zstd_check(const void *src, size_t n, uint64_t expected_bytes) {
  if (!src && n) return SPR_FAIL(SPR_EINVAL, "zstd check: NULL input");
  if (expected_bytes > SPR_H5ZSTD_MAX_CHUNK)
    return SPR_FAIL(SPR_EINVAL, "zstd check: expected size %llu exceeds a chunk",
                    (unsigned long long)expected_bytes);
  /* The filter takes ownership of *buf on success, like HDF5's pipeline. */
  void *buf = malloc(n ? n : 1);
  if (!buf) return SPR_FAIL(SPR_ENOMEM, "zstd check: out of memory");
  if (n) memcpy(buf, src, n);
  size_t buf_size = n;
  const unsigned int cd[2] = {0u, (unsigned int)expected_bytes};
  const size_t got = spr_h5zstd_filter(H5Z_FLAG_REVERSE, expected_bytes ? 2 : 1, cd, n, &buf_size, &buf);
  free(buf);
  if (got == 0) return SPR_FAIL(SPR_ECORRUPT, "zstd chunk of %zu bytes does not decode", n);
  return (int64_t)got;
}

/* ---------------------------------------------------------------------------------------------- */
/* Writer                                                                                          */

int spr_h5_writer_create(const spr_comm *c, const char *path, int zstd_level, spr_h5_writer **out) {
  if (!out) return SPR_FAIL(SPR_EINVAL, "spr_h5_writer_create: NULL out");
  *out = NULL;
  if (!c || !path) return SPR_FAIL(SPR_EINVAL, "spr_h5_writer_create: NULL argument");
  int rc = SPR_OK;
  hid_t fapl = H5I_INVALID_HID, fcpl = H5I_INVALID_HID;
  spr_h5_writer *w = calloc(1, sizeof *w);
  int lrc = w ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  if (lrc == SPR_OK && (zstd_level < 0 || zstd_level > 22))
    lrc = SPR_FAIL(SPR_EINVAL, "%s: zstd level %d not in 0..22", path, zstd_level);
  if (lrc == SPR_OK) lrc = spr_h5_init();
  if (lrc == SPR_OK) {
    w->comm = *c;
    w->file = H5I_INVALID_HID;
    w->dxpl = H5I_INVALID_HID;
    w->level = zstd_level;
    w->round_bytes = SPR_H5_ROUND_MAX;
    w->last_collective = -1;
    w->path = strdup(path);
    if (!w->path) lrc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  }
  SPR_TRYG(rc, spr_mpi_agree(c, lrc), cleanup);

  SPR_H5_CHECK(rc, fapl = H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)", path);
  SPR_H5_CHECK(rc, H5Pset_fapl_mpio(fapl, c->comm, MPI_INFO_NULL), "H5Pset_fapl_mpio", path);
  /* Metadata reads by rank 0 + broadcast, metadata writes collective: no metadata storms. */
  SPR_H5_CHECK(rc, H5Pset_all_coll_metadata_ops(fapl, 1), "H5Pset_all_coll_metadata_ops", path);
  SPR_H5_CHECK(rc, H5Pset_coll_metadata_write(fapl, 1), "H5Pset_coll_metadata_write", path);
  SPR_H5_CHECK(rc, fcpl = H5Pcreate(H5P_FILE_CREATE), "H5Pcreate(file create)", path);
  SPR_H5_CHECK(rc, H5Pset_obj_track_times(fcpl, 0), "H5Pset_obj_track_times", path);
  SPR_H5_CHECK(rc, w->file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl), "H5Fcreate", path);
  SPR_H5_CHECK(rc, w->dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate(transfer)", path);
  SPR_H5_CHECK(rc, H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", path);
  *out = w;
  w = NULL;
cleanup:
  spr_h5_close(&fapl);
  spr_h5_close(&fcpl);
  if (w) {
    spr_h5_close(&w->dxpl);
    spr_h5_close(&w->file);
    free(w->path);
    free(w);
  }
  return rc;
}

void spr_h5_writer_set_round_bytes(spr_h5_writer *w, uint64_t bytes) {
  if (!w) return;
  w->round_bytes = bytes > SPR_H5_ROUND_MAX ? SPR_H5_ROUND_MAX : (bytes ? bytes : 1);
}

int spr_h5_last_io_collective(const spr_h5_writer *w) {
  if (!w || w->last_collective < 0) return SPR_FAIL(SPR_EINVAL, "no spr_h5_write happened yet");
  return w->last_collective;
}

const char *spr_h5_last_io_cause(const spr_h5_writer *w) {
  static const struct {
    uint32_t bit;
    const char *name;
  } causes[] = {
      {H5D_MPIO_SET_INDEPENDENT, "independent I/O requested"},
      {H5D_MPIO_DATATYPE_CONVERSION, "datatype conversion"},
      {H5D_MPIO_DATA_TRANSFORMS, "data transforms"},
      {H5D_MPIO_MPI_OPT_TYPES_ENV_VAR_DISABLED, "MPI derived types disabled by environment"},
      {H5D_MPIO_NOT_SIMPLE_OR_SCALAR_DATASPACES, "dataspace not simple or scalar"},
      {H5D_MPIO_NOT_CONTIGUOUS_OR_CHUNKED_DATASET, "dataset neither contiguous nor chunked"},
      {H5D_MPIO_PARALLEL_FILTERED_WRITES_DISABLED, "parallel filtered writes disabled"},
      {H5D_MPIO_ERROR_WHILE_CHECKING_COLLECTIVE_POSSIBLE, "error while checking collective I/O"},
  };
  if (!w || w->last_collective != 0) return "";
  for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
    if (w->last_cause & causes[i].bit) return causes[i].name;
  return "independent I/O chosen by HDF5 (no cause reported)";
}

/* Collective. Check that every rank passed the same values (hashes compared by min/max). */
static int spr_h5_same_everywhere(const spr_h5_writer *w, uint64_t *v, size_t n, const char *what,
                                  const char *obj) {
  uint64_t lo[4], hi[4];
  SPR_ASSERT(n <= 4);
  memcpy(lo, v, n * sizeof *v);
  memcpy(hi, v, n * sizeof *v);
  SPR_TRY(spr_mpi_min_u64(&w->comm, lo, n));
  SPR_TRY(spr_mpi_max_u64(&w->comm, hi, n));
  if (memcmp(lo, hi, n * sizeof *v) != 0)
    return SPR_FAIL(SPR_EINVAL, "%s: ranks disagree on the %s", obj, what);
  return SPR_OK;
}

/* Collective. Ranks' [offset, offset+count) slices must tile [0, total) exactly. */
static int spr_h5_check_cover(const spr_h5_writer *w, const char *name, uint64_t total, uint64_t offset,
                              uint64_t count) {
  const size_t p = (size_t)w->comm.size;
  uint64_t *off = calloc(p, sizeof *off), *cnt = calloc(p, sizeof *cnt);
  size_t *idx = calloc(p, sizeof *idx);
  int rc = (off && cnt && idx) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", name);
  SPR_TRYG(rc, spr_mpi_agree(&w->comm, rc), cleanup);
  SPR_TRYG(rc, spr_mpi_allgather_u64(&w->comm, offset, off), cleanup);
  SPR_TRYG(rc, spr_mpi_allgather_u64(&w->comm, count, cnt), cleanup);
  /* Non-empty slices sorted by offset (insertion sort: p is the rank count) must be adjacent. */
  size_t m = 0;
  for (size_t r = 0; r < p; r++) {
    if (cnt[r] == 0) continue;
    size_t j = m++;
    while (j > 0 && off[idx[j - 1]] > off[r]) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = r;
  }
  uint64_t pos = 0;
  for (size_t k = 0; k < m; k++) {
    const size_t r = idx[k];
    if (off[r] != pos) {
      rc = SPR_FAIL(SPR_EINVAL, "%s: rank %zu writes at %llu but the slices so far end at %llu (%s)",
                    name, r, (unsigned long long)off[r], (unsigned long long)pos,
                    off[r] < pos ? "overlap" : "gap");
      goto cleanup;
    }
    pos += cnt[r];
  }
  if (pos != total)
    rc = SPR_FAIL(SPR_EINVAL, "%s: ranks' slices cover %llu of %llu elements", name,
                  (unsigned long long)pos, (unsigned long long)total);
cleanup:
  free(off);
  free(cnt);
  free(idx);
  return rc;
}

static int spr_h5_local_args(const spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                             uint64_t offset, uint64_t count, const void *data) {
  SPR_TRY(spr_h5_check_path(name, 0));
  if (!spr_h5_type_ok(type)) return SPR_FAIL(SPR_EINVAL, "%s: unknown element type %d", name, (int)type);
  if (offset > total || count > total - offset)
    return SPR_FAIL(SPR_EINVAL, "%s: slice [%llu, +%llu) outside [0, %llu)", name,
                    (unsigned long long)offset, (unsigned long long)count, (unsigned long long)total);
  if (count && !data) return SPR_FAIL(SPR_EINVAL, "%s: NULL data for %llu elements", name,
                                      (unsigned long long)count);
  if (total > (uint64_t)(INT64_MAX / 8)) return SPR_FAIL(SPR_EINVAL, "%s: length %llu too large", name,
                                                         (unsigned long long)total);
  (void)w;
  return SPR_OK;
}

/* Collective. Refuse (agreed on every rank) to write when the file system holding w->path has less
 * free space than the bytes all ranks are about to write (uncompressed, an upper bound of what a
 * compressed chunk takes) plus a margin for the metadata. Why: a write that fails for lack of space
 * inside a collective flush leaves parallel HDF5 ranks waiting in different barriers forever (seen
 * with Open MPI 4.1 / HDF5 1.10), and a write that fails inside H5Dwrite is not always reported; a
 * clear error before the write is the only safe outcome. Another process filling the disk between
 * this check and the write is not covered. */
static int spr_h5_space_check(spr_h5_writer *w, uint64_t local_bytes) {
  uint64_t need = local_bytes + local_bytes / 64; /* zstd's worst case is far below 1/64 more */
  SPR_TRY(spr_mpi_sum_u64(&w->comm, &need, 1));
  int rc = SPR_OK;
  if (w->comm.rank == 0 && !getenv("SPIRE_NO_SPACE_CHECK")) { /* the way out where statvfs misleads */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", w->path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    struct statvfs sv;
    if (statvfs(dir, &sv) == 0 && sv.f_blocks > 0) { /* some network file systems report no sizes */
      const unsigned long long avail = (unsigned long long)sv.f_bavail * (unsigned long long)sv.f_frsize;
      if (avail < need + SPR_H5_SPACE_MARGIN)
        rc = SPR_FAIL(SPR_EIO, "%s: not enough disk space: the next write needs up to %.1f MB (and %.0f MB "
                      "for metadata), %.1f MB free in %s", w->path, (double)need / 1e6,
                      (double)SPR_H5_SPACE_MARGIN / 1e6, (double)avail / 1e6, dir);
    }
  }
  return spr_mpi_agree(&w->comm, rc);
}

static void spr_h5_pre_free(spr_h5zstd_pre *pre, size_t n) {
  for (size_t i = 0; pre && i < n; i++) free(pre[i].frame);
  free(pre);
}

static int spr_h5_cmp_pre(const void *pa, const void *pb) {
  const uint64_t a = ((const spr_h5zstd_pre *)pa)->hash, b = ((const spr_h5zstd_pre *)pb)->hash;
  return (a > b) - (a < b);
}

/* Frames of the chunks wholly inside [lo, hi) (global elements; buf holds element lo onwards),
 * compressed by the OpenMP threads, each with its own zstd context; sorted by hash. The dataset's
 * last chunk, when partial, is left to the filter (HDF5 pads it). NULL (n = 0) when there is
 * nothing to do or memory is short: the filter then compresses as usual, so this never fails. */
static spr_h5zstd_pre *spr_h5_precompress(int level, const void *buf, uint64_t lo, uint64_t hi, uint64_t chunk,
                                          uint64_t total, size_t esz, size_t *n_out) {
  *n_out = 0;
  const uint64_t c0 = (lo + chunk - 1) / chunk;
  const uint64_t c1 = (hi < total ? hi : total) / chunk; /* chunks [c0, c1) lie within [lo, hi): all whole */
  if (c1 <= c0) return NULL;
  const size_t n = (size_t)(c1 - c0);
  spr_h5zstd_pre *pre = calloc(n, sizeof *pre);
  if (!pre) return NULL;
  for (size_t i = 0; i < n; i++) {
    pre[i].raw = (const char *)buf + ((c0 + i) * chunk - lo) * esz;
    pre[i].raw_len = (size_t)(chunk * esz);
    pre[i].esz = esz; /* datasets of wider elements are shuffled (spr_h5_write_timed) */
  }
#pragma omp parallel
  {
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    void *scratch = esz > 1 ? malloc((size_t)(chunk * esz)) : NULL;
    const int ok = cctx && (esz <= 1 || scratch);
#pragma omp for schedule(dynamic, 4)
    for (size_t i = 0; i < n; i++)
      if (!ok || spr_h5zstd_pre_compress(cctx, level, &pre[i], scratch) != 0) pre[i].frame = NULL;
    free(scratch);
    ZSTD_freeCCtx(cctx);
  }
  qsort(pre, n, sizeof *pre, spr_h5_cmp_pre);
  *n_out = n;
  return pre;
}

static int spr_h5_write_timed(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                              uint64_t offset, uint64_t count, const void *data, int fd, uint64_t foff);

int spr_h5_write(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total, uint64_t offset,
                 uint64_t count, const void *data) {
  if (!w) return SPR_FAIL(SPR_EINVAL, "spr_h5_write: NULL writer");
  const double t0 = MPI_Wtime();
  const int rc = spr_h5_write_timed(w, name, type, total, offset, count, data, -1, 0);
  w->io_seconds += MPI_Wtime() - t0;
  return rc;
}

int spr_h5_write_fd(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total, uint64_t offset,
                    uint64_t count, int fd, uint64_t foff) {
  if (!w) return SPR_FAIL(SPR_EINVAL, "spr_h5_write_fd: NULL writer");
  const double t0 = MPI_Wtime();
  const int rc = spr_h5_write_timed(w, name, type, total, offset, count, NULL, fd, foff);
  w->io_seconds += MPI_Wtime() - t0;
  return rc;
}

/* Read n bytes at off of fd into buf (all of them, or an error naming what). */
static int spr_h5_pread_all(int fd, void *buf, uint64_t n, uint64_t off, const char *name) {
  uint64_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, (char *)buf + got, (size_t)(n - got), (off_t)(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return SPR_FAIL(SPR_EIO, "%s: reading the spill file at byte %llu: %s", name, (unsigned long long)(off + got),
                      r < 0 ? strerror(errno) : "unexpected end of file");
    got += (uint64_t)r;
  }
  return SPR_OK;
}

double spr_h5_writer_io_seconds(const spr_h5_writer *w) { return w ? w->io_seconds : 0; }

static int spr_h5_write_timed(spr_h5_writer *w, const char *name, spr_h5_type type, uint64_t total,
                              uint64_t offset, uint64_t count, const void *data, int fd, uint64_t foff) {
  int rc = SPR_OK;
  void *rbuf = NULL; /* fd source: this round's part, read from the file */
  hid_t dcpl = H5I_INVALID_HID, fspace = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  hid_t sel = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  w->last_collective = -1;
  w->last_cause = 0;

  /* 1. Arguments: local checks, then agreement that every rank means the same dataset. */
  int lrc = spr_h5_local_args(w, name, type, total, offset, count, fd >= 0 ? (const void *)&fd : data);
  if (lrc == SPR_OK && fd >= 0 && count) {
    /* a round's part of this rank is at most round_bytes (rounds cover whole chunks of the global
     * range), and never more than the whole slice */
    const uint64_t esz0 = spr_h5_type_size(type);
    const uint64_t cap = count * esz0 < w->round_bytes + SPR_H5_CHUNK_ELEMS * esz0 ? count * esz0
                                                                                  : w->round_bytes + SPR_H5_CHUNK_ELEMS * esz0;
    if (!(rbuf = malloc(cap))) lrc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory (write buffer)", name);
  }
  SPR_TRYG(rc, spr_mpi_agree(&w->comm, lrc), cleanup);
  {
    uint64_t same[3] = {(uint64_t)type, total, XXH64(name, strlen(name), 0)};
    SPR_TRYG(rc, spr_h5_same_everywhere(w, same, 3, "dataset name, type or length", name), cleanup);
  }
  SPR_TRYG(rc, spr_h5_check_cover(w, name, total, offset, count), cleanup);

  /* 2. Create the dataset (collective metadata). */
  const hid_t ftype = spr_h5_file_type(type);
  const size_t esz = spr_h5_type_size(type);
  SPR_TRYG(rc, spr_h5_make_groups(w, name, 0), cleanup);
  {
    const int e = spr_h5_path_exists(w->file, name);
    if (e != 0) {
      rc = e < 0 ? e : SPR_FAIL(SPR_EINVAL, "%s: dataset already written in %s", name, w->path);
      goto cleanup;
    }
  }
  SPR_H5_CHECK(rc, dcpl = H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dataset create)", name);
  SPR_H5_CHECK(rc, H5Pset_obj_track_times(dcpl, 0), "H5Pset_obj_track_times", name);
  /* Every element is written (spr_h5_check_cover), so no fill value is ever needed. Without this,
   * parallel HDF5's early allocation first writes zeros over a whole unfiltered dataset: a second
   * pass over the bytes that took more time than the write itself (docs/hdf5.md). */
  SPR_H5_CHECK(rc, H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "H5Pset_fill_time", name);
  if (total > 0) {
    /* Chunk shape depends only on the dataset, never on the rank count. */
    const hsize_t chunk = total < SPR_H5_CHUNK_ELEMS ? (hsize_t)total : (hsize_t)SPR_H5_CHUNK_ELEMS;
    SPR_H5_CHECK(rc, H5Pset_chunk(dcpl, 1, &chunk), "H5Pset_chunk", name);
    if (w->level > 0) {
      /* Multi-byte integers go through HDF5's shuffle filter first (built into every HDF5, so any
       * reader decodes it): their high bytes, mostly zero, then form long runs that zstd takes in
       * at several times the speed, and the file shrinks (docs/hdf5.md, "Compression"). */
      if (esz > 1) SPR_H5_CHECK(rc, H5Pset_shuffle(dcpl), "H5Pset_shuffle", name);
      const unsigned int cd = (unsigned int)w->level;
      SPR_H5_CHECK(rc, H5Pset_filter(dcpl, SPR_H5ZSTD_ID, H5Z_FLAG_MANDATORY, 1, &cd), "H5Pset_filter(zstd)",
                   name);
    }
  } /* else: an empty contiguous dataset (a chunked one needs a non-zero extent). */
  {
    const hsize_t dims = (hsize_t)total;
    SPR_H5_CHECK(rc, fspace = H5Screate_simple(1, &dims, NULL), "H5Screate_simple", name);
  }
  SPR_H5_CHECK(rc, dset = H5Dcreate2(w->file, name, ftype, fspace, H5P_DEFAULT, dcpl, H5P_DEFAULT),
               "H5Dcreate", name);

  /* 3. Write in rounds. Round k covers the global range [k*R, (k+1)*R), R a multiple of the chunk
   * length with R elements <= round_bytes, and every rank writes its part of that range (maybe
   * nothing). So no rank moves more than round_bytes per H5Dwrite (no MPI count overflow), every
   * rank knows the number of rounds without communicating, and every chunk is written in exactly
   * one round: a partially written compressed chunk would be re-read, re-compressed and moved,
   * leaving holes that make the file depend on the rank count. */
  int all_coll = 1;
  uint32_t causes = 0;
  if (total > 0) {
    const uint64_t chunk = total < SPR_H5_CHUNK_ELEMS ? total : SPR_H5_CHUNK_ELEMS;
    uint64_t per = (w->round_bytes / esz) / chunk * chunk;
    if (per == 0) per = chunk;
    const uint64_t rounds = (total + per - 1) / per, end = offset + count;
    for (uint64_t k = 0; k < rounds; k++) {
      const uint64_t lo0 = k * per, hi0 = lo0 + per < total ? lo0 + per : total;
      const uint64_t lo = offset > lo0 ? offset : lo0, hi = end < hi0 ? end : hi0;
      const uint64_t n = hi > lo ? hi - lo : 0;
      int step = SPR_OK;
      if ((sel = H5Scopy(fspace)) < 0) step = SPR_H5_FAIL("H5Scopy", name);
      if (step == SPR_OK) {
        const hsize_t start = (hsize_t)lo, len = (hsize_t)n;
        const herr_t e = n ? H5Sselect_hyperslab(sel, H5S_SELECT_SET, &start, NULL, &len, NULL)
                           : H5Sselect_none(sel);
        if (e < 0) step = SPR_H5_FAIL("H5Sselect(file)", name);
      }
      if (step == SPR_OK) {
        const hsize_t mlen = n ? (hsize_t)n : 1;
        if ((mspace = H5Screate_simple(1, &mlen, NULL)) < 0 || (!n && H5Sselect_none(mspace) < 0))
          step = SPR_H5_FAIL("H5Sselect(memory)", name);
      }
      SPR_TRYG(rc, spr_mpi_agree(&w->comm, step), cleanup);
      SPR_TRYG(rc, spr_h5_space_check(w, n * esz), cleanup);
      static const uint64_t dummy = 0; /* HDF5 wants a buffer even for an empty selection */
      const void *buf = (const void *)&dummy;
      if (n && fd < 0) buf = (const char *)data + (lo - offset) * esz;
      if (n && fd >= 0) {
        step = spr_h5_pread_all(fd, rbuf, n * esz, foff + (lo - offset) * esz, name);
        buf = rbuf;
      }
      SPR_TRYG(rc, spr_mpi_agree(&w->comm, step), cleanup);
      /* the whole chunks of this rank's part, compressed ahead by all threads (the filter then only
       * looks them up): the merge's compression scales with the cores of a rank */
      spr_h5zstd_pre *pre = NULL;
      size_t npre = 0;
      if (w->level > 0 && n > 0 && !getenv("SPR_TEST_NO_PRECOMPRESS")) /* the hook: tests compare */
        pre = spr_h5_precompress(w->level, buf, lo, hi, chunk, total, esz, &npre);
      spr_h5zstd_pre_install(pre, npre);
      /* a write can fail on one rank only (full disk, I/O error): agree before the next collective */
      step = H5Dwrite(dset, ftype, mspace, sel, w->dxpl, buf) < 0 ? SPR_H5_FAIL("H5Dwrite", name) : SPR_OK;
      spr_h5zstd_pre_install(NULL, 0);
      spr_h5_pre_free(pre, npre);
      SPR_TRYG(rc, spr_mpi_agree(&w->comm, step), cleanup);
      H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
      uint32_t local_cause = 0, global_cause = 0;
      SPR_H5_CHECK(rc, H5Pget_mpio_actual_io_mode(w->dxpl, &mode), "H5Pget_mpio_actual_io_mode", name);
      SPR_H5_CHECK(rc, H5Pget_mpio_no_collective_cause(w->dxpl, &local_cause, &global_cause),
                   "H5Pget_mpio_no_collective_cause", name);
      if (mode != H5D_MPIO_CHUNK_COLLECTIVE && mode != H5D_MPIO_CONTIGUOUS_COLLECTIVE) all_coll = 0;
      causes |= local_cause | global_cause;
      spr_h5_close(&sel);
      spr_h5_close(&mspace);
    }
  }
  w->last_collective = all_coll;
  w->last_cause = causes;
cleanup:
  free(rbuf);
  spr_h5_close(&sel);
  spr_h5_close(&mspace);
  spr_h5_close(&dset);
  spr_h5_close(&fspace);
  spr_h5_close(&dcpl);
  return rc;
}

/* Collective. Open obj (creating it as a group if missing), replace attribute `name` with a scalar
 * of file type ftype holding *v (memory type mtype). */
static int spr_h5_put_attr(spr_h5_writer *w, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                           const void *v, uint64_t hash) {
  int rc = SPR_OK;
  hid_t o = H5I_INVALID_HID, space = H5I_INVALID_HID, a = H5I_INVALID_HID;
  int lrc = spr_h5_check_path(obj, 1);
  if (lrc == SPR_OK && (!name || !name[0])) lrc = SPR_FAIL(SPR_EINVAL, "%s: empty attribute name", obj);
  SPR_TRYG(rc, spr_mpi_agree(&w->comm, lrc), cleanup);
  {
    uint64_t same[2] = {XXH64(obj, strlen(obj), XXH64(name, strlen(name), 0)), hash};
    SPR_TRYG(rc, spr_h5_same_everywhere(w, same, 2, "attribute name or value", obj), cleanup);
  }
  SPR_TRYG(rc, spr_h5_make_groups(w, obj, 1), cleanup);
  SPR_H5_CHECK(rc, o = H5Oopen(w->file, obj, H5P_DEFAULT), "H5Oopen", obj);
  const htri_t ex = H5Aexists(o, name);
  SPR_H5_CHECK(rc, ex, "H5Aexists", obj);
  if (ex > 0) SPR_H5_CHECK(rc, H5Adelete(o, name), "H5Adelete", obj);
  SPR_H5_CHECK(rc, space = H5Screate(H5S_SCALAR), "H5Screate", obj);
  SPR_H5_CHECK(rc, a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate", obj);
  SPR_H5_CHECK(rc, H5Awrite(a, mtype, v), "H5Awrite", obj);
cleanup:
  spr_h5_close(&a);
  spr_h5_close(&space);
  spr_h5_close(&o);
  return rc;
}

int spr_h5_attr_u64(spr_h5_writer *w, const char *obj, const char *name, uint64_t v) {
  if (!w) return SPR_FAIL(SPR_EINVAL, "spr_h5_attr_u64: NULL writer");
  return spr_h5_put_attr(w, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v, v);
}

int spr_h5_attr_f64(spr_h5_writer *w, const char *obj, const char *name, double v) {
  if (!w) return SPR_FAIL(SPR_EINVAL, "spr_h5_attr_f64: NULL writer");
  return spr_h5_put_attr(w, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, XXH64(&v, sizeof v, 0));
}

int spr_h5_attr_str(spr_h5_writer *w, const char *obj, const char *name, const char *v) {
  if (!w) return SPR_FAIL(SPR_EINVAL, "spr_h5_attr_str: NULL writer");
  int rc = SPR_OK;
  hid_t t = H5I_INVALID_HID;
  const char *s = v ? v : "";
  const size_t n = strlen(s);
  /* Fixed-length: size strlen+1 (HDF5 wants a non-zero size), NUL-terminated, UTF-8. */
  int lrc = SPR_OK;
  if ((t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, n + 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(t, H5T_CSET_UTF8) < 0)
    lrc = SPR_H5_FAIL("H5Tset_size(string)", obj ? obj : "(null)");
  SPR_TRYG(rc, spr_mpi_agree(&w->comm, lrc), cleanup);
  SPR_TRYG(rc, spr_h5_put_attr(w, obj, name, t, t, s, XXH64(s, n, 0)), cleanup);
cleanup:
  spr_h5_close(&t);
  return rc;
}

static int spr_h5_writer_end(spr_h5_writer **pw, int remove_file) {
  if (!pw || !*pw) return SPR_OK;
  spr_h5_writer *w = *pw;
  *pw = NULL;
  int rc = SPR_OK;
  spr_h5_close(&w->dxpl);
  if (w->file >= 0) {
    if (!remove_file) rc = spr_h5_space_check(w, 0); /* the metadata flush needs room too */
    if (!remove_file && rc == SPR_OK && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) rc = SPR_H5_FAIL("H5Fflush", w->path);
    if (H5Fclose(w->file) < 0 && rc == SPR_OK) rc = SPR_H5_FAIL("H5Fclose", w->path);
    w->file = H5I_INVALID_HID;
  }
  if (remove_file) {
    int urc = SPR_OK;
    if (w->comm.rank == 0 && unlink(w->path) != 0)
      urc = SPR_FAIL(SPR_EIO, "%s: cannot remove the partial output file", w->path);
    if (rc == SPR_OK) rc = urc;
  }
  const int arc = spr_mpi_agree(&w->comm, rc);
  free(w->path);
  free(w);
  return arc;
}

int spr_h5_writer_close(spr_h5_writer **w) {
  const int rc = spr_h5_writer_end(w, 0);
  if (getenv("SPR_TEST_PRECOMPRESS_STATS")) { /* test hook: were the chunks compressed ahead? */
    unsigned long long taken = 0, compressed = 0;
    spr_h5zstd_pre_stats(&taken, &compressed);
    fprintf(stderr, "[spire] h5: zstd chunks: %llu compressed ahead, %llu in the filter\n", taken, compressed);
  }
  return rc;
}
int spr_h5_writer_discard(spr_h5_writer **w) { return spr_h5_writer_end(w, 1); }

/* ---------------------------------------------------------------------------------------------- */
/* Reader                                                                                          */

int spr_h5_reader_open(const char *path, spr_h5_reader **out) {
  if (!out) return SPR_FAIL(SPR_EINVAL, "spr_h5_reader_open: NULL out");
  *out = NULL;
  if (!path) return SPR_FAIL(SPR_EINVAL, "spr_h5_reader_open: NULL path");
  SPR_TRY(spr_h5_init());
  struct stat st;
  if (stat(path, &st) != 0) return SPR_FAIL(SPR_ENOTFOUND, "%s: no such file", path);
  int rc = SPR_OK;
  spr_h5_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
    goto cleanup;
  }
  r->file = H5I_INVALID_HID;
  for (size_t i = 0; i < SPR_H5_CACHE; i++) r->cache[i].dset = H5I_INVALID_HID;
  /* H5P_DEFAULT: the sec2 driver, plain POSIX reads; works with or without MPI initialized. */
  SPR_H5_CHECK(rc, r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen", path);
  *out = r;
  r = NULL;
cleanup:
  if (r) {
    free(r->path);
    free(r);
  }
  return rc;
}

void spr_h5_reader_close(spr_h5_reader **pr) {
  if (!pr || !*pr) return;
  spr_h5_reader *r = *pr;
  *pr = NULL;
  for (size_t i = 0; i < SPR_H5_CACHE; i++) {
    spr_h5_close(&r->cache[i].dset);
    free(r->cache[i].name);
  }
  spr_h5_close(&r->file);
  free(r->path);
  free(r);
}

int spr_h5_exists(spr_h5_reader *r, const char *name) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_h5_exists: NULL reader");
  SPR_TRY(spr_h5_check_path(name, 1));
  return spr_h5_path_exists(r->file, name);
}

/* The reader's open handle for dataset `name` (borrowed: owned by r's cache), opening it on a miss
 * and evicting the least recently used entry. */
static int spr_h5_reader_dset(spr_h5_reader *r, const char *name, spr_h5_open_dset **out) {
  *out = NULL;
  SPR_TRY(spr_h5_check_path(name, 0));
  size_t victim = 0;
  for (size_t i = 0; i < SPR_H5_CACHE; i++) {
    spr_h5_open_dset *e = &r->cache[i];
    if (e->name && strcmp(e->name, name) == 0) {
      e->used = ++r->clock;
      *out = e;
      return SPR_OK;
    }
    if (e->used < r->cache[victim].used) victim = i;
  }
  const int ex = spr_h5_path_exists(r->file, name);
  if (ex < 0) return ex;
  if (ex == 0) return SPR_FAIL(SPR_ENOTFOUND, "%s: no dataset %s", r->path, name);
  int rc = SPR_OK;
  hid_t dapl = H5I_INVALID_HID, d = H5I_INVALID_HID, s = H5I_INVALID_HID;
  char *nm = strdup(name);
  if (!nm) return SPR_FAIL(SPR_ENOMEM, "%s: out of memory", name);
  SPR_H5_CHECK(rc, dapl = H5Pcreate(H5P_DATASET_ACCESS), "H5Pcreate(dataset access)", name);
  /* 8 MiB of decoded chunks per dataset: 16+ chunks, so scattered small reads decompress once. */
  SPR_H5_CHECK(rc, H5Pset_chunk_cache(dapl, 521, 8u << 20, 1.0), "H5Pset_chunk_cache", name);
  SPR_H5_CHECK(rc, d = H5Dopen2(r->file, name, dapl), "H5Dopen", name);
  SPR_H5_CHECK(rc, s = H5Dget_space(d), "H5Dget_space", name);
  hsize_t dims = 0;
  const int nd = H5Sget_simple_extent_ndims(s);
  SPR_H5_CHECK(rc, nd, "H5Sget_simple_extent_ndims", name);
  if (nd != 1) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: dataset %s has %d dimensions, not 1", r->path, name, nd);
    goto cleanup;
  }
  hsize_t maxdims = 0;
  SPR_H5_CHECK(rc, H5Sget_simple_extent_dims(s, &dims, &maxdims), "H5Sget_simple_extent_dims", name);
  /* spire writes fixed-size datasets (extent = maximum). A damaged dataspace can claim an extent far
   * beyond its maximum, and reading it would hash or copy fill values for as long (a 62 KB file
   * claiming 10^8 elements took minutes to verify: docs/reliability.md, X1). */
  if (rc == SPR_OK && maxdims != H5S_UNLIMITED && dims > maxdims) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: dataset %s has %llu elements, beyond its maximum extent %llu (damaged file)",
                  r->path, name, (unsigned long long)dims, (unsigned long long)maxdims);
    goto cleanup;
  }
  {
    /* spire writes little-endian integers and floats of 1..8 bytes: anything else is a damaged or
     * foreign file, refused before HDF5 converts it (its conversion of odd types is not robust) */
    hid_t ft = H5Dget_type(d);
    SPR_H5_CHECK(rc, ft, "H5Dget_type", name);
    const H5T_class_t cls = H5Tget_class(ft);
    const size_t sz = H5Tget_size(ft);
    H5Tclose(ft);
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || sz < 1 || sz > 8 || (sz & (sz - 1))) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: dataset %s has an element type spire never writes (class %d, %zu bytes)",
                    r->path, name, (int)cls, sz);
      goto cleanup;
    }
  }
  spr_h5_open_dset *e = &r->cache[victim];
  spr_h5_close(&e->dset);
  free(e->name);
  e->name = nm;
  e->dset = d;
  e->len = (uint64_t)dims;
  e->used = ++r->clock;
  nm = NULL;
  d = H5I_INVALID_HID;
  *out = e;
cleanup:
  free(nm);
  spr_h5_close(&s);
  spr_h5_close(&d);
  spr_h5_close(&dapl);
  return rc;
}

int64_t spr_h5_len(spr_h5_reader *r, const char *name) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_h5_len: NULL reader");
  spr_h5_open_dset *e = NULL;
  SPR_TRY(spr_h5_reader_dset(r, name, &e));
  return (int64_t)e->len;
}

int spr_h5_read(spr_h5_reader *r, const char *name, spr_h5_type type, uint64_t offset, uint64_t count,
                void *out) {
  if (!r) return SPR_FAIL(SPR_EINVAL, "spr_h5_read: NULL reader");
  if (!spr_h5_type_ok(type)) return SPR_FAIL(SPR_EINVAL, "%s: unknown element type %d", name, (int)type);
  if (count && !out) return SPR_FAIL(SPR_EINVAL, "%s: NULL output buffer", name);
  spr_h5_open_dset *e = NULL;
  SPR_TRY(spr_h5_reader_dset(r, name, &e));
  if (offset > e->len || count > e->len - offset)
    return SPR_FAIL(SPR_ECORRUPT, "%s: read of [%llu, +%llu) past the end of dataset %s (length %llu)",
                    r->path, (unsigned long long)offset, (unsigned long long)count, name,
                    (unsigned long long)e->len);
  if (count == 0) return SPR_OK;
  int rc = SPR_OK;
  hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
  const hsize_t start = (hsize_t)offset, len = (hsize_t)count;
  SPR_H5_CHECK(rc, fs = H5Dget_space(e->dset), "H5Dget_space", name);
  SPR_H5_CHECK(rc, H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &len, NULL), "H5Sselect_hyperslab",
               name);
  SPR_H5_CHECK(rc, ms = H5Screate_simple(1, &len, NULL), "H5Screate_simple", name);
  SPR_H5_CHECK(rc, H5Dread(e->dset, spr_h5_mem_type(type), ms, fs, H5P_DEFAULT, out), "H5Dread", name);
cleanup:
  spr_h5_close(&ms);
  spr_h5_close(&fs);
  return rc;
}

/* Open attribute obj:name, with SPR_ENOTFOUND naming what is missing. */
static int spr_h5_open_attr(spr_h5_reader *r, const char *obj, const char *name, hid_t *attr) {
  *attr = H5I_INVALID_HID;
  if (!r) return SPR_FAIL(SPR_EINVAL, "attribute read: NULL reader");
  SPR_TRY(spr_h5_check_path(obj, 1));
  if (!name || !name[0]) return SPR_FAIL(SPR_EINVAL, "%s: empty attribute name", obj);
  const int ex = spr_h5_path_exists(r->file, obj);
  if (ex < 0) return ex;
  if (ex == 0) return SPR_FAIL(SPR_ENOTFOUND, "%s: no object %s (for attribute %s)", r->path, obj, name);
  const htri_t ae = H5Aexists_by_name(r->file, obj, name, H5P_DEFAULT);
  if (ae < 0) return SPR_H5_FAIL("H5Aexists_by_name", obj);
  if (ae == 0) return SPR_FAIL(SPR_ENOTFOUND, "%s: no attribute %s on %s", r->path, name, obj);
  if ((*attr = H5Aopen_by_name(r->file, obj, name, H5P_DEFAULT, H5P_DEFAULT)) < 0)
    return SPR_H5_FAIL("H5Aopen_by_name", obj);
  return SPR_OK;
}

/* Read a scalar numeric attribute as mtype; its class must be `cls` (or integer for a float). */
static int spr_h5_get_num(spr_h5_reader *r, const char *obj, const char *name, hid_t mtype, int want_float,
                          void *v) {
  hid_t a = H5I_INVALID_HID, s = H5I_INVALID_HID, t = H5I_INVALID_HID;
  int rc = spr_h5_open_attr(r, obj, name, &a);
  if (rc < 0) goto cleanup;
  SPR_H5_CHECK(rc, s = H5Aget_space(a), "H5Aget_space", obj);
  SPR_H5_CHECK(rc, t = H5Aget_type(a), "H5Aget_type", obj);
  const H5T_class_t cls = H5Tget_class(t);
  const hssize_t np = H5Sget_simple_extent_npoints(s);
  if (np != 1 || !(cls == H5T_INTEGER || (want_float && cls == H5T_FLOAT))) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: attribute %s of %s is not a scalar %s", r->path, name, obj,
                  want_float ? "number" : "integer");
    goto cleanup;
  }
  SPR_H5_CHECK(rc, H5Aread(a, mtype, v), "H5Aread", obj);
cleanup:
  spr_h5_close(&t);
  spr_h5_close(&s);
  spr_h5_close(&a);
  return rc;
}

int spr_h5_get_attr_u64(spr_h5_reader *r, const char *obj, const char *name, uint64_t *v) {
  if (!v) return SPR_FAIL(SPR_EINVAL, "spr_h5_get_attr_u64: NULL output");
  return spr_h5_get_num(r, obj, name, H5T_NATIVE_UINT64, 0, v);
}

int spr_h5_get_attr_f64(spr_h5_reader *r, const char *obj, const char *name, double *v) {
  if (!v) return SPR_FAIL(SPR_EINVAL, "spr_h5_get_attr_f64: NULL output");
  return spr_h5_get_num(r, obj, name, H5T_NATIVE_DOUBLE, 1, v);
}

int spr_h5_get_attr_str(spr_h5_reader *r, const char *obj, const char *name, char **v) {
  if (!v) return SPR_FAIL(SPR_EINVAL, "spr_h5_get_attr_str: NULL output");
  *v = NULL;
  hid_t a = H5I_INVALID_HID, s = H5I_INVALID_HID, t = H5I_INVALID_HID, mt = H5I_INVALID_HID;
  char *buf = NULL;
  int rc = spr_h5_open_attr(r, obj, name, &a);
  if (rc < 0) goto cleanup;
  SPR_H5_CHECK(rc, s = H5Aget_space(a), "H5Aget_space", obj);
  SPR_H5_CHECK(rc, t = H5Aget_type(a), "H5Aget_type", obj);
  if (H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_npoints(s) != 1) {
    rc = SPR_FAIL(SPR_ECORRUPT, "%s: attribute %s of %s is not a scalar string", r->path, name, obj);
    goto cleanup;
  }
  const htri_t vl = H5Tis_variable_str(t);
  SPR_H5_CHECK(rc, vl, "H5Tis_variable_str", obj);
  SPR_H5_CHECK(rc, mt = H5Tcopy(H5T_C_S1), "H5Tcopy", obj);
  SPR_H5_CHECK(rc, H5Tset_cset(mt, H5Tget_cset(t)), "H5Tset_cset", obj); /* ASCII or UTF-8 as stored */
  if (vl) {
    char *p = NULL;
    SPR_H5_CHECK(rc, H5Tset_size(mt, H5T_VARIABLE), "H5Tset_size", obj);
    SPR_H5_CHECK(rc, H5Aread(a, mt, &p), "H5Aread", obj);
    buf = strdup(p ? p : "");
    H5free_memory(p);
  } else {
    const size_t n = H5Tget_size(t);
    if (n == 0 || n > (1u << 30)) {
      rc = SPR_FAIL(SPR_ECORRUPT, "%s: attribute %s of %s has bad size %zu", r->path, name, obj, n);
      goto cleanup;
    }
    SPR_H5_CHECK(rc, H5Tset_size(mt, n + 1), "H5Tset_size", obj);
    SPR_H5_CHECK(rc, H5Tset_strpad(mt, H5T_STR_NULLTERM), "H5Tset_strpad", obj);
    buf = calloc(n + 1, 1);
    if (buf) SPR_H5_CHECK(rc, H5Aread(a, mt, buf), "H5Aread", obj);
  }
  if (!buf) {
    rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading attribute %s", obj, name);
    goto cleanup;
  }
  *v = buf;
  buf = NULL;
cleanup:
  free(buf);
  spr_h5_close(&mt);
  spr_h5_close(&t);
  spr_h5_close(&s);
  spr_h5_close(&a);
  return rc;
}

int spr_h5_chunk_info(spr_h5_reader *r, const char *name, uint64_t index, uint64_t *file_offset,
                      uint64_t *stored_bytes, uint64_t *nchunks) {
  if (!r || !file_offset || !stored_bytes) return SPR_FAIL(SPR_EINVAL, "spr_h5_chunk_info: NULL argument");
  spr_h5_open_dset *e = NULL;
  SPR_TRY(spr_h5_reader_dset(r, name, &e));
  int rc = SPR_OK;
  hid_t dcpl = H5I_INVALID_HID, space = H5I_INVALID_HID;
  hsize_t n = 0, coord = 0, size = 0;
  haddr_t addr = HADDR_UNDEF;
  unsigned mask = 0;
  SPR_H5_CHECK(rc, dcpl = H5Dget_create_plist(e->dset), "H5Dget_create_plist", name);
  SPR_H5_CHECK(rc, space = H5Dget_space(e->dset), "H5Dget_space", name);
  /* HDF5 1.10.8 refuses H5S_ALL here: pass the dataset's own extent. */
  if (H5Pget_layout(dcpl) == H5D_CHUNKED)
    SPR_H5_CHECK(rc, H5Dget_num_chunks(e->dset, space, &n), "H5Dget_num_chunks", name);
  if (nchunks) *nchunks = (uint64_t)n;
  if (index >= n) {
    rc = SPR_FAIL(SPR_ENOTFOUND, "%s: dataset %s has %llu chunks, no chunk %llu", r->path, name,
                  (unsigned long long)n, (unsigned long long)index);
    goto cleanup;
  }
  SPR_H5_CHECK(rc, H5Dget_chunk_info(e->dset, space, (hsize_t)index, &coord, &mask, &addr, &size),
               "H5Dget_chunk_info", name);
  *file_offset = (uint64_t)addr;
  *stored_bytes = (uint64_t)size;
cleanup:
  spr_h5_close(&space);
  spr_h5_close(&dcpl);
  return rc;
}

int spr_h5_annotate_u64(const char *path, size_t n, const char *const *obj, const char *const *name,
                        const uint64_t *v) {
  int rc = SPR_OK;
  hid_t f = H5I_INVALID_HID, o = H5I_INVALID_HID, space = H5I_INVALID_HID, a = H5I_INVALID_HID;
  SPR_H5_CHECK(rc, f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), "H5Fopen(read-write)", path);
  for (size_t i = 0; i < n; i++) {
    SPR_H5_CHECK(rc, o = H5Oopen(f, obj[i], H5P_DEFAULT), "H5Oopen", obj[i]);
    const htri_t ex = H5Aexists(o, name[i]);
    SPR_H5_CHECK(rc, ex, "H5Aexists", obj[i]);
    if (ex > 0) SPR_H5_CHECK(rc, H5Adelete(o, name[i]), "H5Adelete", obj[i]);
    SPR_H5_CHECK(rc, space = H5Screate(H5S_SCALAR), "H5Screate", obj[i]);
    SPR_H5_CHECK(rc, a = H5Acreate2(o, name[i], H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate", obj[i]);
    SPR_H5_CHECK(rc, H5Awrite(a, H5T_NATIVE_UINT64, &v[i]), "H5Awrite", obj[i]);
    spr_h5_close(&a);
    spr_h5_close(&space);
    spr_h5_close(&o);
  }
cleanup:
  spr_h5_close(&a);
  spr_h5_close(&space);
  spr_h5_close(&o);
  if (f != H5I_INVALID_HID && H5Fclose(f) < 0 && rc == SPR_OK) rc = SPR_H5_FAIL("H5Fclose", path);
  return rc;
}

int spr_h5_hash(spr_h5_reader *r, const char *name, spr_h5_type type, uint64_t *hash) {
  const int64_t len = spr_h5_len(r, name);
  if (len < 0) return (int)len;
  const size_t esz = type == SPR_H5_U8 ? 1 : (type == SPR_H5_U32 || type == SPR_H5_F32) ? 4 : 8;
  const uint64_t step = (uint64_t)1 << 20;
  void *buf = malloc(step * esz);
  XXH3_state_t *st = XXH3_createState();
  int rc = (buf && st) ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory hashing", name);
  if (rc == SPR_OK) XXH3_64bits_reset(st);
  for (uint64_t at = 0; rc == SPR_OK && at < (uint64_t)len; at += step) {
    const uint64_t m = (uint64_t)len - at < step ? (uint64_t)len - at : step;
    rc = spr_h5_read(r, name, type, at, m, buf);
    if (rc == SPR_OK) XXH3_64bits_update(st, buf, m * esz); /* little-endian host (checked at build) */
  }
  if (rc == SPR_OK) *hash = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  free(buf);
  return rc;
}
