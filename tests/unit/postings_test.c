/* postings_test.c: unit tests of the block posting codec (kernels/spr_postings.h): round trips at
 * every delta width and list length, exact sizes and bounds, the 2^32 - 1 edge, input rejected by
 * the encoder, corrupt bytes rejected by the decoder (never reading past src_len + PAD: every
 * decode here reads from a heap buffer of exactly src_len + PAD bytes, so ASan builds catch an
 * over-read), and the SIMD decoder against the scalar reference on valid and mutated input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spr_postings.h"

#define SPR_CHECK_GO_ON
#define SPR_CHECK_MAX_FAILURES 20
#include "spr_check.h"
#include "spr_test_util.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { return spr_test_splitmix(&rng_state); }

static int have_avx2;
enum { MAXN = 1100 };
static uint32_t ids[MAXN], ids2[MAXN], ids3[MAXN];
static uint8_t wts[MAXN], w2[MAXN], w3[MAXN];

/* A copy of src in a heap buffer of exactly len + PAD bytes, the pad filled with `fill`. */
static uint8_t *padded(const uint8_t *src, size_t len, uint8_t fill) {
  uint8_t *p = malloc(len + SPR_POSTINGS_PAD);
  if (!p) abort();
  if (len) memcpy(p, src, len);
  memset(p + len, fill, SPR_POSTINGS_PAD);
  return p;
}

/* Decode with every available decoder and both pad fills; they must agree with each other.
 * Returns the scalar result; the scalar output is in ids2/w2. */
static int64_t decode_all(const uint8_t *src, size_t len, uint32_t n) {
  uint8_t *a = padded(src, len, 0x00), *b = padded(src, len, 0xFF);
  const int64_t rs = spr_postings_decode_isa(SPR_POSTINGS_ISA_SCALAR, a, len, n, ids2, w2);
  const int64_t rs2 = spr_postings_decode_isa(SPR_POSTINGS_ISA_SCALAR, b, len, n, ids3, w3);
  CHECK(rs == rs2);
  if (rs >= 0) CHECK(!memcmp(ids2, ids3, n * 4u) && !memcmp(w2, w3, n));
  if (have_avx2) {
    for (int f = 0; f < 2; f++) {
      memset(ids3, 0xCD, sizeof ids3);
      const int64_t rv = spr_postings_decode_isa(SPR_POSTINGS_ISA_AVX2, f ? b : a, len, n, ids3, w3);
      CHECK(rv == rs);
      if (rv >= 0 && rs >= 0) CHECK(!memcmp(ids2, ids3, n * 4u) && !memcmp(w2, w3, n));
      if (rv != rs) fprintf(stderr, "  n=%u len=%zu scalar %lld avx2 %lld\n", (unsigned)n, len,
                            (long long)rs, (long long)rv);
    }
  }
  free(a);
  free(b);
  return rs;
}

/* Fill ids[0..n) ascending with deltas of exactly width b (the largest delta uses bit b - 1),
 * starting at a first id that leaves room below 2^32, or ending at 2^32 - 1 if at_top. */
static void make_list(uint32_t n, unsigned b, int at_top) {
  const uint64_t maxd = b ? (b == 32 ? 0xFFFFFFFFull : (1ull << b) - 1) : 0;
  uint64_t d[MAXN];
  /* one delta uses bit b - 1 (so the width is exactly b); the others are random in range */
  const uint32_t forced = n > 1 ? 1 + (uint32_t)(rnd() % (n - 1)) : 0;
  uint64_t fval = 0;
  if (b) fval = (1ull << (b - 1)) + rnd() % (b == 32 ? (1ull << 31) - 4096 : (1ull << (b - 1)));
  for (uint32_t i = 1; i < n; i++) /* mix small and full-range deltas: every bit gets used */
    d[i] = (rnd() & 1) ? rnd() % (maxd + 1) : maxd - rnd() % ((maxd >> 3) + 1);
  uint64_t total;
  for (unsigned shift = 0;; shift++) { /* shrink the others until the list fits in 32 bits */
    total = 0;
    for (uint32_t i = 1; i < n; i++) {
      if (i == forced) d[i] = fval;
      else if (shift) d[i] >>= 1;
      total += d[i] + 1;
    }
    if (total <= 0xFFFFFFFFull) break;
  }
  const uint64_t room = 0xFFFFFFFFull - total;
  uint64_t cur = at_top ? room : (room ? rnd() % (room + 1) : 0);
  ids[0] = (uint32_t)cur;
  for (uint32_t i = 1; i < n; i++) {
    cur += d[i] + 1;
    ids[i] = (uint32_t)cur;
  }
  for (uint32_t i = 0; i < n; i++) wts[i] = (uint8_t)rnd();
}

static size_t expected_size(uint32_t n) { /* from the widths the list really has */
  size_t s = 0;
  for (uint32_t start = 0; start < n; start += SPR_POSTINGS_BLOCK) {
    const uint32_t m = n - start < 128 ? n - start : 128;
    uint32_t o = 0;
    for (uint32_t i = start + 1; i < start + m; i++) o |= ids[i] - ids[i - 1] - 1;
    const unsigned b = o ? 32 - (unsigned)__builtin_clz(o) : 0;
    s += 5 + ((size_t)(m - 1) * b + 7) / 8 + m;
  }
  return s;
}

static uint8_t enc[MAXN * 10];
static uint64_t offs[MAXN / 128 + 2];

/* Encode ids/wts, check sizes, and decode in every way. */
static void round_trip(uint32_t n) {
  const size_t bound = spr_postings_bound(n);
  CHECK(bound <= sizeof enc);
  const int64_t len = spr_postings_encode_list(ids, wts, n, enc, bound, offs);
  CHECK(len >= 0);
  if (len < 0) return;
  CHECK((size_t)len == expected_size(n));
  CHECK((size_t)len + SPR_POSTINGS_PAD <= bound);
  const int64_t len2 = spr_postings_encode(ids, wts, n, enc + len, bound);
  CHECK(len2 == len && !memcmp(enc, enc + len, (size_t)len));
  const uint32_t nb = spr_postings_blocks(n);
  CHECK(offs[0] == 0 && offs[nb] == (uint64_t)len);
  for (uint32_t j = 0; j < nb; j++) CHECK(offs[j] < offs[j + 1]);
  CHECK(decode_all(enc, (size_t)len, n) == n);
  CHECK(!memcmp(ids, ids2, n * 4u) && !memcmp(wts, w2, n));
  /* every block alone, from a list buffer with only PAD after it */
  uint8_t *list = padded(enc, (size_t)len, 0xEE);
  for (uint32_t j = 0; j < nb; j++) {
    const uint32_t m = n - 128 * j < 128 ? n - 128 * j : 128;
    CHECK(spr_postings_decode_block(list, (size_t)len, offs, n, j, ids3, w3) == m);
    CHECK(!memcmp(ids + 128 * j, ids3, m * 4u) && !memcmp(wts + 128 * j, w3, m));
    /* and the block's bytes as a one-block list */
    uint8_t *one = padded(enc + offs[j], (size_t)(offs[j + 1] - offs[j]), 0x11);
    CHECK(spr_postings_decode(one, (size_t)(offs[j + 1] - offs[j]), m, ids3, w3) == m);
    CHECK(!memcmp(ids + 128 * j, ids3, m * 4u));
    free(one);
  }
  free(list);
}

static void test_widths(void) {
  static const uint32_t ns[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 100, 127, 128, 129, 136, 255, 256,
                                257, 300, 1000};
  for (unsigned b = 0; b <= 32; b++)
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++)
      for (int rep = 0; rep < 3; rep++) {
        if (ns[t] == 1 && b > 0) continue;
        make_list(ns[t], b, rep == 2);
        round_trip(ns[t]);
        if (ns[t] <= 128) { /* one block: width is exactly b */
          CHECK(enc[0] == (ns[t] == 1 ? 0 : b));
        }
      }
}

static void test_edges(void) {
  /* n = 0 */
  CHECK(spr_postings_encode(ids, wts, 0, enc, 0) == 0);
  CHECK(spr_postings_bound(0) == SPR_POSTINGS_PAD);
  CHECK(decode_all(enc, 0, 0) == 0);
  CHECK(decode_all(enc, 1, 0) == SPR_ECORRUPT); /* trailing byte */
  /* the largest doc id, alone and after 0 (the largest possible delta, 2^32 - 2) */
  ids[0] = 0xFFFFFFFFu;
  wts[0] = 7;
  round_trip(1);
  CHECK(enc[0] == 0 && enc[1] == 0xFF && enc[4] == 0xFF);
  ids[0] = 0;
  ids[1] = 0xFFFFFFFFu;
  round_trip(2);
  CHECK(enc[0] == 32);
  /* consecutive ids up to the top: width 0 */
  for (uint32_t i = 0; i < 300; i++) ids[i] = 0xFFFFFFFFu - 299 + i;
  round_trip(300);
  CHECK(enc[0] == 0);
  /* a full block of large deltas (2^25, width 26) ending near the top */
  for (uint32_t i = 0; i < 128; i++) ids[i] = 0x01000000u + i * 0x02000001u;
  round_trip(128);
  CHECK(enc[0] == 26 && ids[127] == 0xFF00007Fu);
  /* bound grows as documented */
  CHECK(spr_postings_bound(128) == 5 + 127 * 4 + 128 + SPR_POSTINGS_PAD);
  CHECK(spr_postings_bound(129) == 5 + 127 * 4 + 128 + 5 + 1 + SPR_POSTINGS_PAD);
  CHECK(SPR_POSTINGS_BLOCK_MAX_BYTES == 5 + 127 * 4 + 128);
  CHECK(spr_postings_blocks(0) == 0 && spr_postings_blocks(128) == 1 &&
        spr_postings_blocks(129) == 2);
  CHECK(spr_postings_isa_supported(SPR_POSTINGS_ISA_SCALAR));
  CHECK(spr_postings_isa_best() != SPR_POSTINGS_ISA_AUTO);
}

static void test_encode_rejects(void) {
  for (uint32_t i = 0; i < 200; i++) ids[i] = 10 * i;
  ids[150] = ids[149]; /* identical ids */
  CHECK(spr_postings_encode(ids, wts, 200, enc, sizeof enc) == SPR_EINVAL);
  ids[150] = ids[149] - 1; /* descending */
  CHECK(spr_postings_encode(ids, wts, 200, enc, sizeof enc) == SPR_EINVAL);
  ids[150] = ids[149] + 10;
  ids[128] = ids[127]; /* across the block boundary */
  CHECK(spr_postings_encode(ids, wts, 200, enc, sizeof enc) == SPR_EINVAL);
  ids[128] = ids[127] + 10;
  CHECK(spr_postings_encode(NULL, wts, 200, enc, sizeof enc) == SPR_EINVAL);
  const int64_t len = spr_postings_encode(ids, wts, 200, enc, sizeof enc);
  CHECK(len > 0);
  /* exactly enough space works, one byte less does not and writes nothing past the cap */
  for (size_t cap = (size_t)len - 3; cap <= (size_t)len; cap++) {
    uint8_t *dst = malloc(cap + 8);
    memset(dst, 0x5A, cap + 8);
    const int64_t r = spr_postings_encode(ids, wts, 200, dst, cap);
    CHECK(cap == (size_t)len ? r == len : r == SPR_ENOSPACE);
    for (size_t i = cap; i < cap + 8; i++) CHECK(dst[i] == 0x5A);
    free(dst);
  }
}

/* One valid block of n postings in enc; returns its size. */
static size_t valid(uint32_t n, unsigned b) {
  make_list(n, b, 0);
  const int64_t len = spr_postings_encode(ids, wts, n, enc, sizeof enc);
  CHECK(len > 0);
  return (size_t)len;
}

static void expect_corrupt(const uint8_t *src, size_t len, uint32_t n, const char *what) {
  spr_clear_error();
  const int64_t r = decode_all(src, len, n);
  if (r != SPR_ECORRUPT) fprintf(stderr, "  %s: got %lld\n", what, (long long)r);
  CHECK(r == SPR_ECORRUPT);
  CHECK(strstr(spr_last_error(), "byte") != NULL);
}

static void test_corrupt(void) {
  /* truncated at every length, for several widths and counts */
  static const uint32_t ns[] = {1, 5, 9, 128, 129, 300};
  static const unsigned bs[] = {0, 1, 7, 13, 24, 25, 31};
  for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++)
    for (size_t u = 0; u < sizeof bs / sizeof bs[0]; u++) {
      if (ns[t] == 1 && bs[u]) continue;
      const size_t len = valid(ns[t], bs[u]);
      for (size_t cut = 0; cut < len; cut++) expect_corrupt(enc, cut, ns[t], "truncated");
      expect_corrupt(enc, len, ns[t] + 1, "count too large");
      enc[len] = 0;
      expect_corrupt(enc, len + 1, ns[t], "trailing byte");
    }
  /* bad width byte */
  size_t len = valid(100, 9);
  for (unsigned bad = 33; bad < 256; bad++) {
    enc[0] = (uint8_t)bad;
    expect_corrupt(enc, len, 100, "width > 32");
  }
  /* a width that does not match the length */
  len = valid(100, 9);
  enc[0] = 10;
  expect_corrupt(enc, len, 100, "width 10 for width-9 bytes");
  /* non-minimal width: re-pack with one more bit */
  {
    make_list(50, 5, 0);
    uint8_t blk[400] = {0};
    blk[0] = 6;
    memcpy(blk + 1, ids, 0); /* first id below */
    for (int i = 0; i < 4; i++) blk[1 + i] = (uint8_t)(ids[0] >> (8 * i));
    uint64_t bit = 0;
    for (uint32_t i = 1; i < 50; i++, bit += 6) {
      const uint32_t d = ids[i] - ids[i - 1] - 1;
      for (unsigned k = 0; k < 6; k++)
        if (d >> k & 1) blk[5 + (bit + k) / 8] |= (uint8_t)(1u << ((bit + k) % 8));
    }
    const size_t plen = (49 * 6 + 7) / 8;
    memcpy(blk + 5 + plen, wts, 50);
    expect_corrupt(blk, 5 + plen + 50, 50, "non-minimal width");
    blk[0] = 5; /* the same deltas at width 5 are not this byte string either */
    CHECK(decode_all(blk, 5 + plen + 50, 50) == SPR_ECORRUPT);
  }
  /* a single posting with a width */
  {
    const uint8_t one[] = {3, 1, 0, 0, 0, 0, 9};
    expect_corrupt(one, sizeof one, 1, "width for one posting");
  }
  /* non-zero padding bits after the deltas: 3 deltas of width 3 leave 7 spare bits */
  {
    ids[0] = 1, ids[1] = 3, ids[2] = 11, ids[3] = 12;
    len = (size_t)spr_postings_encode(ids, wts, 4, enc, sizeof enc);
    CHECK(len == 5 + 2 + 4 && enc[0] == 3);
    CHECK(decode_all(enc, len, 4) == 4);
    enc[6] |= 0x80;
    expect_corrupt(enc, len, 4, "padding bits");
  }
  /* overflow past 2^32 - 1, at every width and position, through every code path */
  for (unsigned b = 1; b <= 32; b++)
    for (uint32_t n = 2; n <= 128; n += (n < 20 ? 1 : 27)) {
      const size_t plen = ((size_t)(n - 1) * b + 7) / 8;
      uint8_t blk[700];
      memset(blk, 0, sizeof blk);
      blk[0] = (uint8_t)b;
      /* all deltas at the maximum: bytes of ones, padding bits cleared */
      memset(blk + 5, 0xFF, plen);
      const unsigned spare = (unsigned)(plen * 8 - (size_t)(n - 1) * b);
      if (spare) blk[5 + plen - 1] &= (uint8_t)(0xFFu >> spare);
      const uint64_t reach = (uint64_t)(n - 1) << b; /* last id - first */
      const uint64_t first = reach > 0xFFFFFFFFull ? 0 : 0xFFFFFFFFull - reach + 1;
      for (int i = 0; i < 4; i++) blk[1 + i] = (uint8_t)(first >> (8 * i));
      expect_corrupt(blk, 5 + plen + n, n, "overflow");
      if (first > 0) { /* one less and it just fits */
        for (int i = 0; i < 4; i++) blk[1 + i] = (uint8_t)((first - 1) >> (8 * i));
        CHECK(decode_all(blk, 5 + plen + n, n) == n);
        CHECK(ids2[n - 1] == 0xFFFFFFFFu);
      }
    }
  {
    const uint8_t top[] = {0, 0xFE, 0xFF, 0xFF, 0xFF, 1, 2, 3}; /* width 0 from 2^32 - 2 */
    expect_corrupt(top, sizeof top, 3, "consecutive past the top");
    CHECK(decode_all(top, sizeof top - 1, 2) == 2);
  }
  /* blocks out of order: second block starting at or below the first block's last id */
  {
    for (uint32_t i = 0; i < 200; i++) ids[i] = 1000 + 3 * i, wts[i] = 1;
    len = (size_t)spr_postings_encode_list(ids, wts, 200, enc, sizeof enc, offs);
    const uint32_t last = ids[127];
    for (int i = 0; i < 4; i++) enc[offs[1] + 1 + i] = (uint8_t)(last >> (8 * i));
    expect_corrupt(enc, len, 200, "blocks not ascending");
    /* decode_block checks one block only: that block is valid on its own */
    uint8_t *list = padded(enc, len, 0);
    CHECK(spr_postings_decode_block(list, len, offs, 200, 1, ids3, w3) == 72);
    CHECK(spr_postings_decode_block(list, len, offs, 200, 2, ids3, w3) == SPR_EINVAL);
    uint64_t bad[3] = {0, offs[1] + 1, len};
    CHECK(spr_postings_decode_block(list, len, bad, 200, 0, ids3, w3) == SPR_ECORRUPT);
    CHECK(spr_postings_decode_block(list, len, bad, 200, 1, ids3, w3) == SPR_ECORRUPT);
    bad[1] = offs[1];
    bad[2] = len + 1;
    CHECK(spr_postings_decode_block(list, len, bad, 200, 1, ids3, w3) == SPR_ECORRUPT);
    bad[1] = len + 5;
    CHECK(spr_postings_decode_block(list, len, bad, 200, 1, ids3, w3) == SPR_ECORRUPT);
    free(list);
  }
}

/* Differential: random lists and random mutations of their bytes; scalar and AVX2 agree on the
 * status and the values, and whatever decodes re-encodes to the same bytes (canonical format). */
static void test_mutations(void) {
  int decoded = 0;
  for (int iter = 0; iter < 3000; iter++) {
    const uint32_t n = 1 + (uint32_t)(rnd() % (iter < 1500 ? 140 : 700));
    const unsigned b = n == 1 ? 0 : (unsigned)(rnd() % 33);
    make_list(n, b, (int)(rnd() % 8 == 0));
    int64_t len = spr_postings_encode(ids, wts, n, enc, sizeof enc);
    CHECK(len > 0);
    const int flips = (int)(rnd() % 4);
    for (int f = 0; f < flips; f++) {
      const size_t at = (size_t)(rnd() % (uint64_t)len);
      if (rnd() & 1) enc[at] ^= (uint8_t)(1u << (rnd() % 8));
      else enc[at] = (uint8_t)rnd();
    }
    if (rnd() % 10 == 0) len -= (int64_t)(rnd() % (uint64_t)len);
    const uint32_t dn = rnd() % 10 == 0 ? (uint32_t)(rnd() % (n + 2)) : n;
    const int64_t r = decode_all(enc, (size_t)len, dn);
    CHECK(r == dn || r == SPR_ECORRUPT);
    decoded += r == dn;
    if (r == dn) {
      uint8_t again[MAXN * 10];
      CHECK(spr_postings_encode(ids2, w2, dn, again, sizeof again) == len);
      CHECK(!memcmp(again, enc, (size_t)len));
    }
  }
  printf("mutations: %d of 3000 decoded, the rest rejected by every decoder\n", decoded);
  CHECK(decoded > 300 && decoded < 2700);
}

int main(void) {
  have_avx2 = spr_postings_isa_supported(SPR_POSTINGS_ISA_AVX2);
  printf("decoders: scalar%s (best: %s)\n", have_avx2 ? ", avx2" : " (no AVX2 on this CPU)",
         spr_postings_isa_name(spr_postings_isa_best()));
  test_edges();
  test_widths();
  test_encode_rejects();
  test_corrupt();
  test_mutations();
  return spr_check_summary("postings");
}
