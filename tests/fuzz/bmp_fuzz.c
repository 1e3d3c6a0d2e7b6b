/* bmp_fuzz.c: fuzz target for the BMP structure validator spr_bmp_index_check (kernels/spr_bmp.h)
 * on structures decoded from the input, and for the search on whatever it accepts.
 * Input (little endian; reads past the end give 0):
 *   u8 block_size - 4 (mod 253), u16 n_docs (mod 2049), u8 n_terms (mod 65), u8 flags
 *   (bit 0: kth present; bit 1: n_blocks from the next byte instead of ceil(n_docs / block_size)),
 *   u8 unused (was the superblock size, removed in session 16; kept so that the committed corpus
 *   decodes as before), then
 *   bm_off[n_terms + 1] as i16 deltas, bm_block[] (u16), bm_max[] (u8),
 *   fw_off[n_blocks + 1] as i16 deltas, fw_term[] (u8), fw_start[] (u8), fw_count[] (u8),
 *   fw_post_off[n_blocks + 1] as i16 deltas, fw_doc[] (u8), fw_imp[] (u8), kth[3 n_terms] (u8),
 *   query weights[n_terms] (u8).
 * Every array is a heap block of exactly its length (the last offset), so ASan reports any read
 * outside; inputs whose last offsets exceed 65536 are skipped (the loader sizes arrays by them).
 * Properties: the check returns 0 or SPR_ECORRUPT; on an index that passes it and
 * spr_bmp_index_check_consistency, the exact search (alpha = beta = 1) returns the brute-force
 * top 10 computed from the forward postings, and so do the searches with the term-major and the
 * document-major acceleration (SIMD and scalar dense rows).
 * Built as a libFuzzer target with -DSPR_BUILD_FUZZERS=ON (clang), and linked into bmp_replay
 * (fuzz_replay.c), which runs the committed corpus/bmp under CTest. */
#include "fuzz_common.h"
#include "spr_bmp.h"

#define CAP 65536u
#define TOPK 10u

typedef struct reader {
  const uint8_t *p;
  size_t n, pos;
  void *mem[12]; /* owned: the arrays read so far (reader_free) */
  int nm;
} reader;

/* Remember p (not NULL) as owned by r; returns p. */
static void *reader_keep(reader *r, void *p) {
  FUZZ_CHECK(p != NULL && r->nm < (int)(sizeof r->mem / sizeof r->mem[0]));
  return r->mem[r->nm++] = p;
}
static void reader_free(reader *r) {
  for (int i = 0; i < r->nm; i++) free(r->mem[i]);
  r->nm = 0;
}

static uint32_t get8(reader *r) { return r->pos < r->n ? r->p[r->pos++] : 0; }
static uint32_t get16(reader *r) { return get8(r) | get8(r) << 8; }

/* n + 1 offsets from i16 deltas (wrapping: a negative start or step makes them decrease). */
static uint64_t *get_offsets(reader *r, uint32_t n) {
  uint64_t *o = reader_keep(r, malloc(((size_t)n + 1) * sizeof *o));
  uint64_t cur = 0;
  for (uint32_t i = 0; i <= n; i++) {
    cur += (uint64_t)(int64_t)(int16_t)get16(r);
    o[i] = cur;
  }
  return o;
}

/* The offsets of n lists (get_offsets) into *off and their total, the last offset, into *total;
 * 0 when the total is over CAP (the input is skipped), else 1. */
static int get_lists(reader *r, uint32_t n, const uint64_t **off, uint64_t *total) {
  const uint64_t *o = get_offsets(r, n);
  *off = o;
  *total = o[n];
  return *total <= CAP;
}

static void *get_array(reader *r, uint64_t n, size_t es, int wide) {
  void *a = reader_keep(r, malloc(n ? n * es : 1));
  for (uint64_t i = 0; i < n; i++) {
    const uint32_t v = wide ? get16(r) : get8(r);
    if (es == 4) ((uint32_t *)a)[i] = v;
    else if (es == 2) ((uint16_t *)a)[i] = (uint16_t)v;
    else ((uint8_t *)a)[i] = (uint8_t)v;
  }
  return a;
}

static int cmp_hit(const void *a, const void *b) {
  const spr_hit *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Brute-force top TOPK of the query from the forward postings. Returns the number of hits. */
static uint32_t brute(const spr_bmp_index *ix, const uint32_t *w, spr_hit *out) {
  uint32_t *score = calloc(ix->n_docs ? ix->n_docs : 1, sizeof *score);
  FUZZ_CHECK(score != NULL);
  for (uint32_t b = 0; b < ix->n_blocks; b++)
    for (uint64_t e = ix->fw_off[b]; e < ix->fw_off[b + 1]; e++)
      for (uint64_t i = 0; i < ix->fw_count[e]; i++) {
        const uint64_t p = ix->fw_post_off[b] + ix->fw_start[e] + i;
        score[b * ix->block_size + ix->fw_doc[p]] += w[ix->fw_term[e]] * ix->fw_imp[p];
      }
  spr_hit *all = malloc((ix->n_docs ? ix->n_docs : 1) * sizeof *all);
  FUZZ_CHECK(all != NULL);
  uint32_t n = 0;
  for (uint32_t d = 0; d < ix->n_docs; d++)
    if (score[d]) all[n++] = (spr_hit){.score = score[d], .doc = d};
  qsort(all, n, sizeof *all, cmp_hit);
  if (n > TOPK) n = TOPK;
  memcpy(out, all, n * sizeof *out);
  free(all);
  free(score);
  return n;
}

/* 1 when ix->kth holds the true 10th/100th/1000th largest impacts of every term. The checks bound
 * kth only by the term's largest block max, so a corrupt kth that passes them is possible: the
 * exact search then seeds its threshold too high and may miss hits (noted in docs/reliability.md). */
static int kth_exact(const spr_bmp_index *ix) {
  const uint64_t np = ix->fw_post_off[ix->n_blocks];
  uint8_t *imp = malloc(np ? np : 1);
  FUZZ_CHECK(imp != NULL);
  int ok = 1;
  for (uint32_t t = 0; t < ix->n_terms && ok; t++) {
    uint32_t n = 0;
    for (uint32_t b = 0; b < ix->n_blocks; b++)
      for (uint64_t e = ix->fw_off[b]; e < ix->fw_off[b + 1]; e++)
        if (ix->fw_term[e] == t)
          for (uint64_t i = 0; i < ix->fw_count[e]; i++)
            imp[n++] = ix->fw_imp[ix->fw_post_off[b] + ix->fw_start[e] + i];
    uint8_t k3[3];
    spr_bmp_kth(imp, n, k3);
    ok = !memcmp(k3, ix->kth + 3 * (size_t)t, 3);
  }
  free(imp);
  return ok;
}

static void search_equals(const spr_bmp_index *ix, const spr_qterm *q, uint32_t nq,
                          const spr_hit *want, uint32_t nwant) {
  const spr_bmp_params p = {.k = TOPK, .alpha = 1.0, .beta = 1.0};
  void *ws = malloc(spr_bmp_workspace_size(ix, TOPK, nq) + 8);
  FUZZ_CHECK(ws != NULL);
  spr_hit got[TOPK];
  const int64_t n = spr_bmp_search(ix, q, nq, &p, 0, ws, got, NULL);
  FUZZ_CHECK(n == (int64_t)nwant);
  for (uint32_t i = 0; i < nwant; i++) FUZZ_CHECK(got[i].score == want[i].score && got[i].doc == want[i].doc);
  free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {.p = data, .n = size};
  spr_bmp_index ix;
  memset(&ix, 0, sizeof ix);
  ix.block_size = 4 + get8(&r) % 253;
  ix.n_docs = get16(&r) % 2049;
  ix.n_terms = get8(&r) % 65;
  const uint32_t flags = get8(&r);
  (void)get8(&r); /* unused (was the superblock size) */
  ix.n_blocks = (flags & 2) ? get8(&r) : (ix.n_docs + ix.block_size - 1) / ix.block_size;
  uint64_t ne, nf, np; /* entries of the block maxima, forward entries, forward postings */
  if (!get_lists(&r, ix.n_terms, &ix.bm_off, &ne)) goto done;
  ix.bm_block = get_array(&r, ne, 4, 1);
  ix.bm_max = get_array(&r, ne, 1, 0);
  if (!get_lists(&r, ix.n_blocks, &ix.fw_off, &nf)) goto done;
  ix.fw_term = get_array(&r, nf, 4, 0);
  ix.fw_start = get_array(&r, nf, 4, 0);
  ix.fw_count = get_array(&r, nf, 2, 0);
  if (!get_lists(&r, ix.n_blocks, &ix.fw_post_off, &np)) goto done;
  ix.fw_doc = get_array(&r, np, 1, 0);
  ix.fw_imp = get_array(&r, np, 1, 0);
  if (flags & 1) ix.kth = get_array(&r, 3 * (uint64_t)ix.n_terms, 1, 0);

  /* decreasing offsets must be refused before any entry is read (fixed: crashes/bmp input now in
   * the corpus) */
  const int rc = spr_bmp_index_check(&ix);
  FUZZ_CHECK(rc == 0 || rc == SPR_ECORRUPT);
  if (rc != 0) goto done;
  void *cws = malloc(spr_bmp_check_workspace_size(&ix));
  FUZZ_CHECK(cws != NULL);
  const int crc = spr_bmp_index_check_consistency(&ix, cws);
  free(cws);
  FUZZ_CHECK(crc == 0 || crc == SPR_ECORRUPT);
  if (crc != 0) goto done;

  uint32_t w[65] = {0};
  spr_qterm q[65];
  uint32_t nq = 0;
  for (uint32_t t = 0; t < ix.n_terms; t++) {
    w[t] = get8(&r);
    if (w[t]) q[nq++] = (spr_qterm){.term = t, .weight = w[t]};
  }
  if (ix.kth && !kth_exact(&ix)) goto done; /* seeding from false kth values may prune (see below) */
  spr_hit want[TOPK];
  const uint32_t nwant = brute(&ix, w, want);
  search_equals(&ix, q, nq, want, nwant);
  /* with the acceleration in both layouts (dense rows for terms in at least half the blocks) */
  for (int major = 0; major < 2; major++) {
    spr_bmp_index ax = ix;
    const size_t abytes = spr_bmp_accel_size(&ix, 2, (spr_bmp_major)major);
    uint64_t *abuf = malloc(abytes + 8);
    FUZZ_CHECK(abuf != NULL);
    FUZZ_CHECK(spr_bmp_accel_build(&ax, 2, (spr_bmp_major)major, abuf, abytes) == 0);
    search_equals(&ax, q, nq, want, nwant);
    ax.dn_scalar = 1;
    search_equals(&ax, q, nq, want, nwant);
    free(abuf);
  }
done:
  reader_free(&r);
  return 0;
}

/* ---- seeds: valid structures from random postings, then broken copies ---- */

typedef struct writer {
  uint8_t *p;
  size_t n;
} writer;
static void put8(writer *w, uint32_t v) { w->p[w->n++] = (uint8_t)v; }
static void put16(writer *w, uint32_t v) { put8(w, v & 0xFF), put8(w, v >> 8); }
static void put_offsets(writer *w, const uint64_t *o, uint32_t n) {
  uint64_t prev = 0;
  for (uint32_t i = 0; i <= n; i++) {
    put16(w, (uint32_t)(uint16_t)(int16_t)(o[i] - prev));
    prev = o[i];
  }
}

/* Encodes a valid index of n_docs docs, n_terms terms (density 1/den) with block size bs into
 * out (capacity 1 MiB); corrupt: 0 none, 1 a zero impact, 2 a block id out of order. */
static size_t make_seed(uint8_t *out, uint32_t n_docs, uint32_t n_terms, uint32_t bs, uint32_t den,
                        uint32_t seed, int corrupt) {
  uint64_t *off = calloc(n_terms + 1, sizeof *off);
  uint32_t *docs = malloc((size_t)n_docs * n_terms * sizeof *docs);
  uint8_t *imp = malloc((size_t)n_docs * n_terms);
  uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (uint32_t t = 0; t < n_terms; t++) {
    off[t + 1] = off[t];
    for (uint32_t d = 0; d < n_docs; d++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      if (x % den == 0) {
        docs[off[t + 1]] = d;
        imp[off[t + 1]++] = (uint8_t)(1 + (x >> 8) % 255);
      }
    }
  }
  uint64_t n_e = 0, n_p = 0;
  FUZZ_CHECK(spr_bmp_sizes(off, docs, n_terms, n_docs, bs, &n_e, &n_p) == 0);
  const uint32_t nb = (n_docs + bs - 1) / bs;
  uint64_t *bm_off = malloc((n_terms + 1) * sizeof *bm_off);
  uint32_t *bm_block = malloc((n_e + 1) * sizeof *bm_block), *fw_term = malloc((n_e + 1) * 4);
  uint32_t *fw_start = malloc((n_e + 1) * 4);
  uint8_t *bm_max = malloc(n_e + 1), *fw_doc = malloc(n_p + 1), *fw_imp = malloc(n_p + 1);
  uint16_t *fw_count = malloc((n_e + 1) * 2);
  uint64_t *fw_off = malloc((nb + 1) * 8), *fw_post_off = malloc((nb + 1) * 8);
  void *ws = malloc(spr_bmp_forward_workspace_size(nb) + 8);
  FUZZ_CHECK(spr_bmp_blockmax_build(off, docs, imp, n_terms, bs, bm_off, bm_block, bm_max) == 0);
  FUZZ_CHECK(spr_bmp_forward_build(off, docs, imp, n_terms, n_docs, bs, ws, fw_off, fw_term,
                                   fw_start, fw_count, fw_post_off, fw_doc, fw_imp) == 0);
  if (corrupt == 1 && n_p) fw_imp[n_p / 2] = 0;
  if (corrupt == 2 && n_e > 1) bm_block[1] = bm_block[0];
  writer w = {out, 0};
  put8(&w, bs - 8), put16(&w, n_docs), put8(&w, n_terms), put8(&w, 1), put8(&w, 0); /* flags: kth; unused byte */
  put_offsets(&w, bm_off, n_terms);
  for (uint64_t e = 0; e < n_e; e++) put16(&w, bm_block[e]);
  for (uint64_t e = 0; e < n_e; e++) put8(&w, bm_max[e]);
  put_offsets(&w, fw_off, nb);
  for (uint64_t e = 0; e < n_e; e++) put8(&w, fw_term[e]);
  for (uint64_t e = 0; e < n_e; e++) put8(&w, fw_start[e]);
  for (uint64_t e = 0; e < n_e; e++) put8(&w, fw_count[e]);
  put_offsets(&w, fw_post_off, nb);
  for (uint64_t i = 0; i < n_p; i++) put8(&w, fw_doc[i]);
  for (uint64_t i = 0; i < n_p; i++) put8(&w, fw_imp[i]);
  for (uint32_t t = 0; t < n_terms; t++) {
    uint8_t k3[3];
    spr_bmp_kth(imp + off[t], (uint32_t)(off[t + 1] - off[t]), k3);
    put8(&w, k3[0]), put8(&w, k3[1]), put8(&w, k3[2]);
  }
  for (uint32_t t = 0; t < n_terms; t++) put8(&w, t % 3 ? 1 + t * 7 % 255 : 0);
  free(ws), free(fw_post_off), free(fw_off), free(fw_count), free(fw_imp), free(fw_doc);
  free(bm_max), free(fw_start), free(fw_term), free(bm_block), free(bm_off), free(imp), free(docs);
  free(off);
  return w.n;
}

int fuzz_make_seeds(const char *dir) {
  static const struct {
    const char *name;
    uint32_t n_docs, n_terms, bs, den, seed;
    int corrupt;
  } seeds[] = {
      {"valid-small", 20, 4, 8, 2, 1, 0},      {"valid-bs16", 100, 12, 16, 4, 2, 0},
      {"valid-dense", 64, 6, 8, 1, 3, 0},      {"valid-sparse", 300, 20, 32, 25, 4, 0},
      {"valid-bs256", 600, 8, 256, 9, 5, 0},   {"valid-empty", 0, 3, 8, 1, 6, 0},
      {"corrupt-impact", 40, 5, 8, 3, 7, 1},   {"corrupt-order", 40, 5, 8, 3, 8, 2},
  };
  uint8_t *buf = malloc(1u << 20);
  if (!buf) return -1;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    const size_t n = make_seed(buf, seeds[i].n_docs, seeds[i].n_terms, seeds[i].bs, seeds[i].den,
                               seeds[i].seed, seeds[i].corrupt);
    if (fuzz_seed(dir, seeds[i].name, buf, n) != 0) {
      free(buf);
      return -1;
    }
  }
  fuzz_seed(dir, "short", buf, 7);
  free(buf);
  return 0;
}
