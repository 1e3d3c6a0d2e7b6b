/* spr_docs.c: a rank's document store while the index is built (spr_docs.h): documents appended
 * in order, their postings merged and sorted, the weights' width, and the spill to a temporary
 * file in bounded memory. Local work: no MPI, no HDF5. */
#include "spr_docs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spr_mem.h"

void spr_build_local_free(spr_build_local *l) {
  free(l->ids);
  free(l->id_off);
  free(l->dl);
  free(l->line);
  free(l->post_off);
  free(l->tid);
  free(l->w);
  free(l->orig);
  free(l->sort_tmp);
  if (l->spill.on) close(l->spill.fd);
  free(l->spill.keep);
  memset(l, 0, sizeof *l);
}

int spr_build_grow(void **p, uint64_t *cap, uint64_t need, size_t esz) {
  if (need <= *cap) return SPR_OK;
  uint64_t nc = *cap ? *cap : 1024;
  while (nc < need) nc *= 2;
  void *q = realloc(*p, nc * esz);
  if (!q) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (%llu elements)", (unsigned long long)nc);
  spr_big_advise(q, nc * esz); /* the grown part's first touch: huge pages (kernels/spr_mem.h) */
  *p = q;
  *cap = nc;
  return SPR_OK;
}

uint64_t spr_build_max_doc_postings(const spr_build_local *l) {
  uint64_t m = 0;
  for (uint64_t d = 0; d < l->n_docs; d++) {
    const uint64_t n = l->post_off[d + 1] - l->post_off[d];
    m = n > m ? n : m;
  }
  return m;
}

/* Sort pairs by term, stably (a vector's repeated key sums in input order, as before). Up to 32
 * pairs: insertion sort. More: an LSD radix sort on the term's bytes (as many as the largest term
 * needs) through tmp (n elements). A document's ~120 pairs arrive in random term order, and the
 * merge sort this replaces spent ~75 cycles per pair on mispredicted comparisons: a fifth of the
 * reading time of a vector corpus. */
void spr_sort_pairs(spr_pair *a, size_t n, spr_pair *tmp) {
  if (n <= 32) {
    for (size_t i = 1; i < n; i++) {
      const spr_pair x = a[i];
      size_t j = i;
      while (j > 0 && a[j - 1].term > x.term) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = x;
    }
    return;
  }
  uint32_t hi = 0;
  for (size_t i = 0; i < n; i++) hi |= a[i].term;
  int passes = 1;
  while (passes < 4 && (hi >> (8 * passes))) passes++;
  size_t cnt[4][256];
  memset(cnt, 0, sizeof cnt[0] * (size_t)passes);
  for (size_t i = 0; i < n; i++)
    for (int p = 0; p < passes; p++) cnt[p][(a[i].term >> (8 * p)) & 255]++;
  spr_pair *src = a, *dst = tmp;
  for (int p = 0; p < passes; p++) {
    size_t sum = 0;
    for (int k = 0; k < 256; k++) {
      const size_t c = cnt[p][k];
      cnt[p][k] = sum;
      sum += c;
    }
    const int sh = 8 * p;
    for (size_t i = 0; i < n; i++) dst[cnt[p][(src[i].term >> sh) & 255]++] = src[i];
    spr_pair *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* The weights become doubles: the first n (floats) are converted in place, from the last one down
 * (a double at i covers floats 2i and 2i + 1, already converted). */
static int spr_build_widen(spr_build_local *l, uint64_t n) {
  void *q = realloc(l->w, (l->w_cap ? l->w_cap : 1) * sizeof(double));
  if (!q) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (%llu weights)", (unsigned long long)l->w_cap);
  spr_big_advise(q, l->w_cap * sizeof(double));
  const float *f = q;
  double *d = q;
  for (uint64_t i = n; i-- > 0;) d[i] = (double)f[i];
  l->w = q;
  l->w_f64 = 1;
  return SPR_OK;
}

int spr_build_add_doc(spr_build_local *l, const char *id, size_t id_len, uint64_t line, spr_pair *pairs,
                      size_t np) {
  return spr_build_add_doc_distinct(l, id, id_len, line, pairs, np, 0);
}

int spr_build_add_doc_distinct(spr_build_local *l, const char *id, size_t id_len, uint64_t line, spr_pair *pairs,
                               size_t np, int distinct) {
  const uint64_t n = l->n_docs;
  SPR_TRY(spr_build_grow((void **)&l->line, &l->line_cap, n + 1, sizeof *l->line));
  l->line[n] = line;
  SPR_TRY(spr_build_grow((void **)&l->dl, &l->dl_cap, n + 1, sizeof *l->dl));
  SPR_TRY(spr_build_grow((void **)&l->post_off, &l->post_off_cap, n + 2, sizeof *l->post_off));
  SPR_TRY(spr_build_grow((void **)&l->id_off, &l->id_off_cap, n + 2, sizeof *l->id_off));
  if (n == 0) l->post_off[0] = 0;
  SPR_TRY(spr_build_grow((void **)&l->ids, &l->ids_cap, l->ids_len + id_len, 1));
  memcpy(l->ids + l->ids_len, id, id_len);
  l->ids_len += id_len;
  l->id_off[n + 1] = l->ids_len;
  l->dl[n] = (uint32_t)np;
  int sorted = 1; /* vectors and SPLADE output often arrive sorted already */
  for (size_t i = 1; i < np && sorted && !distinct; i++) sorted = pairs[i - 1].term < pairs[i].term;
  if (!sorted) {
    SPR_TRY(spr_build_grow((void **)&l->sort_tmp, &l->sort_cap, np, sizeof *l->sort_tmp));
    spr_sort_pairs(pairs, np, l->sort_tmp);
  }
  const uint64_t at0 = l->n_post - l->post_base; /* bounded memory: earlier postings were spilled */
  SPR_TRY(spr_build_grow((void **)&l->tid, &l->tid_cap, at0 + np + 1, sizeof *l->tid));
  SPR_TRY(spr_build_grow(&l->w, &l->w_cap, at0 + np + 1, spr_build_w_size(l)));
  uint32_t *tid = l->tid + at0;
  size_t m = 0; /* repeated terms are summed: at most np postings */
  for (size_t i = 0; i < np;) {
    size_t j = i;
    double w = 0;
    while (j < np && pairs[j].term == pairs[i].term) w += pairs[j++].weight;
    if (!l->w_f64 && (double)(float)w != w) SPR_TRY(spr_build_widen(l, at0 + m));
    tid[m] = pairs[i].term;
    if (l->w_f64) ((double *)l->w)[at0 + m] = w;
    else ((float *)l->w)[at0 + m] = (float)w;
    m++;
    i = j;
  }
  l->n_post += m;
  l->post_off[n + 1] = l->n_post;
  l->n_docs++;
  if (l->spill.on && l->n_post - l->post_base >= l->spill.cap) SPR_TRY(spr_spill_flush(l));
  return SPR_OK;
}

/* ------------------------------------------------------------------ spill files */

int spr_spill_tmpfile(const char *dir, int *fd) {
  const size_t n = strlen(dir) + 32;
  char *path = malloc(n);
  if (!path) return SPR_FAIL(SPR_ENOMEM, "out of memory");
  snprintf(path, n, "%s/.spire-spill-XXXXXX", dir);
  const int f = mkstemp(path);
  int rc = SPR_OK;
  if (f < 0) rc = SPR_FAIL(SPR_EIO, "%s: cannot create a spill file there: %s (set spill_dir)", dir, strerror(errno));
  else {
    unlink(path); /* anonymous from now on: the space returns when the descriptor closes */
    *fd = f;
  }
  free(path);
  return rc;
}

int spr_spill_write(int fd, const void *buf, uint64_t n, const char *dir) {
  const char *b = buf;
  while (n > 0) {
    const ssize_t w = write(fd, b, n > (1u << 30) ? (1u << 30) : (size_t)n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      return SPR_FAIL(SPR_EIO, "%s: writing a spill file: %s", dir, w < 0 ? strerror(errno) : "no progress");
    b += w;
    n -= (uint64_t)w;
  }
  return SPR_OK;
}

int spr_wbuf_open(spr_wbuf *w, const char *dir, size_t cap) {
  memset(w, 0, sizeof *w);
  w->fd = -1;
  w->dir = dir;
  w->b = malloc(cap);
  if (!w->b) return SPR_FAIL(SPR_ENOMEM, "index build: out of memory (file buffer)");
  w->cap = cap;
  return spr_spill_tmpfile(dir, &w->fd);
}

int spr_wbuf_flush(spr_wbuf *w) {
  const int rc = spr_spill_write(w->fd, w->b, w->n, w->dir);
  w->n = 0;
  return rc;
}

int spr_wbuf_put(spr_wbuf *w, const void *p, size_t n) {
  w->size += n;
  if (w->n + n > w->cap) {
    SPR_TRY(spr_wbuf_flush(w));
    if (n > w->cap) return spr_spill_write(w->fd, p, n, w->dir);
  }
  memcpy(w->b + w->n, p, n);
  w->n += n;
  return SPR_OK;
}

void spr_wbuf_close(spr_wbuf *w) {
  if (w->fd >= 0) close(w->fd);
  free(w->b);
  memset(w, 0, sizeof *w);
  w->fd = -1;
}

int spr_rbuf_open(spr_rbuf *r, int fd, uint64_t off, uint64_t end, size_t cap) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  r->off = off;
  r->end = end;
  r->cap = cap;
  r->b = malloc(cap);
  return r->b ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (read buffer)");
}

int spr_rbuf_get(spr_rbuf *r, void *dst, size_t n) {
  char *d = dst;
  while (n > 0) {
    if (r->pos == r->n) {
      const uint64_t want = r->end - r->off < r->cap ? r->end - r->off : r->cap;
      if (want == 0) return SPR_FAIL(SPR_EIO, "spill file: unexpected end at byte %llu", (unsigned long long)r->off);
      const ssize_t g = pread(r->fd, r->b, (size_t)want, (off_t)r->off);
      if (g < 0 && errno == EINTR) continue;
      if (g <= 0)
        return SPR_FAIL(SPR_EIO, "spill file: reading at byte %llu: %s", (unsigned long long)r->off,
                        g < 0 ? strerror(errno) : "unexpected end");
      r->off += (uint64_t)g;
      r->n = (size_t)g;
      r->pos = 0;
    }
    const size_t k = r->n - r->pos < n ? r->n - r->pos : n;
    memcpy(d, r->b + r->pos, k);
    r->pos += k;
    d += k;
    n -= k;
  }
  return SPR_OK;
}

void spr_rbuf_close(spr_rbuf *r) {
  free(r->b);
  memset(r, 0, sizeof *r);
}

int spr_spill_flush(spr_build_local *l) {
  spr_wbuf w;
  memset(&w, 0, sizeof w);
  w.fd = l->spill.fd;
  w.dir = l->spill.dir;
  w.cap = 1u << 20;
  w.b = malloc(w.cap);
  int rc = w.b ? SPR_OK : SPR_FAIL(SPR_ENOMEM, "index build: out of memory (spill)");
  for (uint64_t d = l->spill.docs; rc == SPR_OK && d < l->n_docs; d++) {
    const uint64_t s = l->post_off[d], e = l->post_off[d + 1];
    const uint32_t cnt = (uint32_t)(e - s);
    rc = spr_wbuf_put(&w, &cnt, sizeof cnt);
    for (uint64_t i = s; rc == SPR_OK && i < e; i++) {
      char rec[12];
      memcpy(rec, &l->tid[i - l->post_base], 4);
      const double wt = spr_build_w(l, i - l->post_base);
      memcpy(rec + 4, &wt, 8);
      rc = spr_wbuf_put(&w, rec, sizeof rec);
    }
  }
  if (rc == SPR_OK) rc = spr_wbuf_flush(&w);
  free(w.b);
  if (rc == SPR_OK) {
    l->spill.bytes += w.size;
    l->spill.docs = l->n_docs;
    l->post_base = l->n_post;
  }
  return rc;
}

