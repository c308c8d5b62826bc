/* SPDX-License-Identifier: MIT
 * verdict/analysis.c - the leak test for one series of live bytes.
 *
 * Growth is modelled as a hinge: flat until an onset, then a straight line.
 * The onset is searched on a geometric grid of tail lengths (so a leak that
 * starts late is found a few snapshots after it starts); each candidate is
 * scored by its OLS slope over a noise model fitted to the residuals: white
 * churn plus a random walk (the variogram V(lag) = A + B*lag), which keeps
 * the test valid for wandering, autocorrelated series, where a test on the
 * levels alone names every walk. The p-value is corrected for the onsets
 * searched and, by the caller, for the rows tested. A significant candidate
 * must also look like a leak: no trim, no refill below an earlier high, no
 * levelling off, growth spread over its tail, not one block of changing size.
 */
#include "util/xsort.h"
#include "verdict/analysis.h"

#include <err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longer series are thinned evenly to this many points before the search. */
#define TREND_MAX_FIT 4096
/* A leading snapshot whose step is this many times the typical one is
 * start-up (see startup_points). */
#define TREND_STARTUP_STEP 8.0
/* Tail lengths of the onset grid shrink by this factor. */
#define TREND_GRID_RATIO 1.25
/* How far (in standard deviations of white noise) the variogram must rise
 * before a random-walk term is charged to the residuals. */
#define TREND_WALK_SIGMA 3.0
/* Fewer residuals than this cannot show a walk that matters over them: the
 * walk term fitted stays (the safe side). */
#define TREND_GATE_MIN 64
/* Lags of the variogram fit (in snapshots), up to a quarter of the series:
 * long ones too, as a walk too slow to show in 32 snapshots still moves the
 * level of a day-long series (and decides the gate below). */
static const size_t vg_lags[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512 };

/* Puts the k-th smallest of v[0..n) at v[k], the smaller ones before it and
 * the larger after (Hoare's selection, median-of-three pivots): the same
 * order statistic a sort would leave there, in O(n). */
static void select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo + 2) {
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            double tmp = v[i];
            v[i] = v[j];
            v[j] = tmp;
            i++;
            j--;
        }
        /* v[lo..j] <= pivot <= v[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    for (size_t a = lo + 1; a <= hi; a++) /* at most three left: insertion */
        for (size_t b = a; b > lo && v[b - 1] > v[b]; b--) {
            double tmp = v[b];
            v[b] = v[b - 1];
            v[b - 1] = tmp;
        }
}

/* The median of v[0..n) (reorders v): the middle value, or the mean of the
 * two middle ones. */
static double median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    if (n < 3)
        return n == 1 ? v[0] : (fmin(v[0], v[1]) + fmax(v[0], v[1])) / 2;
    select_kth(v, n, n / 2);
    if (n % 2)
        return v[n / 2];
    double below = v[0]; /* the largest of the lower half */
    for (size_t i = 1; i < n / 2; i++)
        below = v[i] > below ? v[i] : below;
    return (below + v[n / 2]) / 2;
}

/* Robust standard deviation: 1.4826 times the median absolute deviation. */
static double robust_sd(const double *v, size_t n, double *scratch)
{
    if (n < 2)
        return 0;
    memcpy(scratch, v, n * sizeof *v);
    double m = median(scratch, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(v[i] - m);
    return 1.4826 * median(scratch, n);
}

/* Theil-Sen: the median of the slopes of all pairs, per second; at most
 * TREND_MAX_POINTS points, taken evenly. */
static double theil_sen(const double *t, const double *x, size_t n)
{
    size_t m = n < TREND_MAX_POINTS ? n : TREND_MAX_POINTS, k = 0;
    double *scratch = malloc((m * (m - 1) / 2 + 1) * sizeof *scratch);
    if (!scratch)
        err(1, "malloc");
    for (size_t a = 0; a < m; a++) {
        size_t i = m == n ? a : (size_t)((double)a * (double)(n - 1) / (double)(m - 1));
        for (size_t b = a + 1; b < m; b++) {
            size_t j = m == n ? b : (size_t)((double)b * (double)(n - 1) / (double)(m - 1));
            if (t[j] > t[i])
                scratch[k++] = (x[j] - x[i]) / (t[j] - t[i]);
        }
    }
    double slope = k ? median(scratch, k) : 0;
    free(scratch);
    return slope;
}

/* The continued fraction of the regularized incomplete beta function
 * (Lentz's method), for the Student t tail below. */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        c = 1 + num / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        c = 1 + num / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-12)
            break;
    }
    return h;
}

/* P(T > t) for Student's t with df degrees of freedom. */
static double t_upper(double t, double df)
{
    if (isinf(t))
        return t > 0 ? 0 : 1;
    double x = df / (df + t * t);
    double a = df / 2, b = 0.5;
    double lbeta = lgamma(a + b) - lgamma(a) - lgamma(b);
    double front = exp(lbeta + a * log(x) + b * log1p(-x));
    double ib = x < (a + 1) / (a + b + 2) ? front * beta_cf(a, b, x) / a
                                          : 1 - front * beta_cf(b, a, 1 - x) / b;
    double tail = 0.5 * ib;
    return t > 0 ? tail : 1 - tail;
}

static double upper_p(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

/* The z whose upper tail is p (bisection). Once lo and hi are neighbouring
 * doubles a step changes neither, and no later one would: stopping there
 * gives what a hundred steps give. */
static double z_for_p(double p)
{
    double lo = -10, hi = 40;
    for (int i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2, was_lo = lo, was_hi = hi;
        if (upper_p(mid) > p)
            lo = mid;
        else
            hi = mid;
        if (lo == was_lo && hi == was_hi)
            break;
    }
    return hi;
}

/* The noise model: V(lag) = a + b * (time lag), a, b >= 0, fitted by least
 * squares to the empirical variogram of u at a few short lags. */
struct noise {
    double a, b;
};

#define VG_NLAGS (sizeof vg_lags / sizeof vg_lags[0])

/* How many of vg_lags a series of n points is measured at: lags shorter
 * than the series and, past the first, a quarter of it at most. */
static size_t vg_usable(size_t n)
{
    size_t l = 0;
    while (l < VG_NLAGS && vg_lags[l] < n && (vg_lags[l] == 1 || vg_lags[l] * 4 <= n))
        l++;
    return l;
}

/* The empirical variogram of a series of n points at its nl usable lags:
 * v, half the mean squared difference of points lag apart, and tau, the
 * mean time between them. */
struct vgram {
    size_t n, nl;
    double v[VG_NLAGS], tau[VG_NLAGS];
};

/* The variogram of u, one pass over the points per lag. */
static void vg_direct(const double *t, const double *u, size_t n, struct vgram *g)
{
    g->n = n;
    g->nl = vg_usable(n);
    for (size_t l = 0; l < g->nl; l++) {
        size_t lag = vg_lags[l], pairs = n - lag;
        double v = 0, tau = 0;
        for (size_t i = 0; i + lag < n; i++) {
            double d = u[i + lag] - u[i];
            v += d * d / 2;
            tau += t[i + lag] - t[i];
        }
        g->v[l] = v / (double)pairs;
        g->tau[l] = tau / (double)pairs;
    }
}

/* Sums over the pairs of a series at each usable lag, from pair i to the
 * end: of dx^2, dx*dt, dt^2 and dt (dx, dt: the differences of value and
 * time lag apart). The residuals of a line or a hinge of slope s differ by
 * d = dx - s*dh lag apart (the intercept cancels), so their variogram is
 * (sum dx^2 - 2s sum dx*dh + s^2 sum dh^2) / 2 / pairs: with these sums,
 * one candidate onset costs a few operations a lag, not a pass over the
 * points (the hinge's dh is dt from its onset on, 0 before, and differs
 * from both only for the pairs that straddle the onset, fewer than lag). */
struct vgsums {
    const double *t, *x;
    size_t n, nl;
    double *sxx, *sxt, *stt, *st; /* [l * (n + 1) + i] */
};

static void vgsums_init(struct vgsums *s, const double *t, const double *x, size_t n)
{
    s->t = t;
    s->x = x;
    s->n = n;
    s->nl = vg_usable(n);
    size_t len = (s->nl ? s->nl : 1) * (n + 1);
    s->sxx = malloc(4 * len * sizeof *s->sxx);
    if (!s->sxx)
        err(1, "malloc");
    s->sxt = s->sxx + len;
    s->stt = s->sxt + len;
    s->st = s->stt + len;
    for (size_t l = 0; l < s->nl; l++) {
        size_t lag = vg_lags[l], b = l * (n + 1), i = n - lag;
        s->sxx[b + i] = s->sxt[b + i] = s->stt[b + i] = s->st[b + i] = 0;
        while (i-- > 0) {
            double dx = x[i + lag] - x[i], dt = t[i + lag] - t[i];
            s->sxx[b + i] = s->sxx[b + i + 1] + dx * dx;
            s->sxt[b + i] = s->sxt[b + i + 1] + dx * dt;
            s->stt[b + i] = s->stt[b + i + 1] + dt * dt;
            s->st[b + i] = s->st[b + i + 1] + dt;
        }
    }
}

static void vgsums_free(struct vgsums *s)
{
    free(s->sxx);
}

/* A sum of squared residual differences from the expanded form: what is
 * left of sum dx^2 after the line is rounding (a line through the points
 * leaves nothing, where the residuals themselves would be exactly equal),
 * and never below 0. */
static double vg_exact(double sum, double sxx)
{
    return sum > 1e-10 * sxx ? sum : 0;
}

/* The variogram of the residuals of the hinge at onset k with slope s. */
static void vg_hinge(const struct vgsums *vs, size_t k, double slope, struct vgram *g)
{
    const double *t = vs->t, *x = vs->x;
    size_t n = vs->n;
    g->n = n;
    g->nl = vs->nl;
    for (size_t l = 0; l < vs->nl; l++) {
        size_t lag = vg_lags[l], b = l * (n + 1), pairs = n - lag;
        size_t from = k < pairs ? k : pairs;
        double xh = vs->sxt[b + from], hh = vs->stt[b + from];
        for (size_t i = k + 1 > lag ? k + 1 - lag : 0; i < k && i < pairs; i++) {
            double dh = t[i + lag] - t[k], dx = x[i + lag] - x[i];
            xh += dx * dh;
            hh += dh * dh;
        }
        double sum = vs->sxx[b] - 2 * slope * xh + slope * slope * hh;
        g->v[l] = vg_exact(sum, vs->sxx[b]) / 2 / (double)pairs;
        g->tau[l] = vs->st[b] / (double)pairs;
    }
}

/* The variogram of the residuals of the line of slope s through points
 * [k, n) of the series. */
static void vg_tail(const struct vgsums *vs, size_t k, double slope, struct vgram *g)
{
    size_t n = vs->n, m = n - k;
    g->n = m;
    g->nl = vg_usable(m);
    for (size_t l = 0; l < g->nl; l++) {
        size_t lag = vg_lags[l], b = l * (n + 1) + k, pairs = m - lag;
        double sum = vs->sxx[b] - 2 * slope * vs->sxt[b] + slope * slope * vs->stt[b];
        g->v[l] = vg_exact(sum, vs->sxx[b]) / 2 / (double)pairs;
        g->tau[l] = vs->st[b] / (double)pairs;
    }
}

/* Weighted least squares of V on tau over the first l1 lags of g. */
static struct noise vg_line(const struct vgram *g, size_t l1, int short_only)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t l = 0; l < l1 && l < g->nl; l++) {
        size_t lag = vg_lags[l], pairs = g->n - lag;
        double v = g->v[l], tau = g->tau[l];
        /* long lags have few, strongly dependent pairs: weigh them less */
        double w = short_only ? 1 : (double)pairs / (double)lag;
        sw += w;
        sx += w * tau;
        sy += w * v;
        sxx += w * tau * tau;
        sxy += w * tau * v;
    }
    struct noise nz = { 0, 0 };
    if (sw <= 0)
        return nz;
    double den = sw * sxx - sx * sx;
    if (den > 1e-12 * sw * sxx) {
        nz.b = (sw * sxy - sx * sy) / den;
        nz.a = (sy - nz.b * sx) / sw;
    }
    if (den <= 1e-12 * sw * sxx || nz.a < 0) {
        /* one lag, or no room for white noise: all of it a walk (the safe side) */
        nz.a = 0;
        nz.b = sxx > 0 ? sxy / sxx : 0;
    }
    if (nz.b < 0) {
        nz.b = 0;
        nz.a = sy / sw;
    }
    return nz;
}

/* The noise model: V(lag) = a + b * (time lag), a, b >= 0, fitted to the
 * empirical variogram g of residuals at times t[0..n). Over all lags up to
 * a quarter of the series,
 * white churn shows as a flat variogram; but one walk's variogram at long
 * lags is noisy and, after a trend is fitted, often flat too. So the walk is
 * also measured at lags 1-4: where it rises there beyond what white noise
 * allows (its slope over V(1) has a standard deviation near 0.5/sqrt(n)),
 * the steeper of the two slopes is taken.
 * The walk term is kept only where the residuals show one: where neither
 * slope rises above what white noise gives (V(L) - V(1) of white noise has a
 * standard deviation near V(1) * sqrt(6/n)) the residuals are white churn,
 * and a walk of a few percent fitted to them would double the error of every
 * slope over a long window. Over fewer than TREND_GATE_MIN residuals a walk
 * that matters cannot be told from white noise: the fitted term stays. */
static struct noise noise_fit(const struct vgram *g, const double *t, size_t n, int gate)
{
    double v1 = g->nl ? g->v[0] : 0; /* vg_lags[0] is 1 */
    struct noise all = vg_line(g, VG_NLAGS, 0);
    if (n < 8)
        return all;
    struct noise sh = vg_line(g, 4, 1);
    double dt = (t[n - 1] - t[0]) / (double)(n - 1);
    int short_walk = v1 > 0 && sh.b * dt / v1 > 1.4 / sqrt((double)n);
    if (short_walk && sh.b > all.b) {
        all.b = sh.b;
        all.a = fmax(0, fmin(all.a, v1 - sh.b * dt));
    }
    size_t lmax = g->nl ? vg_lags[g->nl - 1] : 1;
    double white_sd = v1 * sqrt(6.0 / (double)n);
    if (gate && !short_walk && v1 > 0 && lmax > 1 && n >= TREND_GATE_MIN &&
        all.b * dt * (double)(lmax - 1) < TREND_WALK_SIGMA * white_sd) {
        all.a = all.a + all.b * dt * (double)(lmax + 1) / 2; /* the variogram's level */
        all.b = 0;
    }
    return all;
}

/* Variance of sum(c[i] * u[i]) for weights summing to zero, under the noise
 * model: a * sum c^2 + 2b * sum over gaps of (time of gap) * (weight after)^2. */
static double weighted_var(const double *t, const double *c, size_t n, struct noise nz)
{
    double sc2 = 0, walk = 0, after = 0;
    for (size_t i = 0; i < n; i++)
        sc2 += c[i] * c[i];
    for (size_t i = n; i-- > 1;) {
        after += c[i];
        walk += (t[i] - t[i - 1]) * after * after;
    }
    return nz.a * sc2 + 2 * nz.b * walk;
}

/* OLS of x on the hinge (t - t[k])+ with an intercept: slope, weights c
 * (slope = sum c x) and residuals u, each unless NULL; *shh_out (if not
 * NULL) the regressor's sum of squares, whose inverse is sum c^2. Returns
 * -1 when the regressor is constant. */
static int hinge_fit(const double *t, const double *x, size_t n, size_t k, double *c,
                     double *u, double *slope, double *shh_out)
{
    /* the regressor is 0 before k: the loops before k and from k on add the
     * same terms in the same order as one loop over (i >= k ? ... : 0) */
    double hbar = 0, xbar = 0;
    for (size_t i = 0; i < n; i++)
        xbar += x[i];
    for (size_t i = k; i < n; i++)
        hbar += t[i] - t[k];
    hbar /= (double)n;
    xbar /= (double)n;
    double shh = 0, shx = 0, h0 = 0 - hbar;
    for (size_t i = 0; i < k && i < n; i++) {
        shh += h0 * h0;
        shx += h0 * (x[i] - xbar);
    }
    for (size_t i = k; i < n; i++) {
        double h = (t[i] - t[k]) - hbar;
        shh += h * h;
        shx += h * (x[i] - xbar);
    }
    if (shh <= 0)
        return -1;
    *slope = shx / shh;
    if (shh_out)
        *shh_out = shh;
    for (size_t i = 0; (c || u) && i < n; i++) {
        double h = i < k ? h0 : (t[i] - t[k]) - hbar;
        if (c)
            c[i] = h / shh;
        if (u)
            u[i] = x[i] - xbar - *slope * h;
    }
    return 0;
}

/* Slope of a plain line through points [from, n) and its standard error
 * under nz. */
static double line_slope(const double *t, const double *x, size_t n, size_t from,
                         struct noise nz, double *c, double *se)
{
    size_t m = n - from;
    double tbar = 0;
    for (size_t i = from; i < n; i++)
        tbar += t[i];
    tbar /= (double)m;
    double stt = 0, stx = 0;
    for (size_t i = from; i < n; i++) {
        stt += (t[i] - tbar) * (t[i] - tbar);
        stx += (t[i] - tbar) * x[i];
    }
    if (stt <= 0) {
        *se = INFINITY;
        return 0;
    }
    for (size_t i = from; i < n; i++)
        c[i - from] = (t[i] - tbar) / stt;
    *se = sqrt(weighted_var(t + from, c, m, nz));
    return stx / stt;
}

struct work {
    const double *t, *x;
    size_t n;
    const struct log_point *p; /* the points behind t and x (thinned) */
    const size_t *src;         /* index into p of each point */
    const struct vgsums *vs;   /* the sums of x for the variograms; NULL: pass over u */
    double *c, *u, *s1, *s2;
    double zcrit;              /* what a candidate's z must reach */
    double screen;             /* below this a slope's z is not worked out (slope_z) */
    struct noise *hinge_nz;    /* by onset: the hinge's noise, when hinge_done says */
    unsigned char *hinge_done; /* by onset: 1 fitted, 2 no fit, 0 not yet; NULL: none kept */
    int tail_mode;             /* judge the tail alone, with its own noise */
    int bytes;                 /* x is live bytes (else live blocks) */
    int ungated;               /* keep the walk term however small (the safe side) */
};

/* The noise of the hinge at onset k with slope s fitted to w's series: from
 * the sums, or from its residuals u (hinge_fit's) when there are none. */
static struct noise hinge_noise(const struct work *w, size_t k, double slope, const double *u)
{
    struct vgram g;
    if (w->vs)
        vg_hinge(w->vs, k, slope, &g);
    else
        vg_direct(w->t, u, w->n, &g);
    return noise_fit(&g, w->t, w->n, !w->ungated);
}

/* An upper bound of a slope's statistic from the white part of its noise
 * alone: its variance a * sum c^2 + 2b * walk is at least a / sxx (sum c^2
 * of least-squares weights is 1 / sxx, the walk term is not negative), so
 * slope / sqrt(var) is at most slope * sqrt(sxx / a), widened by far more
 * than the rounding of either. INFINITY when a says nothing (a = 0). */
static double slope_bound(double slope, double sxx, struct noise nz)
{
    if (slope <= 0)
        return 0;
    if (!(nz.a > 0))
        return INFINITY;
    return slope * sqrt(sxx / nz.a) * (1 + 1e-9);
}

/* The degrees of freedom of a slope's statistic over m points: the noise is
 * estimated from the series itself, few of them, and fewer than the points,
 * as neighbouring residuals are not independent. */
static double slope_df(size_t m)
{
    return fmax(1, ((double)m - 3) / 3);
}

/* The statistic of a slope whose weights are c[0..m) under the noise nz:
 * z (normal scale) of its Student t.
 * The screen: Student's t has the heavier tail (P(T > s) >= P(Z > s) for
 * s > 0, every df), so its z is at most s, and at most 0 for s <= 0 (a
 * check over df 1..1364 and s 0..45 of these very functions finds z - s
 * <= 1e-16). Where that bound stays below `screen`, the z is not worked out
 * (a continued fraction and a bisection): the bound is returned, which the
 * caller knows for one below its screen. */
static double slope_z(const double *t, const double *c, size_t m, struct noise nz, double slope,
                      double screen)
{
    double var = weighted_var(t, c, m, nz);
    if (!(var > 0)) /* no noise at all: the line is the whole story */
        return slope > 0 ? INFINITY : slope < 0 ? -INFINITY : 0;
    double ts = slope / sqrt(var);
    if (ts < screen)
        return ts > 0 ? ts : 0;
    return z_for_p(t_upper(ts, slope_df(m)));
}

struct trend_line trend_line_fit(const double *t, const double *x, size_t m)
{
    struct trend_line l = { 0, 0, 0, 0 };
    for (size_t i = 0; i < m; i++) {
        l.tbar += t[i];
        l.xbar += x[i];
    }
    l.tbar /= (double)m;
    l.xbar /= (double)m;
    for (size_t i = 0; i < m; i++) {
        l.stt += (t[i] - l.tbar) * (t[i] - l.tbar);
        l.stx += (t[i] - l.tbar) * (x[i] - l.xbar);
    }
    return l;
}

/* A tail judged by what follows the onset alone: a line through points
 * [k, n), its noise fitted to that line's residuals. Whatever the series did
 * before k (a day of wandering) neither helps nor hides it. */
static double tail_z(struct work *w, size_t k, struct noise *nz, double *slope)
{
    size_t m = w->n - k;
    const double *t = w->t + k, *x = w->x + k;
    struct trend_line line = trend_line_fit(t, x, m);
    double tbar = line.tbar, xbar = line.xbar, stt = line.stt, stx = line.stx;
    if (stt <= 0)
        return -INFINITY;
    *slope = stx / stt;
    struct vgram g;
    if (!w->vs) /* else the weights only once the screen lets the tail through */
        for (size_t i = 0; i < m; i++)
            w->c[i] = (t[i] - tbar) / stt;
    if (w->vs) {
        vg_tail(w->vs, k, *slope, &g);
    } else {
        for (size_t i = 0; i < m; i++)
            w->u[i] = x[i] - xbar - *slope * (t[i] - tbar);
        vg_direct(t, w->u, m, &g);
    }
    *nz = noise_fit(&g, t, m, !w->ungated);
    /* A walk the whole series shows (its hinge's residuals) is charged to the
     * tail too, unless the tail's own variogram rises clearly less than that
     * walk would make it (by three standard deviations of the estimate): a
     * tail too short to show a walk is not taken for white noise, but a quiet
     * tail after a wandering day is. */
    struct noise whole;
    double hs;
    int fits;
    if (w->hinge_done && w->hinge_done[k]) {
        fits = w->hinge_done[k] == 1; /* the hinge test fitted this onset already */
        whole = w->hinge_nz[k];
    } else {
        fits = hinge_fit(w->t, w->x, w->n, k, NULL, w->vs ? NULL : w->s1, &hs, NULL) == 0;
        if (fits)
            whole = hinge_noise(w, k, hs, w->s1);
    }
    if (fits && whole.b > nz->b) {
        for (size_t i = 0; i < m; i++) /* the tail's residuals again (s1 was used) */
            w->u[i] = x[i] - xbar - *slope * (t[i] - tbar);
        size_t lag = m / 4 < 24 ? m / 4 : 24;
        double v1 = 0, vl = 0;
        for (size_t i = 0; i + 1 < m; i++)
            v1 += (w->u[i + 1] - w->u[i]) * (w->u[i + 1] - w->u[i]) / 2;
        for (size_t i = 0; lag > 1 && i + lag < m; i++)
            vl += (w->u[i + lag] - w->u[i]) * (w->u[i + lag] - w->u[i]) / 2;
        v1 /= (double)(m - 1);
        vl = lag > 1 ? vl / (double)(m - lag) : v1;
        double dt = (t[m - 1] - t[0]) / (double)(m - 1);
        double expect = whole.b * dt * (double)(lag - 1);
        double sd = (v1 + expect) * sqrt(6.0 / (double)m);
        if (!(lag > 1 && vl - v1 < expect - 3 * sd))
            nz->b = whole.b;
    }
    if (w->vs) {
        double bound = slope_bound(*slope, stt, *nz);
        if (bound < w->screen)
            return bound; /* screened without its weights (see slope_z) */
        for (size_t i = 0; i < m; i++)
            w->c[i] = (t[i] - tbar) / stt;
    }
    return slope_z(t, w->c, m, *nz, *slope, w->screen);
}

/* The statistic of candidate k: z (normal scale) and the fitted noise. */
static double candidate_z(struct work *w, size_t k, struct noise *nz, double *slope)
{
    if (w->tail_mode && k > 0)
        return tail_z(w, k, nz, slope);
    /* with the sums, the weights only once the screen lets the onset through */
    double shh;
    if (hinge_fit(w->t, w->x, w->n, k, w->vs ? NULL : w->c, w->vs ? NULL : w->u, slope,
                  &shh) != 0) {
        if (w->hinge_done)
            w->hinge_done[k] = 2;
        return -INFINITY;
    }
    *nz = hinge_noise(w, k, *slope, w->u);
    if (w->hinge_done) {
        w->hinge_done[k] = 1;
        w->hinge_nz[k] = *nz;
    }
    if (w->vs) {
        double bound = slope_bound(*slope, shh, *nz);
        if (bound < w->screen)
            return bound; /* screened without its weights (see slope_z) */
        hinge_fit(w->t, w->x, w->n, k, w->c, NULL, slope, NULL);
    }
    return slope_z(w->t, w->c, w->n, *nz, *slope, w->screen);
}

/* The shape tests of a significant candidate; NULL when it looks like a leak. */
static const char *candidate_shape(struct work *w, size_t k, struct noise nz, double slope,
                                   double *drawdown_out)
{
    const double *t = w->t + k, *x = w->x + k;
    size_t m = w->n - k;
    double span = t[m - 1] - t[0];
    double rise = slope * span;
    *drawdown_out = 0;
    if (slope <= 0 || span <= 0)
        return "not growing";

    /* one block (or a few) realloc'd to other sizes: the count of live blocks
     * never moves and the bytes go down as well as up. A buffer that only
     * ever grows stays a suspect. */
    int flat_blocks = 1;
    size_t ups = 0;
    for (size_t i = 0; i < m && flat_blocks; i++) {
        const struct log_point *q = &w->p[w->src[k + i]];
        flat_blocks = q->has_blocks && q->blocks == w->p[w->src[k]].blocks && q->blocks <= 4;
        ups += i > 0 && x[i] >= x[i - 1];
    }
    if (flat_blocks && (double)ups < 0.9 * (double)(m - 1))
        return "one block whose size wanders (Diff flat)";

    /* a trim: a drop below an earlier high, large beside the rise and the
     * typical step */
    double high = x[0], drawdown = 0;
    for (size_t i = 1; i < m; i++) {
        w->s1[i - 1] = x[i] - x[i - 1];
        high = fmax(high, x[i]);
        drawdown = fmax(drawdown, high - x[i]);
    }
    *drawdown_out = drawdown;
    double step_sd = robust_sd(w->s1, m - 1, w->s2);
    if (drawdown > 0.5 * rise && drawdown > 3 * step_sd)
        return "falls back (a trimmed cache)";

    /* a refill: the row was already this high before the onset */
    double end_v[3];
    size_t ne = m < 3 ? m : 3;
    memcpy(end_v, x + m - ne, ne * sizeof *x);
    double end = median(end_v, ne);
    /* (a prefix that only wandered, never trimmed at once, is no cache
     * refilling: a steady rise after it is judged by itself) */
    double pre_drop = 0;
    for (size_t i = 1; i < k; i++)
        pre_drop = fmax(pre_drop, w->x[i - 1] - w->x[i]);
    if (k >= 1 && (!w->tail_mode || pre_drop > 0.5 * rise)) {
        double pre_high = -INFINITY;
        for (size_t i = 0; i < k; i++) {
            double v[3];
            size_t a = i == 0 ? 0 : i - 1, b = i + 1 < k ? i + 1 : k - 1, q = b - a + 1;
            memcpy(v, w->x + a, q * sizeof *v);
            pre_high = fmax(pre_high, median(v, q));
        }
        if (pre_high >= end)
            return "stays below an earlier high (a cache refilling)";
    }
    /* the peak column knows the row's high before the log began */
    const struct log_point *first = &w->p[w->src[0]];
    double top = x[0];
    for (size_t i = 1; i < m; i++)
        top = fmax(top, x[i]);
    if (w->bytes && first->has_peak && (double)first->peak >= top &&
        (double)first->peak - x[0] >= 0.5 * rise)
        return "stays below an earlier peak (a cache refilling)";

    /* growth spread over the tail: the medians of its thirds rise, each step
     * a fifth of the total at least, allowing for the noise of a median */
    size_t q = m / 3;
    if (q >= 2) {
        double med[3];
        for (int j = 0; j < 3; j++) {
            size_t a = j == 0 ? 0 : j == 1 ? q : m - q, len = j == 1 ? m - 2 * q : q;
            memcpy(w->s2, x + a, len * sizeof *x);
            med[j] = median(w->s2, len);
        }
        double total = med[2] - med[0];
        double tol = 2.5 * 1.25 * sqrt(nz.a + nz.b * (t[1] - t[0])) / sqrt((double)q);
        if (total <= 0 || med[1] - med[0] < 0.2 * total - tol || med[2] - med[1] < 0.2 * total - tol)
            return "growth not spread over the window (a step or a plateau)";
    }

    /* a one-off step: without its largest jump the tail does not grow */
    if (isfinite(w->zcrit)) {
        size_t j = 0;
        for (size_t i = 1; i < m; i++)
            if (x[i] - x[i - 1] > x[j + 1] - x[j])
                j = i - 1;
        double jump = x[j + 1] - x[j];
        double *y = malloc(w->n * sizeof *y);
        if (!y)
            err(1, "malloc");
        for (size_t i = 0; i < w->n; i++)
            y[i] = w->x[i] - (i > k + j ? jump : 0);
        struct work wy = *w;
        wy.x = y;
        wy.vs = NULL; /* the sums and the hinges kept are x's */
        wy.hinge_done = NULL;
        wy.screen = -INFINITY;
        struct noise ny;
        double sy;
        double zy = candidate_z(&wy, k, &ny, &sy);
        free(y);
        if (zy < 2 && jump > 0.3 * rise)
            return "one step, then no growth (a cache that grew once)";
    }

    /* levelling off: the last half grows significantly slower than the tail */
    if (m >= 8) {
        double se;
        double s2 = line_slope(w->t, w->x, w->n, k + m / 2, nz, w->s2, &se);
        if (s2 < slope && (se == 0 || (slope - s2) / se > 2.5) && s2 < 0.7 * slope)
            return "levels off (a cache filling up)";
    }
    return NULL;
}

/* The onset between two grid neighbours that fits the hinge best (largest
 * explained variance), from suffix sums in O(n). */
static size_t refine_onset(const double *t, const double *x, size_t n, size_t lo, size_t hi,
                           double *ev_best, double *ev_first)
{
    double xbar = 0;
    for (size_t i = 0; i < n; i++)
        xbar += x[i];
    xbar /= (double)n;
    double s_t = 0, s_tt = 0, s_tx = 0, s_x = 0;
    size_t best = lo;
    double best_v = -1;
    for (size_t k = n; k-- > lo;) {
        double xc = x[k] - xbar;
        s_t += t[k];
        s_tt += t[k] * t[k];
        s_tx += t[k] * xc;
        s_x += xc;
        if (k > hi)
            continue;
        double m = (double)(n - k), tk = t[k];
        double sh = s_t - m * tk;
        double shh = s_tt - 2 * tk * s_t + m * tk * tk - sh * sh / (double)n;
        double shx = s_tx - tk * s_x; /* x centred: the mean term vanishes */
        double ev = shh > 0 && shx > 0 ? shx * shx / shh : 0;
        if (k == lo)
            *ev_first = ev;
        if (ev > best_v) {
            best_v = ev;
            best = k;
        }
    }
    *ev_best = best_v;
    return best;
}

/* Snapshots taken while the process was starting (the first a second after
 * `run &`, before its first steady state): at most the first three, and a
 * tenth of the series, each whose step to the next is more than
 * TREND_STARTUP_STEP times the typical step after them (the median absolute
 * step) and more than a quarter of the whole range after them, in live bytes
 * or in live blocks. They are left out of the test:
 * one such jump would otherwise be charged to the noise of everything after. */
static size_t startup_points(const struct log_point *p, size_t n, double *scratch)
{
    size_t most = n / 10 < 3 ? n / 10 : 3, skip = 0;
    if (most == 0)
        return 0;
    for (int blocks = 0; blocks < 2; blocks++) {
        size_t m = 0;
        for (size_t i = most; i + 1 < n; i++) {
            if (blocks && (!p[i].has_blocks || !p[i + 1].has_blocks))
                continue;
            scratch[m++] = blocks ? fabs((double)p[i + 1].blocks - (double)p[i].blocks)
                                  : fabs((double)p[i + 1].live - (double)p[i].live);
        }
        if (m < 4)
            continue;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = most; i < n; i++) {
            if (blocks && !p[i].has_blocks)
                continue;
            double v = blocks ? (double)p[i].blocks : (double)p[i].live;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        double typical = median(scratch, m);
        for (size_t i = 0; i < most; i++) {
            if (blocks && (!p[i].has_blocks || !p[i + 1].has_blocks))
                break;
            double step = blocks ? fabs((double)p[i + 1].blocks - (double)p[i].blocks)
                                 : fabs((double)p[i + 1].live - (double)p[i].live);
            if (step > TREND_STARTUP_STEP * typical && step > 0.25 * (hi - lo))
                skip = skip > i + 1 ? skip : i + 1;
        }
    }
    return skip;
}

/* The candidates' tests: live bytes by the hinge (the whole series' noise)
 * and by the tail alone (its own noise), and live blocks by the hinge when
 * the log has them. */
enum { TEST_HINGE, TEST_TAIL, TEST_COUNT };

/* The onset of a tail that passed alone, between the longer tail before it
 * on the grid (lo) and its own start (hi): the earliest start whose line
 * fits about as well (mean squared residual within a tenth more, or exactly
 * when there is none) as the tail from hi. What came before a late leak,
 * wandering, fits a line worse. From running sums in O(n). */
static size_t refine_tail_onset(const double *t, const double *x, size_t n, size_t lo, size_t hi)
{
    double st = 0, sx = 0, stt = 0, sxx = 0, stx = 0, ref = 0;
    size_t best = hi;
    /* centring keeps the sums well conditioned */
    double tc = t[hi], xc = x[hi];
    for (size_t k = n; k-- > lo;) {
        double a = t[k] - tc, b = x[k] - xc;
        st += a;
        sx += b;
        stt += a * a;
        sxx += b * b;
        stx += a * b;
        double m = (double)(n - k);
        if (k > hi || m < 3)
            continue;
        double vtt = stt - st * st / m, vxx = sxx - sx * sx / m, vtx = stx - st * sx / m;
        double mse = (vtt > 0 ? vxx - vtx * vtx / vtt : vxx) / m;
        if (mse < 0)
            mse = 0;
        if (k == hi)
            ref = mse;
        else if (mse <= 1.1 * ref + 1e-9 * (1 + fabs(xc)))
            best = k;
    }
    return best;
}

static void analyze_core(const struct log_point *p, size_t n_in, size_t family, double extra,
                         struct trend_result *r)
{
    memset(r, 0, sizeof *r);
    r->p_value = r->p_row = 1;
    r->n = n_in;
    if (family < 1)
        family = 1;
    if (n_in < TREND_MIN_POINTS) {
        r->reason = "too few snapshots";
        return;
    }
    size_t n = n_in < TREND_MAX_FIT ? n_in : TREND_MAX_FIT;
    double *t = malloc(n * sizeof *t), *x = malloc(n * sizeof *x), *xb = malloc(n * sizeof *xb);
    double *c = malloc(n * sizeof *c), *u = malloc(n * sizeof *u);
    double *s1 = malloc(n * sizeof *s1), *s2 = malloc(n * sizeof *s2);
    size_t *src = malloc(n * sizeof *src);
    if (!t || !x || !xb || !c || !u || !s1 || !s2 || !src)
        err(1, "malloc");
    int have_blocks = 1;
    for (size_t i = 0; i < n; i++) {
        /* thinning keeps the first and the last point; times from the first */
        src[i] = n == n_in ? i : (size_t)((double)i * (double)(n_in - 1) / (double)(n - 1));
        t[i] = p[src[i]].t - p[0].t;
        x[i] = (double)p[src[i]].live;
        xb[i] = (double)p[src[i]].blocks;
        have_blocks &= p[src[i]].has_blocks;
    }
    r->onset_t = p[0].t;
    r->tail = n;

    /* the grid: the whole window, then tails shorter by a constant factor */
    size_t grid[128], ng = 0;
    for (double m = (double)n; m >= TREND_MIN_TAIL && ng < 128; m /= TREND_GRID_RATIO) {
        size_t k = n - (size_t)m;
        if (ng == 0 || k != grid[ng - 1])
            grid[ng++] = k;
    }
    /* every (onset, series, test) tried counts in the correction */
    double tests = (double)ng * (TEST_COUNT + (have_blocks ? 1 : 0)) * extra;
    r->candidates = (size_t)tests;
    double zcrit = z_for_p(TREND_ALPHA / (double)family / tests);

    /* The screen: a candidate whose z stays below zcrit (less a margin far
     * above the rounding of z_for_p and of the p-values) cannot be named:
     * a suspect's p corrected for the tests is alpha at most, so its z is
     * zcrit or more. Such a candidate needs no shape test and, under the
     * bound of slope_z, not even its exact z. This changes no verdict: the
     * candidate named is the one of largest z among those that pass the
     * shape tests (a candidate is tested when its z beats the best so far,
     * and the tests do not depend on the order), and when that one is
     * significant it is the largest among the significant ones that pass,
     * the same one, tested with the same best before it; when it is not,
     * none is named either way. Only what -v says of rows not named moves:
     * a row with no significant candidate says "no significant upward
     * trend" (or "not growing"), its z, p and rate those of its candidate
     * of largest bound, the rate a least-squares one; a row whose only
     * significant candidates fail a shape test says which, where a passing
     * candidate too weak to count used to hide it. */
    double screen = zcrit - 1e-6;
    double low_z = -INFINITY, low_slope = 0;
    size_t low_m = n;
    double best_z = -INFINITY, best_any = -INFINITY, best_draw = 0;
    size_t best_g = SIZE_MAX;
    int best_blocks = 0, best_tail = 0;
    const char *why_any = "not growing";
    int any_growing = 0;
    struct noise *hinge_nz = malloc(n * sizeof *hinge_nz);
    unsigned char *hinge_done = malloc(n);
    if (!hinge_nz || !hinge_done)
        err(1, "malloc");
    for (int blocks = 0; blocks <= have_blocks; blocks++) {
        struct vgsums vs;
        vgsums_init(&vs, t, blocks ? xb : x, n);
        memset(hinge_done, 0, n);
        /* blocks by the hinge only: a walk of a few blocks, drifting up over
         * a tail, looks like a quiet line once counted in whole blocks */
        for (int test = 0; test < (blocks ? 1 : TEST_COUNT); test++) {
            struct work w = { .t = t, .x = blocks ? xb : x, .n = n, .p = p, .src = src,
                              .vs = &vs, .c = c, .u = u, .s1 = s1, .s2 = s2, .zcrit = zcrit,
                              .screen = screen, .hinge_nz = hinge_nz, .hinge_done = hinge_done,
                              .tail_mode = test == TEST_TAIL, .bytes = !blocks };
            for (size_t g = test == TEST_TAIL; g < ng; g++) {
                struct noise nz;
                double slope = 0, draw;
                double z = candidate_z(&w, grid[g], &nz, &slope);
                any_growing |= slope > 0 && isfinite(z);
                if (z < screen) {
                    if (z > low_z) {
                        low_z = z;
                        low_slope = slope;
                        low_m = test == TEST_TAIL ? n - grid[g] : n;
                    }
                    continue;
                }
                if (!(z > best_z))
                    continue; /* only a better candidate can change the verdict */
                const char *why = slope > 0 ? candidate_shape(&w, grid[g], nz, slope, &draw)
                                            : "not growing";
                if (!why && blocks) {
                    /* blocks alone do not make a leak: the bytes must rise too */
                    size_t k = grid[g];
                    if (theil_sen(t + k, x + k, n - k) <= 0)
                        why = "live blocks grow, live bytes do not";
                }
                if (!why) {
                    best_z = z;
                    best_g = g;
                    best_draw = draw;
                    best_blocks = blocks;
                    best_tail = test == TEST_TAIL;
                } else if (z > best_any) {
                    best_any = z;
                    why_any = why;
                }
            }
        }
        vgsums_free(&vs);
    }
    free(hinge_nz);
    free(hinge_done);
    double alpha = TREND_ALPHA / (double)family;
    if (t[n - 1] <= 0) {
        r->reason = "no time between snapshots";
    } else if (best_g == SIZE_MAX) {
        /* nothing looked like a leak: say why the most significant did not */
        if (best_any > -INFINITY) {
            r->z = best_any;
            r->p_value = upper_p(best_any);
            r->p_row = fmin(1, r->p_value * tests);
        }
        if (!any_growing)
            r->reason = "not growing";
        else if (r->p_row <= alpha)
            r->reason = why_any;
        else
            r->reason = "no significant upward trend";
        if (best_any == -INFINITY && low_z > -INFINITY) {
            /* screened out: the figures of the candidate of largest bound */
            r->z = z_for_p(t_upper(low_z, slope_df(low_m)));
            r->p_value = upper_p(r->z);
            r->p_row = fmin(1, r->p_value * tests);
            r->rate_bph = low_slope * 3600;
        }
    }
    if (best_g != SIZE_MAX && !r->reason) {
        size_t k = grid[best_g];
        const double *xs = best_blocks ? xb : x;
        r->z = best_z;
        r->p_value = upper_p(best_z);
        r->p_row = fmin(1, r->p_value * tests);
        r->drawdown = best_draw;
        r->by_blocks = best_blocks;
        /* the onset: the hinge that fits best, anywhere a tail could start */
        double ev, ev0, sst = 0, xbar = 0;
        size_t on = refine_onset(t, xs, n, 0, n - TREND_MIN_TAIL, &ev, &ev0);
        for (size_t i = 0; i < n; i++)
            xbar += xs[i];
        xbar /= (double)n;
        for (size_t i = 0; i < n; i++)
            sst += (xs[i] - xbar) * (xs[i] - xbar);
        /* a later onset only when it fits clearly better than growth from
         * the start (an F test with room for the search) */
        if (on > 0 && sst - ev > 0 && (ev - ev0) / (sst - ev) * (double)(n - 3) < 12)
            on = 0;
        /* a tail that passed alone: its onset is where a line starts to fit it */
        if (best_tail) {
            /* the hinge that fits best between the longer tail before it on
             * the grid and its own start, unless the tail's own line says the
             * growth began later (a quiet tail after a wandering day) */
            size_t lo = best_g > 0 ? grid[best_g - 1] : 0;
            double e1, e0;
            size_t h = refine_onset(t, xs, n, lo, k, &e1, &e0);
            size_t l = refine_tail_onset(t, xs, n, lo, k);
            on = h > l ? h : l;
        }
        r->onset = src[on];
        r->onset_t = p[src[on]].t;
        r->tail = n_in - src[on];
        double rate = theil_sen(t + on, x + on, n - on);
        r->rate_bph = rate * 3600;
        r->rise = rate * (t[n - 1] - t[on]);
        size_t up = 0;
        for (size_t i = on + 1; i < n; i++)
            up += xs[i] >= xs[i - 1];
        r->frac_up = n - on > 1 ? (double)up / (double)(n - on - 1) : 0;
        if (r->p_row > alpha)
            r->reason = "no significant upward trend";
        else if (rate <= 0)
            r->reason = "not growing";
    }
    if (!r->reason) {
        r->suspect = 1;
        r->confidence = 1 - fmin(1, r->p_row * (double)family);
        r->score = r->rate_bph * r->confidence;
    }
    free(t);
    free(x);
    free(xb);
    free(c);
    free(u);
    free(s1);
    free(s2);
    free(src);
}

/* The last point of growth in a series that grew and then held still: the
 * stop that splits it best into a line and a flat part after it (most
 * variance explained by min(t, t_stop)), from running sums in O(n). */
static size_t best_stop(const struct log_point *p, size_t n, size_t lo, size_t hi)
{
    double xbar = 0;
    for (size_t i = 0; i < n; i++)
        xbar += (double)p[i].live;
    xbar /= (double)n;
    double tot_x = 0;
    for (size_t i = 0; i < n; i++)
        tot_x += (double)p[i].live - xbar;
    double s_t = 0, s_tt = 0, s_tx = 0, s_x = 0, best_v = -1;
    size_t best = lo;
    for (size_t e = 0; e <= hi && e < n; e++) {
        double te = p[e].t - p[0].t, xc = (double)p[e].live - xbar;
        s_t += te;
        s_tt += te * te;
        s_tx += te * xc;
        s_x += xc;
        if (e < lo)
            continue;
        double after = (double)(n - 1 - e);
        double sh = s_t + after * te, shh = s_tt + after * te * te - sh * sh / (double)n;
        double shx = s_tx + te * (tot_x - s_x);
        double ev = shh > 0 && shx > 0 ? shx * shx / shh : 0;
        if (ev > best_v) {
            best_v = ev;
            best = e;
        }
    }
    return best;
}

/* A row that grew from level start to top, then ended at end_level, lowest
 * lo and highest hi after the stop, is no stopped leak: it did not grow,
 * gave half of it back or grew on by a quarter. */
static int stop_cleared(double start, double top, double end_level, double lo, double hi)
{
    double held = end_level - start;
    return top <= start || held < 0.5 * (top - start) || lo < start + 0.5 * (top - start) ||
           hi > top + 0.25 * (top - start);
}

/* A leak that stopped: up to a stop the row passes the leak test (with the
 * stops searched counted in its error), after it the row neither allocates
 * (its allocations grew by a tenth of the leak's at most, where the source
 * counts them) nor gives the growth back (half of it or more held at every
 * snapshot) nor grows on (a quarter of it at most), for a quarter of the
 * time it grew at least. A cache that
 * filled and was trimmed, or that keeps allocating as it evicts, is not one. */
static void find_stopped(const struct log_point *p, size_t n, size_t family,
                         struct trend_result *r)
{
    if (n < TREND_MIN_POINTS + 3)
        return;
    size_t e = best_stop(p, n, TREND_MIN_POINTS - 1, n - 4);
    if (n - 1 - e < 3 || (double)(n - 1 - e) < 0.25 * (double)(e + 1))
        return; /* a stop is only seen by what follows it: held a while */
    size_t stops = 0;
    for (double m = (double)n; m >= 3; m /= TREND_GRID_RATIO)
        stops++;
    double top = (double)p[e].live;
    double end_v[3] = { (double)p[n - 1].live, (double)p[n - 2].live, (double)p[n - 3].live };
    double end_level = median(end_v, 3);
    double lo = INFINITY, hi = -INFINITY; /* after the stop: never given back, no new growth */
    for (size_t i = e + 1; i < n; i++) {
        lo = fmin(lo, (double)p[i].live);
        hi = fmax(hi, (double)p[i].live);
    }
    /* Whatever onset the test of the prefix finds, the level there (start)
     * is one of the prefix's points, and each condition that clears the row
     * below holds the more as start rises. So if one holds at the prefix's
     * lowest point, no test of the prefix can make a stopped leak, and it is
     * not run. The sums are exact for byte counts under 2^50 (integers,
     * halves and quarters of them), where no rounding can bend that. */
    double lowest = INFINITY;
    for (size_t i = 0; i <= e; i++)
        lowest = fmin(lowest, (double)p[i].live);
    double exact = 0x1p50;
    if (top < exact && hi < exact && end_level < exact &&
        stop_cleared(lowest, top, end_level, lo, hi))
        return;
    struct trend_result g;
    analyze_core(p, e + 1, family, (double)stops, &g);
    if (!g.suspect)
        return;
    double start = (double)p[g.onset].live;
    double held = end_level - start;
    if (stop_cleared(start, top, end_level, lo, hi))
        return;
    /* the allocations, where the source counts them (Prometheus does not) */
    uint64_t grew = p[e].allocs - p[g.onset].allocs, after = p[n - 1].allocs - p[e].allocs;
    if ((p[e].allocs || p[n - 1].allocs) &&
        (p[n - 1].allocs < p[e].allocs || (double)after > 0.1 * (double)grew))
        return;
    *r = g;
    r->n = n;
    r->stopped = 1;
    r->stop = e;
    r->stop_t = p[e].t;
    r->held = held;
    r->rise = top - start;
}

static void analyze(const struct log_point *p, size_t n_in, size_t family,
                    struct trend_result *r)
{
    double *scratch = malloc((n_in ? n_in : 1) * sizeof *scratch);
    if (!scratch)
        err(1, "malloc");
    size_t skip = n_in >= TREND_MIN_POINTS ? startup_points(p, n_in, scratch) : 0;
    free(scratch);
    analyze_core(p + skip, n_in - skip, family, 1, r);
    if (!r->suspect) {
        struct trend_result keep = *r;
        find_stopped(p + skip, n_in - skip, family, r);
        if (!r->suspect)
            *r = keep;
    }
    r->startup = skip;
    r->n = n_in;
    if (r->suspect || r->onset) {
        r->onset += skip;
        if (r->stopped)
            r->stop += skip;
    }
}

void trend_analyze_family(const struct log_point *p, size_t n, size_t family,
                          struct trend_result *r)
{
    analyze(p, n, family, r);
}

void trend_analyze(const struct log_point *p, size_t n, struct trend_result *r)
{
    analyze(p, n, 1, r);
}

double trend_z_at(const double *t, const double *x, size_t n, size_t k)
{
    if (n < 3 || k >= n)
        return 0;
    double *c = malloc(n * sizeof *c), *u = malloc(n * sizeof *u);
    if (!c || !u)
        err(1, "malloc");
    struct work w = { .t = t, .x = x, .n = n, .c = c, .u = u, .zcrit = INFINITY,
                      .screen = -INFINITY, .ungated = 1 };
    struct noise nz;
    double slope;
    double z = candidate_z(&w, k, &nz, &slope);
    free(c);
    free(u);
    return z;
}
