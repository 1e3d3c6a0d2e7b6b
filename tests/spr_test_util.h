/* spr_test_util.h: what the C tests and benches share besides the checks (spr_check.h): the
 * pseudo-random generators and a clock. Each caller of a generator keeps its own state and seed,
 * so every program draws its own reproducible sequence. Header-only. */
#ifndef SPR_TEST_UTIL_H
#define SPR_TEST_UTIL_H
#include <stdint.h>
#include <time.h>

/* Seconds on the monotonic clock (for intervals only). */
static inline double spr_test_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Marsaglia's xorshift64 (13, 7, 17): the next state, which is also the value. *s must not be 0. */
static inline uint64_t spr_test_xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* splitmix64: advances *s by the golden ratio and returns the mixed value. Any seed. */
static inline uint64_t spr_test_splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A float uniform in [-1, 1) from the top 53 bits of the next xorshift value. */
static inline float spr_test_xorshift_float(uint64_t *s) {
  return (float)((double)(spr_test_xorshift(s) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}
#endif /* SPR_TEST_UTIL_H */
