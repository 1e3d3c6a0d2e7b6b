/* spr_file.c: whole-file reading and atomic output (spr_file.h). */
#include "spr_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

int spr_file_read(const char *path, const char *what, char **out, size_t *len) {
  if (!path || !out || !len) return SPR_FAIL(SPR_EINVAL, "spr_file_read: NULL argument");
  *out = NULL;
  *len = 0;
  const char *sp = what ? " " : "", *w = what ? what : "";
  FILE *f = fopen(path, "rb");
  if (!f) return SPR_FAIL(SPR_EIO, "%s: cannot open%s%s: %s", path, sp, w, strerror(errno));
  struct stat st;
  /* a regular file's size is the first guess; a pipe grows the buffer as it goes */
  size_t cap = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16;
  size_t n = 0;
  char *buf = malloc(cap);
  int rc = buf ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading%s%s", path, sp, w);
  while (rc == SPR_OK) {
    if (cap - n < 2) {
      char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
      if (!nb) {
        rc = SPR_FAIL(SPR_ENOMEM, "%s: out of memory reading%s%s", path, sp, w);
        break;
      }
      buf = nb;
      cap *= 2;
    }
    const size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (rc == SPR_OK && ferror(f)) rc = SPR_FAIL(SPR_EIO, "%s: cannot read%s%s: %s", path, sp, w, strerror(errno));
  fclose(f);
  if (rc != SPR_OK) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return SPR_OK;
}

static char *spr_file_strdup(const char *s) {
  const size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int spr_out_open(spr_out *o, const char *path, const char *tmp) {
  if (!o || !path) return SPR_FAIL(SPR_EINVAL, "spr_out_open: NULL argument");
  memset(o, 0, sizeof *o);
  o->path = spr_file_strdup(path);
  if (tmp) {
    o->tmp = spr_file_strdup(tmp);
  } else if (o->path) {
    const size_t n = strlen(path) + 5;
    o->tmp = malloc(n);
    if (o->tmp) snprintf(o->tmp, n, "%s.tmp", path);
  }
  int rc = o->path && o->tmp ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "%s: out of memory", path);
  if (rc == SPR_OK) {
    o->f = fopen(o->tmp, "wb");
    if (!o->f) rc = SPR_FAIL(SPR_EIO, "%s: cannot create: %s", o->tmp, strerror(errno));
  }
  if (rc != SPR_OK) {
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
  }
  return rc;
}

int spr_out_finish(spr_out *o, int rc) {
  if (!o->f) return rc;
  FILE *f = o->f;
  o->f = NULL;
  if (rc == SPR_OK && (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0))
    rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", o->tmp, strerror(errno ? errno : EIO));
  if (fclose(f) != 0 && rc == SPR_OK) rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", o->tmp, strerror(errno));
  if (rc != SPR_OK && o->tmp) (void)unlink(o->tmp);
  return rc;
}

int spr_out_commit(spr_out *o) {
  if (!o->tmp || !o->path) return SPR_FAIL(SPR_EINVAL, "spr_out_commit: no output");
  if (rename(o->tmp, o->path) != 0) {
    const int rc = SPR_FAIL(SPR_EIO, "%s: cannot rename to %s: %s", o->tmp, o->path, strerror(errno));
    (void)unlink(o->tmp);
    return rc;
  }
  free(o->tmp); /* renamed: nothing to remove any more */
  o->tmp = NULL;
  return SPR_OK;
}

int spr_out_close(spr_out *o, int rc) {
  if (!o) return rc;
  const int was_open = o->f != NULL;
  rc = spr_out_finish(o, rc);
  if (rc == SPR_OK && was_open) rc = spr_out_commit(o);
  else if (rc != SPR_OK && o->tmp) (void)unlink(o->tmp);
  free(o->path);
  free(o->tmp);
  memset(o, 0, sizeof *o);
  return rc;
}

int spr_out_write_file(const char *path, const char *tmp, const void *text, size_t len) {
  spr_out o;
  SPR_TRY(spr_out_open(&o, path, tmp));
  int rc = SPR_OK;
  if (len && fwrite(text, 1, len, o.f) != len) rc = SPR_FAIL(SPR_EIO, "%s: write failed: %s", o.tmp, strerror(errno));
  return spr_out_close(&o, rc);
}

/* ---- content hashes ---------------------------------------------------------------------------- */

static int spr_hash_one_piece(int fd, const char *path, uint64_t off, uint64_t len, unsigned char *buf,
                              size_t cap, uint64_t *out) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  while (len > 0) {
    const size_t want = len < cap ? (size_t)len : cap;
    const ssize_t got = pread(fd, buf, want, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return SPR_FAIL(SPR_EIO, "%s: cannot read: %s", path, strerror(errno));
    if (got == 0) return SPR_FAIL(SPR_EIO, "%s: changed while being read (shorter than %llu bytes)", path,
                                  (unsigned long long)(off + len));
    XXH3_64bits_update(&st, buf, (size_t)got);
    off += (uint64_t)got;
    len -= (uint64_t)got;
  }
  *out = XXH3_64bits_digest(&st);
  return SPR_OK;
}

int spr_file_hash_pieces(const char *path, uint64_t size, uint64_t first, uint64_t count, uint64_t *out) {
  if (count == 0) return SPR_OK;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SPR_FAIL(SPR_EIO, "%s: cannot open: %s", path, strerror(errno));
  int rc = SPR_OK;
  char why[512] = ""; /* a worker's failure message (messages are per thread) */
#pragma omp parallel
  {
    const size_t cap = (size_t)1 << 20;
    unsigned char *buf = malloc(cap);
    int mine = buf ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "out of memory");
#pragma omp for schedule(dynamic, 1)
    for (uint64_t i = 0; i < count; i++) {
      if (mine != SPR_OK) continue;
      const uint64_t off = (first + i) * SPR_HASH_PIECE;
      const uint64_t len = size - off < SPR_HASH_PIECE ? size - off : SPR_HASH_PIECE;
      mine = spr_hash_one_piece(fd, path, off, len, buf, cap, &out[i]);
    }
#pragma omp critical(spr_file_hash)
    if (mine != SPR_OK && rc == SPR_OK) {
      rc = mine;
      snprintf(why, sizeof why, "%s", spr_last_message());
    }
    free(buf);
  }
  close(fd);
  return rc == SPR_OK ? SPR_OK : SPR_FAIL(rc, "%s", why);
}

uint64_t spr_file_hash_combine(const uint64_t *pieces, uint64_t n, uint64_t size) {
  XXH3_state_t st;
  XXH3_64bits_reset_withSeed(&st, size);
  for (uint64_t i = 0; i < n; i++) {
    unsigned char le[8];
    for (int b = 0; b < 8; b++) le[b] = (unsigned char)(pieces[i] >> (8 * b));
    XXH3_64bits_update(&st, le, sizeof le);
  }
  return XXH3_64bits_digest(&st);
}
