/*
 * prep_dist.c: the special functions credo.prep needs, written from their
 * published algorithms: the inverse normal CDF (Wichura's AS 241, PPND16),
 * the normal CDF, log B(a, b), the regularised incomplete beta function
 * (continued fraction with the modified Lentz method, as in Numerical
 * Recipes, 3rd ed., section 6.4) and the two-sided Student t p-value.
 *
 * What it is not: a general distributions library (no other families, no
 * random variates, no vectorised forms; the callers loop).
 */
#include <math.h>

#include "prep.h"

/* Wichura (1988), AS 241 PPND16: rational approximations in three
 * regions, about 1e-16 relative accuracy. */
double prep_norm_ppf(double p) {
  if (isnan(p) || p < 0 || p > 1) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  double q = p - 0.5;
  if (fabs(q) <= 0.425) {
    double r = 0.180625 - q * q;
    double num = ((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                      6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                    1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                  1.3314166789178437745e+2) * r + 3.3871328727963666080e+0;
    double den = ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                      3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                    5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                  4.2313330701600911252e+1) * r + 1.0;
    return q * num / den;
  }
  double r = q < 0 ? p : 1.0 - p;
  r = sqrt(-log(r));
  double v;
  if (r <= 5.0) {
    r -= 1.6;
    double num = ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                      2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
                    3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
                  4.63033784615654529590e+0) * r + 1.42343711074968357734e+0;
    double den = ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                      1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                    6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
                  2.05319162663775882187e+0) * r + 1.0;
    v = num / den;
  } else {
    r -= 5.0;
    double num = ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                      1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                    2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
                  5.46378491116411436990e+0) * r + 6.65790464350110377720e+0;
    double den = ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                      1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                    1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
                  5.99832206555887937690e-1) * r + 1.0;
    v = num / den;
  }
  return q < 0 ? -v : v;
}

double prep_norm_cdf(double x) {
  return 0.5 * erfc(-x / M_SQRT2);
}

/* The incomplete beta below runs in long double (x87 extended on x86-64,
 * 64-bit mantissa): its continued fraction loses about log10(a * y)
 * digits to cancellation when x is near the mean a / (a + b) of a
 * distribution with a large parameter (a t test with 1e6 degrees of
 * freedom loses 5e-11 in double), and the 11 extra bits bring that back
 * to ~1e-14.  lgammal/log1pl/expl are glibc's. */
typedef long double ldbl;

/* lgamma(z) - [(z - 1/2) ln z - z + ln(2 pi)/2]: Stirling's series,
 * accurate to about 1e-20 for z >= 20. */
static ldbl stirling_corr(ldbl z) {
  ldbl z2 = 1.0L / (z * z);
  return (1.0L / 12 - z2 * (1.0L / 360 - z2 * (1.0L / 1260 - z2 * (1.0L / 1680 -
          z2 * (1.0L / 1188 - z2 * (691.0L / 360360 - z2 * (1.0L / 156))))))) / z;
}

static ldbl lbeta_l(ldbl a, ldbl b) {
  ldbl s = a < b ? a : b, g = a < b ? b : a;
  if (g < 20) return lgammal(a) + lgammal(b) - lgammal(a + b);
  if (s < 20) {
    /* lgamma(g) - lgamma(g + s) without cancelling two large values */
    ldbl ratio = -(g - 0.5L) * log1pl(s / g) - s * logl(g + s) + s +
                 stirling_corr(g) - stirling_corr(g + s);
    return lgammal(s) + ratio;
  }
  return -(a - 0.5L) * log1pl(b / a) - (b - 0.5L) * log1pl(a / b) - 0.5L * logl(a + b) +
         0.5L * logl(2 * 3.141592653589793238462643383279502884L) +
         stirling_corr(a) + stirling_corr(b) - stirling_corr(a + b);
}

double prep_lbeta(double a, double b) {
  return (double)lbeta_l(a, b);
}

/* The continued fraction of I_x(a, b) (NR's betacf), modified Lentz.  The
 * first denominator 1 - (a+b) x / (a+1) is computed as
 * ((a+1) y + (1-b) x) / (a+1) with the exact complement y, which removes
 * its cancellation when x is near 1. */
static ldbl betacf(ldbl a, ldbl b, ldbl x, ldbl y) {
  const ldbl tiny = 1e-4000L, eps = 1e-19L;
  ldbl qab = a + b, qap = a + 1, qam = a - 1;
  ldbl c = 1, d = ((a + 1) * y + (1 - b) * x) / qap;
  if (fabsl(d) < tiny) d = tiny;
  d = 1 / d;
  ldbl h = d;
  for (int m = 1; m <= 100000; m++) {
    ldbl m2 = 2.0L * m;
    ldbl aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabsl(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabsl(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabsl(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabsl(c) < tiny) c = tiny;
    d = 1 / d;
    ldbl del = d * c;
    h *= del;
    if (fabsl(del - 1) <= eps) break;
  }
  return h;
}

/* I_x(a, b) = x^a y^b / (a B(a, b)) * cf(a, b, x), after swapping to
 * I_x(a, b) = 1 - I_y(b, a) when x > a / (a + b) (Cephes' incbet rule: the
 * fraction is then evaluated left of the mean, where it converges fast and
 * the complement cannot cancel badly). */
static ldbl betainc_l(ldbl a, ldbl b, ldbl x, ldbl y) {
  int flip = x > a / (a + b);
  if (flip) {
    ldbl t = a; a = b; b = t;
    t = x; x = y; y = t;
  }
  ldbl lx = x < 0.5L ? logl(x) : log1pl(-y);
  ldbl ly = y < 0.5L ? logl(y) : log1pl(-x);
  ldbl w = expl(a * lx + b * ly - lbeta_l(a, b)) * betacf(a, b, x, y) / a;
  return flip ? 1 - w : w;
}

double prep_betainc(double a, double b, double x, double y) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0) || isinf(a) || isinf(b))
    return NAN;
  if (x == 0) return 0.0;
  if (y == 0) return 1.0;
  return (double)betainc_l(a, b, x, y);
}

double prep_t_pvalue(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (isinf(t)) return 0.0;
  if (t == 0) return 1.0;
  /* past 1e10 degrees of freedom the t law is the normal one to ~1e-10
   * (and the incomplete beta below loses its accuracy near df 1e15) */
  if (df > 1e10) return erfc(fabs(t) / sqrt(2.0));
  /* x = df / (df + t^2), y = 1 - x = t^2 / (df + t^2), each computed
   * directly */
  ldbl tl = (ldbl)t * t, x = df / (df + tl), y = tl / (df + tl);
  double p = (double)betainc_l(0.5L * df, 0.5L, x, y);
  return p > 1.0 ? 1.0 : p;
}
