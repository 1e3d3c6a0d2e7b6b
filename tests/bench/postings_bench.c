/* postings_bench.c: speed of the block posting codec, scalar reference against AVX2.
 *   postings_bench [n_postings (default 4000000)] [repetitions (default 7)]
 * For several mean docid gaps (uniform in [1, 2 * gap - 1]) it encodes one list of n postings
 * and decodes it whole with each decoder, best of the repetitions, single thread. Prints a
 * Markdown table: bytes per posting, encode and decode speed in millions of postings per second.
 * Every decode is checked against the input. Numbers go in docs/postings.md. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spr_postings.h"
#include "spr_test_util.h"


static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) { return spr_test_xorshift(&rng); }

int main(int argc, char **argv) {
  const uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 4000000u;
  const int reps = argc > 2 ? atoi(argv[2]) : 7;
  if (n == 0 || reps <= 0) {
    fprintf(stderr, "usage: postings_bench [n_postings] [repetitions]\n");
    return 2;
  }
  uint32_t *ids = malloc((size_t)n * sizeof *ids), *out = malloc((size_t)n * sizeof *out);
  uint8_t *w = malloc(n), *wout = malloc(n);
  uint8_t *enc = malloc(spr_postings_bound(n));
  if (!ids || !out || !w || !wout || !enc) {
    fprintf(stderr, "postings_bench: out of memory\n");
    return 1;
  }
  const int have_avx2 = spr_postings_isa_supported(SPR_POSTINGS_ISA_AVX2);
  printf("postings_bench: %u postings, best of %d, one thread, decoders scalar%s\n\n",
         (unsigned)n, reps, have_avx2 ? " and avx2" : " (no AVX2 here)");
  printf("| mean gap | bits/delta | bytes/posting | encode Mpost/s | decode scalar Mpost/s "
         "| decode avx2 Mpost/s | avx2/scalar |\n");
  printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  static const uint32_t gaps[] = {1, 2, 8, 64, 1024, 65536};
  for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
    const uint32_t gap = gaps[g];
    uint64_t cur = rnd() % 1000;
    for (uint32_t i = 0; i < n; i++) {
      ids[i] = (uint32_t)cur;
      w[i] = (uint8_t)(1 + rnd() % 255);
      cur += gap == 1 ? 1 : 1 + rnd() % (2 * (uint64_t)gap - 1);
    }
    if (cur > UINT32_MAX) {
      printf("| %u | (list passes 2^32 at this n) | | | | | |\n", (unsigned)gap);
      continue;
    }
    int64_t len = 0;
    double t_enc = 1e30;
    for (int r = 0; r < reps; r++) {
      const double t0 = spr_test_now();
      len = spr_postings_encode(ids, w, n, enc, spr_postings_bound(n));
      const double t = spr_test_now() - t0;
      if (t < t_enc) t_enc = t;
    }
    if (len < 0) {
      fprintf(stderr, "postings_bench: encode failed: %s\n", spr_last_error());
      return 1;
    }
    uint64_t width_sum = 0; /* mean packed width, from the block headers */
    uint32_t blocks = 0;
    for (int64_t pos = 0; pos < len; blocks++) {
      const uint32_t m = n - blocks * SPR_POSTINGS_BLOCK < SPR_POSTINGS_BLOCK
                             ? n - blocks * SPR_POSTINGS_BLOCK
                             : SPR_POSTINGS_BLOCK;
      width_sum += enc[pos];
      pos += 5 + ((int64_t)(m - 1) * enc[pos] + 7) / 8 + m;
    }
    double best[3] = {0, 1e30, 1e30};
    for (int isa = SPR_POSTINGS_ISA_SCALAR; isa <= SPR_POSTINGS_ISA_AVX2; isa++) {
      if (isa == SPR_POSTINGS_ISA_AVX2 && !have_avx2) continue;
      for (int r = 0; r < reps; r++) {
        memset(out, 0, (size_t)n * sizeof *out);
        const double t0 = spr_test_now();
        const int64_t got = spr_postings_decode_isa((spr_postings_isa)isa, enc, (size_t)len, n,
                                                    out, wout);
        const double t = spr_test_now() - t0;
        if (got != n || memcmp(out, ids, (size_t)n * sizeof *ids) || memcmp(wout, w, n)) {
          fprintf(stderr, "postings_bench: %s decode wrong: %s\n",
                  spr_postings_isa_name((spr_postings_isa)isa), spr_last_error());
          return 1;
        }
        if (t < best[isa]) best[isa] = t;
      }
    }
    printf("| %u | %.2f | %.3f | %.0f | %.0f |", (unsigned)gap, (double)width_sum / blocks,
           (double)len / n, n / t_enc / 1e6, n / best[1] / 1e6);
    if (have_avx2)
      printf(" %.0f | %.2fx |\n", n / best[2] / 1e6, best[1] / best[2]);
    else
      printf(" - | - |\n");
  }
  free(enc);
  free(wout);
  free(w);
  free(out);
  free(ids);
  return 0;
}
