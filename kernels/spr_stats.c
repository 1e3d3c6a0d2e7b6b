/* spr_stats.c: Student t CDF through the regularized incomplete beta, paired t-test, Holm.
 *
 * The incomplete beta uses the classical continued fraction (DLMF 8.17.22)
 *   I_x(a,b) = x^a y^b / (a B(a,b)) * 1/(1+ d1/(1+ d2/(1+ ...))),  y = 1 - x,
 *   d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),  d_{2m} = m(b-m) x / ((a+2m-1)(a+2m)),
 * evaluated with the modified Lentz method. It converges fast for x < (a+1)/(a+b+2); above that
 * the symmetry I_x(a,b) = 1 - I_y(b,a) is used. x and y are passed separately so that a t
 * statistic near 0 (x near 1) keeps its digits: y = t^2/(df+t^2) is computed directly. */
#include "spr_stats.h"

#include <math.h>

#define SPR_STATS_EPS 1e-15
#define SPR_STATS_TINY 1e-300
#define SPR_STATS_MAX_ITER 10000

/* The continued fraction part of I_x(a,b), without the prefactor. */
static double spr_betacf(double a, double b, double x) {
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (fabs(d) < SPR_STATS_TINY) d = SPR_STATS_TINY;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= SPR_STATS_MAX_ITER; m++) {
    const double m2 = 2.0 * m;
    /* even step d_{2m} */
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < SPR_STATS_TINY) d = SPR_STATS_TINY;
    c = 1.0 + aa / c;
    if (fabs(c) < SPR_STATS_TINY) c = SPR_STATS_TINY;
    d = 1.0 / d;
    h *= d * c;
    /* odd step d_{2m+1} */
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < SPR_STATS_TINY) d = SPR_STATS_TINY;
    c = 1.0 + aa / c;
    if (fabs(c) < SPR_STATS_TINY) c = SPR_STATS_TINY;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < SPR_STATS_EPS) break;
  }
  return h;
}

/* I_x(a,b) with y = 1 - x given separately (both in [0,1]). */
static double spr_betainc_xy(double a, double b, double x, double y) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
  const double front = exp(lfront);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * spr_betacf(a, b, x) / a;
  return 1.0 - front * spr_betacf(b, a, y) / b;
}

double spr_stats_betainc(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0)) return NAN;
  return spr_betainc_xy(a, b, x, 1.0 - x);
}

double spr_stats_t_p2(double t, double df) {
  if (isnan(t) || !(df > 0.0)) return NAN;
  if (isinf(t)) return 0.0;
  if (t == 0.0) return 1.0;
  const double t2 = t * t;
  double x, y;
  if (isinf(t2)) {
    x = (df / fabs(t)) / fabs(t);
    y = 1.0;
  } else {
    x = df / (df + t2);
    y = t2 / (df + t2);
  }
  const double p = spr_betainc_xy(0.5 * df, 0.5, x, y);
  return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

double spr_stats_t_cdf(double t, double df) {
  const double p2 = spr_stats_t_p2(t, df);
  if (isnan(p2)) return NAN;
  return t < 0.0 ? 0.5 * p2 : 1.0 - 0.5 * p2;
}

int spr_stats_paired_t(const double *a, const double *b, size_t n, spr_ttest *out) {
  if (!out || (n > 0 && (!a || !b))) return SPR_EINVAL;
  spr_ttest r = {.n = n, .t = NAN, .df = n > 0 ? (double)(n - 1) : 0.0, .p = NAN};
  double sa = 0.0, sb = 0.0, sd = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(a[i]) || !isfinite(b[i])) return SPR_EINVAL;
    sa += a[i];
    sb += b[i];
    sd += b[i] - a[i];
  }
  if (n > 0) {
    r.mean_a = sa / (double)n;
    r.mean_b = sb / (double)n;
    r.mean_diff = sd / (double)n;
  }
  if (n >= 2) {
    /* two-pass variance: the differences are small numbers of similar size */
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
      const double e = (b[i] - a[i]) - r.mean_diff;
      ss += e * e;
    }
    r.sd_diff = sqrt(ss / (double)(n - 1));
    int all_zero = 1;
    for (size_t i = 0; i < n && all_zero; i++) all_zero = (b[i] - a[i]) == 0.0;
    if (all_zero) {
      r.mean_diff = 0.0;
      r.sd_diff = 0.0;
      r.t = 0.0;
      r.p = 1.0;
    } else if (r.sd_diff == 0.0 || r.sd_diff <= 1e-14 * fabs(r.mean_diff)) {
      /* a constant non-zero difference: rounding noise must not decide the statistic */
      r.t = r.mean_diff > 0.0 ? INFINITY : -INFINITY;
      r.p = 0.0;
    } else {
      r.t = r.mean_diff / (r.sd_diff / sqrt((double)n));
      r.p = spr_stats_t_p2(r.t, r.df);
    }
  }
  *out = r;
  return SPR_OK;
}

int spr_stats_holm(const double *p, size_t n, size_t *order, double *adj) {
  if (n > 0 && (!p || !order || !adj)) return SPR_EINVAL;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(p[i])) continue;
    if (p[i] < 0.0 || p[i] > 1.0) return SPR_EINVAL;
    /* stable insertion sort by p ascending: families are small (metrics x runs) */
    size_t j = m;
    while (j > 0 && p[order[j - 1]] > p[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
    m++;
  }
  /* p and adj may alias: index order[k] is read at step k only, then written. */
  double run_max = 0.0;
  for (size_t k = 0; k < m; k++) {
    double a = (double)(m - k) * p[order[k]];
    if (a > 1.0) a = 1.0;
    if (a > run_max) run_max = a; /* step-down: adjusted values never decrease */
    adj[order[k]] = run_max;
  }
  for (size_t i = 0; i < n; i++)
    if (isnan(p[i])) adj[i] = NAN;
  return SPR_OK;
}
