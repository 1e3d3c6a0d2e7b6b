/* report_stats.c: kernels/spr_stats against closed forms of the t CDF (df 1-4), textbook
 * critical values, incomplete-beta identities, hand-computed paired t-tests and Holm examples. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spr_stats.h"

#define SPR_CHECK_GO_ON
#include "spr_check.h"
#define CLOSE(x, want, tol)                                                                  \
  do {                                                                                       \
    const double x_ = (x), w_ = (want);                                                      \
    if (!(fabs(x_ - w_) <= (tol) * (fabs(w_) > 1 ? fabs(w_) : 1.0))) {                       \
      fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #x, x_, w_);  \
      spr_check_fail();                                                                               \
    }                                                                                        \
  } while (0)

static const double PI = 3.14159265358979323846;

static double cdf1(double t) { return 0.5 + atan(t) / PI; }
static double cdf2(double t) { return 0.5 + t / (2.0 * sqrt(2.0 + t * t)); }
static double cdf3(double t) {
  return 0.5 + (t / (sqrt(3.0) * (1.0 + t * t / 3.0)) + atan(t / sqrt(3.0))) / PI;
}
static double cdf4(double t) {
  const double u = 1.0 + t * t / 4.0;
  return 0.5 + 0.375 * (t / sqrt(u)) * (1.0 - t * t / (12.0 * u));
}

static void test_closed_forms(void) {
  const double ts[] = {-40.0, -7.5, -2.0, -1.0, -0.3, -1e-6, 0.0, 1e-6, 0.25, 0.9, 1.5, 3.0, 12.0, 100.0};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
    const double t = ts[i];
    CLOSE(spr_stats_t_cdf(t, 1), cdf1(t), 1e-13);
    CLOSE(spr_stats_t_cdf(t, 2), cdf2(t), 1e-13);
    CLOSE(spr_stats_t_cdf(t, 3), cdf3(t), 1e-13);
    CLOSE(spr_stats_t_cdf(t, 4), cdf4(t), 1e-13);
    /* small two-sided p-values keep their relative precision (tail computed directly) */
    if (t < -1.0) {
      CLOSE(spr_stats_t_p2(t, 1) / (2.0 * cdf1(t)), 1.0, 1e-12);
      CLOSE(spr_stats_t_p2(t, 2) / (2.0 * cdf2(t)), 1.0, 1e-10);
    }
  }
  /* df = 1 far tail: P(|T| >= t) = 1 - 2 atan(t)/pi = 2 atan(1/t)/pi */
  CLOSE(spr_stats_t_p2(1e6, 1) / (2.0 * atan(1e-6) / PI), 1.0, 1e-12);
}

/* Critical values t_{q, df} from standard tables (quantile q of Student's t). */
static void test_critical_values(void) {
  const struct {
    double df, t, p2;
  } tab[] = {
      {5, 2.570581836, 0.05},  {10, 2.228138852, 0.05}, {30, 2.042272456, 0.05},
      {20, 2.845339710, 0.01}, {100, 1.983971519, 0.05}, {1000, 1.962339081, 0.05},
      {1, 12.70620474, 0.05},  {2, 4.302652730, 0.05},  {10, 3.169272673, 0.01},
  };
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
    CLOSE(spr_stats_t_p2(tab[i].t, tab[i].df), tab[i].p2, 1e-8);
    CLOSE(spr_stats_t_p2(-tab[i].t, tab[i].df), tab[i].p2, 1e-8);
    CLOSE(spr_stats_t_cdf(tab[i].t, tab[i].df), 1.0 - tab[i].p2 / 2.0, 1e-8);
  }
  /* large df tends to the normal: P(|Z| >= 1.959963985) = 0.05 */
  CLOSE(spr_stats_t_p2(1.959963985, 1e9), 0.05, 1e-7);
}

static void test_betainc(void) {
  const double xs[] = {0.0, 1e-8, 0.1, 0.37, 0.5, 0.8, 0.999, 1.0};
  for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
    const double x = xs[i];
    CLOSE(spr_stats_betainc(1, 1, x), x, 1e-14);
    CLOSE(spr_stats_betainc(3.5, 1, x), pow(x, 3.5), 1e-13);
    CLOSE(spr_stats_betainc(1, 2.5, x), 1.0 - pow(1.0 - x, 2.5), 1e-13);
    /* symmetry I_x(a,b) = 1 - I_{1-x}(b,a) */
    CLOSE(spr_stats_betainc(7.0, 0.5, x) + spr_stats_betainc(0.5, 7.0, 1.0 - x), 1.0, 1e-13);
  }
  CLOSE(spr_stats_betainc(40, 40, 0.5), 0.5, 1e-13);
  CHECK(isnan(spr_stats_betainc(0, 1, 0.5)));
  CHECK(isnan(spr_stats_betainc(1, 1, 1.5)));
  CHECK(isnan(spr_stats_t_p2(1.0, 0)));
  CHECK(spr_stats_t_p2(INFINITY, 3) == 0.0);
  CHECK(spr_stats_t_p2(0.0, 3) == 1.0);
  CHECK(spr_stats_t_cdf(-INFINITY, 3) == 0.0);
}

static void test_paired_t(void) {
  /* Hand computation: d = b - a = 0.1, 0.2, 0.3, 0.0, 0.4: mean 0.2, sample sd sqrt(0.1/4) = 0.158113883, t = 0.2 / (0.158113883 / sqrt 5) = 2.828427,
   * df 4; P(|T4| >= 2*sqrt 2) from the df-4 closed form. */
  const double a[] = {0.5, 0.1, 0.2, 0.7, 0.3};
  const double b[] = {0.6, 0.3, 0.5, 0.7, 0.7};
  spr_ttest r;
  CHECK(spr_stats_paired_t(a, b, 5, &r) == SPR_OK);
  CHECK(r.n == 5);
  CLOSE(r.mean_diff, 0.2, 1e-15);
  CLOSE(r.sd_diff, sqrt(0.025), 1e-14);
  CLOSE(r.t, 2.0 * sqrt(2.0), 1e-13);
  CLOSE(r.df, 4.0, 0);
  CLOSE(r.p, 2.0 * (1.0 - cdf4(2.0 * sqrt(2.0))), 1e-13);
  CLOSE(r.mean_a, 0.36, 1e-15);
  CLOSE(r.mean_b, 0.56, 1e-15);
  /* swapping the arguments flips the sign, keeps p */
  spr_ttest s;
  CHECK(spr_stats_paired_t(b, a, 5, &s) == SPR_OK);
  CLOSE(s.t, -r.t, 1e-13);
  CLOSE(s.p, r.p, 1e-15);
  /* identical runs: t 0, p 1 */
  CHECK(spr_stats_paired_t(a, a, 5, &s) == SPR_OK);
  CHECK(s.t == 0.0 && s.p == 1.0 && s.mean_diff == 0.0);
  /* constant non-zero difference: p 0 */
  const double c[] = {0.6, 0.2, 0.3, 0.8, 0.4};
  CHECK(spr_stats_paired_t(a, c, 5, &s) == SPR_OK);
  CHECK(isinf(s.t) && s.t > 0 && s.p == 0.0);
  /* one pair: NaN, not an error */
  CHECK(spr_stats_paired_t(a, b, 1, &s) == SPR_OK);
  CHECK(isnan(s.t) && isnan(s.p));
  const double bad[] = {NAN, 0};
  CHECK(spr_stats_paired_t(a, bad, 2, &s) == SPR_EINVAL);
  CHECK(spr_stats_paired_t(NULL, b, 2, &s) == SPR_EINVAL);
}

static void test_holm(void) {
  /* Textbook example: p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005 0.01 0.03 0.04 ->
   * 4*0.005 = 0.02, 3*0.01 = 0.03, 2*0.03 = 0.06, 1*0.04 = 0.04 -> max-accumulated 0.06. */
  const double p[] = {0.01, 0.04, 0.03, 0.005};
  double adj[4];
  size_t order[4];
  CHECK(spr_stats_holm(p, 4, order, adj) == SPR_OK);
  CLOSE(adj[0], 0.03, 1e-15);
  CLOSE(adj[1], 0.06, 1e-15);
  CLOSE(adj[2], 0.06, 1e-15);
  CLOSE(adj[3], 0.02, 1e-15);
  /* capped at 1, NaN left out of the family, in place */
  double q[] = {0.6, NAN, 0.2, 0.5};
  CHECK(spr_stats_holm(q, 4, order, q) == SPR_OK);
  CLOSE(q[2], 0.6, 1e-15); /* 3 * 0.2 */
  CLOSE(q[3], 1.0, 1e-15); /* max(0.6, min(1, 2 * 0.5)) */
  CLOSE(q[0], 1.0, 1e-15);
  CHECK(isnan(q[1]));
  /* ties keep a stable order and equal adjusted values */
  const double r[] = {0.02, 0.02};
  CHECK(spr_stats_holm(r, 2, order, adj) == SPR_OK);
  CLOSE(adj[0], 0.04, 1e-15);
  CLOSE(adj[1], 0.04, 1e-15);
  /* one test: unchanged */
  CHECK(spr_stats_holm(p, 1, order, adj) == SPR_OK);
  CLOSE(adj[0], 0.01, 0);
  const double out_of_range[] = {1.5};
  CHECK(spr_stats_holm(out_of_range, 1, order, adj) == SPR_EINVAL);
  CHECK(spr_stats_holm(NULL, 0, NULL, NULL) == SPR_OK);
}

int main(void) {
  test_closed_forms();
  test_critical_values();
  test_betainc();
  test_paired_t();
  test_holm();
  return spr_check_summary("report_stats");
}
