/* spr_stats.h: significance testing for run comparisons: the paired two-sided Student t-test
 * (with the t distribution's CDF through the regularized incomplete beta function) and the
 * Holm-Bonferroni step-down correction for a family of p-values.
 * Pure: no I/O, no MPI, no allocation. Every function is Local and reentrant (lgamma from libm
 * may set the global signgam, which nothing here reads).
 *
 * Accuracy: the incomplete beta is a continued fraction (modified Lentz) evaluated to a relative
 * 1e-15; p-values agree with closed forms (df 1-4) to ~1e-14 and with textbook critical values
 * to their printed digits (tests/unit/report_stats.c). */
#ifndef SPR_STATS_H
#define SPR_STATS_H
#include <stddef.h>

#include "spr_status.h"

/* Regularized incomplete beta I_x(a, b) for a > 0, b > 0, 0 <= x <= 1; NaN otherwise. */
double spr_stats_betainc(double a, double b, double x);

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df may be fractional); t may be
 * +-infinity. NaN when df <= 0 or an argument is NaN. */
double spr_stats_t_cdf(double t, double df);

/* Two-sided p-value P(|T| >= |t|) with df degrees of freedom; 1 at t = 0, 0 at |t| = inf,
 * NaN when df <= 0 or an argument is NaN. */
double spr_stats_t_p2(double t, double df);

/* Result of a paired t-test of b against a (differences d_i = b_i - a_i). */
typedef struct spr_ttest {
  size_t n;         /* pairs */
  double mean_a;    /* mean of a */
  double mean_b;    /* mean of b */
  double mean_diff; /* mean of d = mean_b - mean_a (up to rounding) */
  double sd_diff;   /* sample standard deviation of d (n - 1 denominator) */
  double t;         /* mean_diff / (sd_diff / sqrt(n)); 0 when every d is 0, +-inf when d is
                       constant and non-zero; NaN when n < 2 */
  double df;        /* n - 1 */
  double p;         /* two-sided p-value; 1 when every d is 0, 0 when d is a non-zero constant,
                       NaN when n < 2 */
} spr_ttest;

/* Paired two-sided t-test of b[0..n) against a[0..n) (both borrowed for the call). n < 2 is not
 * an error: the result then has t = p = NaN. Returns 0, or SPR_EINVAL (NULL pointer with n > 0,
 * or a non-finite value). */
SPR_NODISCARD int spr_stats_paired_t(const double *a, const double *b, size_t n, spr_ttest *out);

/* Holm-Bonferroni adjusted p-values of a family of n tests: with the m non-NaN p-values sorted
 * ascending p_(1) <= ... <= p_(m), adj_(i) = max over j <= i of min(1, (m - j + 1) p_(j)).
 * Reject test i at level alpha when adj[i] < alpha (equivalent to Holm's procedure). NaN
 * p-values are left out of the family (m counts only the others) and get NaN. p and adj may
 * alias. order is caller scratch of n entries. Returns 0 or SPR_EINVAL (NULL with n > 0, or a
 * p-value outside [0, 1]). */
SPR_NODISCARD int spr_stats_holm(const double *p, size_t n, size_t *order, double *adj);

#endif /* SPR_STATS_H */
