/* spr_select.h: quickselect in descending order, defined once for each key type that needs it
 * (the BMP hit buffer's u64 keys, the partitioned search's u32 scores). */
#ifndef SPR_SELECT_H
#define SPR_SELECT_H
#include <stdint.h>

/* SPR_DEFINE_SELECT_DESC(NAME, T) defines static void NAME(T *a, uint32_t n, uint32_t k): for
 * 1 <= k <= n, reorders a[0..n) so that a[k - 1] is the k-th largest and a[0..k - 1) holds the
 * larger ones or equal ones (median-of-three pivots, O(n) expected). */
#define SPR_DEFINE_SELECT_DESC(NAME, T)                                                              \
  static void NAME(T *a, uint32_t n, uint32_t k) {                                                   \
    int64_t lo = 0, hi = (int64_t)n - 1;                                                             \
    const int64_t t = (int64_t)k - 1;                                                                \
    while (hi > lo) {                                                                                \
      const int64_t mid = lo + (hi - lo) / 2;                                                        \
      const T x = a[lo], y = a[mid], z = a[hi];                                                      \
      const T pv = x > y ? (y > z ? y : (x > z ? z : x)) : (x > z ? x : (y > z ? z : y));            \
      int64_t i = lo, j = hi;                                                                        \
      while (i <= j) { /* a[lo, i) >= pv >= a(j, hi] */                                              \
        while (a[i] > pv) i++;                                                                       \
        while (a[j] < pv) j--;                                                                       \
        if (i <= j) {                                                                                \
          const T s_ = a[i];                                                                         \
          a[i++] = a[j];                                                                             \
          a[j--] = s_;                                                                               \
        }                                                                                            \
      }                                                                                              \
      if (t <= j)                                                                                    \
        hi = j;                                                                                      \
      else if (t >= i)                                                                               \
        lo = i;                                                                                      \
      else                                                                                           \
        return; /* j < t < i: a[t] == pv, in its place */                                           \
    }                                                                                                \
  }
#endif /* SPR_SELECT_H */
