#!/usr/bin/env python3
"""Reference values for the RampartStats Swift module.

Requires: Python >= 3.10, numpy, scipy >= 1.11, statsmodels >= 0.14
    pip install numpy scipy statsmodels

Usage (from the repository root):
    python3 scripts/stats_reference.py
writes Tests/RampartStatsTests/Fixtures/reference.json, which the Swift tests
(RampartStatsTests/ReferenceTests.swift) match to 1e-6 relative.

Independence: wherever a library routine exists, the expected values come from it and
from raw per-unit data, not from the sufficient-statistic formulas used in Swift:
  * Welch t-tests, intervals and degrees of freedom: statsmodels CompareMeans /
    DescrStatsW on raw data (scipy.stats.ttest_ind_from_stats for summary-only cases).
  * Ratio metrics: the delta method is checked through the linearisation
    L_i = (x_i - r*y_i)/mean(y) + r on raw data, then a statsmodels Welch test.
  * CUPED: theta is the x coefficient of a statsmodels OLS fit y ~ 1 + treatment + x;
    the adjusted outcomes are then compared with a statsmodels Welch test.
  * SRM: scipy.stats.chisquare.  Holm / BH: statsmodels multipletests.
  * Heterogeneity across segments: Cochran's Q and I² from statsmodels combine_effects; per-segment
    deviations against the other segments' pooled estimate (combine_effects), scipy's normal tail.
  * Power: statsmodels NormalIndPower.  Bayesian loss: scipy.integrate.quad.
  * Power at the current traffic (PowerAnalysis+Horizon): fixed horizon through NormalIndPower on an
    equivalent pair of arms; sequential through the papers' multipliers below and brentq.
  * Sequential boundaries: no library implements them, so they are written from the
    papers' formulas (Waudby-Smith et al. eq. 9 / 155 / 161; Howard et al. one-sided
    normal mixture) with scipy's normal CDF and scipy.optimize.brentq as the solver.
  * Quantile intervals (Deng et al. 2018): no library; written from the paper on raw
    clustered data with numpy.
"""
import json
import math
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "RampartStatsTests", "Fixtures", "reference.json")
rng = np.random.default_rng(20250601)
cases = []


def add(case_id, kind, inputs, expected):
    cases.append({"id": case_id, "kind": kind, "input": inputs, "expected": expected})


def f(x):
    return None if x is None else float(x)


# ---------------------------------------------------------------- sequential (papers)
def rho2(alpha, tuning):
    la = math.log(alpha)
    return (-2 * la + math.log(-2 * la + 1)) / tuning


def seq_two_mult(t, alpha, tuning):
    r2 = rho2(alpha, tuning)
    s = t * r2 + 1
    return math.sqrt(s / (t * r2) * 2 * math.log(math.sqrt(s) / alpha))


def seq_two_p(z, t, alpha, tuning):
    r2 = rho2(alpha, tuning)
    s = t * r2 + 1
    log_m = t * r2 * z * z / (2 * s) - 0.5 * math.log(s)
    return 1.0 if log_m <= 0 else math.exp(-log_m)


def seq_one_log_m(z, t, r2):
    s = t * r2 + 1
    return (math.log(2) - 0.5 * math.log(s) + t * r2 * z * z / (2 * s)
            + stats.norm.logcdf(z * math.sqrt(t * r2) / math.sqrt(s)))


def seq_one_mult(t, alpha, tuning):
    r2 = rho2(2 * alpha, tuning)
    return optimize.brentq(lambda z: seq_one_log_m(z, t, r2) + math.log(alpha), 1e-9, 60,
                           xtol=1e-15, rtol=4 * np.finfo(float).eps)


def seq_one_p(z, t, alpha, tuning):
    log_m = seq_one_log_m(z, t, rho2(2 * alpha, tuning))
    return 1.0 if log_m <= 0 else math.exp(-log_m)


# ---------------------------------------------------------------- inference helpers
def interval(point, var, dof, units, s):
    """Estimate, bounds and p-value for settings s (alpha, alternative, sequential, tuning)."""
    se = math.sqrt(var)
    z = point / se
    alpha, alt = s["alpha"], s["alternative"]
    if s["sequential"]:
        if alt == "twoSided":
            k = seq_two_mult(units, alpha, s["tuning"])
            p = seq_two_p(z, units, alpha, s["tuning"])
        else:
            k = seq_one_mult(units, alpha, s["tuning"])
            p = seq_one_p(z if alt == "treatmentGreater" else -z, units, alpha, s["tuning"])
    else:
        if alt == "twoSided":
            k = stats.t.ppf(1 - alpha / 2, dof)
            p = 2 * stats.t.sf(abs(z), dof)
        else:
            k = stats.t.ppf(1 - alpha, dof) if dof is not None else stats.norm.ppf(1 - alpha)
            zz = z if alt == "treatmentGreater" else -z
            p = stats.t.sf(zz, dof) if dof is not None else stats.norm.sf(zz)
    lower = -math.inf if alt == "treatmentLess" else point - k * se
    upper = math.inf if alt == "treatmentGreater" else point + k * se
    return {"estimate": point, "lower": lower, "upper": upper, "pValue": p, "standardError": se}


def welch_raw(a, b, s):
    """Absolute Welch comparison b - a from raw data via statsmodels."""
    cm = CompareMeans(DescrStatsW(b), DescrStatsW(a))
    dof = cm.dof_satt()
    alt = {"twoSided": "two-sided", "treatmentGreater": "larger", "treatmentLess": "smaller"}[s["alternative"]]
    diff = float(np.mean(b) - np.mean(a))
    var = float(np.var(b, ddof=1) / len(b) + np.var(a, ddof=1) / len(a))
    if s["sequential"]:
        return interval(diff, var, None, len(a) + len(b), s), None
    _, p, _ = cm.ttest_ind(usevar="unequal", alternative=alt)
    low, high = cm.tconfint_diff(alpha=s["alpha"], usevar="unequal", alternative=alt)
    return {"estimate": diff, "lower": float(low), "upper": float(high), "pValue": float(p),
            "standardError": math.sqrt(var)}, float(dof)


def relative_raw(a, b, dof, s):
    """Relative effect mean(b)/mean(a) - 1; variance from the linearised raw data."""
    ma, mb = np.mean(a), np.mean(b)
    lin_b = (b - mb) / ma
    lin_a = -mb * (a - ma) / ma ** 2
    var = float(np.var(lin_b, ddof=1) / len(b) + np.var(lin_a, ddof=1) / len(a))
    return interval(float(mb / ma - 1), var, dof, len(a) + len(b), s)


def settings(alpha=0.05, alternative="twoSided", sequential=False, tuning=5000.0):
    return {"alpha": alpha, "alternative": alternative, "sequential": sequential, "tuning": tuning}


def mean_stats(y):
    return {"type": "mean", "units": int(len(y)), "sum": float(np.sum(y)), "sumSquares": float(np.sum(y * y))}


# ---------------------------------------------------------------- GrowthBook published
gb_a = {"type": "mean", "units": 3407, "sum": 1396.87, "sumSquares": 52377.9767}
gb_b = {"type": "mean", "units": 3461, "sum": 2422.7, "sumSquares": 134698.29}


def summary_welch(sa, sb, var_a, var_b, s):
    na, nb = sa["units"], sb["units"]
    ma, mb = sa["sum"] / na, sb["sum"] / nb
    alternative = {"twoSided": "two-sided", "treatmentGreater": "greater", "treatmentLess": "less"}[s["alternative"]]
    t_stat, p = stats.ttest_ind_from_stats(mb, math.sqrt(var_b), nb, ma, math.sqrt(var_a), na, equal_var=False,
                                           alternative=alternative)
    va, vb = var_a / na, var_b / nb
    dof = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    absolute = interval(mb - ma, va + vb, dof, na + nb, s)
    if not s["sequential"]:
        assert abs(absolute["pValue"] - p) < 1e-12 * max(p, 1e-300) + 1e-15
        absolute["pValue"] = float(p)
    if ma == 0:
        return absolute, None, dof
    rel_var = vb / ma ** 2 + mb ** 2 * va / ma ** 4
    return absolute, interval(mb / ma - 1, rel_var, dof, na + nb, s), dof


for seq in (False, True):
    s = settings(sequential=seq)
    va = (gb_a["sumSquares"] - gb_a["sum"] ** 2 / 3407) / 3406
    vb = (gb_b["sumSquares"] - gb_b["sum"] ** 2 / 3461) / 3460
    ab, rel, dof = summary_welch(gb_a, gb_b, va, vb, s)
    add(f"growthbook-welch{'-sequential' if seq else ''}", "effect",
        {"control": gb_a, "treatment": gb_b, "settings": s},
        {"absolute": ab, "relative": rel, "dof": None if seq else dof})

pa, pb = 14 / 28, 16 / 30
for seq in (False, True):
    s = settings(sequential=seq)
    ab, rel, dof = summary_welch({"units": 28, "sum": 14}, {"units": 30, "sum": 16}, pa * (1 - pa), pb * (1 - pb), s)
    add(f"growthbook-proportions{'-sequential' if seq else ''}", "effect",
        {"control": {"type": "proportion", "units": 28, "successes": 14},
         "treatment": {"type": "proportion", "units": 30, "successes": 16}, "settings": s},
        {"absolute": ab, "relative": rel, "dof": None if seq else dof})

add("growthbook-published", "published", {},
    {"welch": {"absolute": [0.29, 0.04538, 0.53462, 0.02016], "relative": [0.70732, -0.03526, 1.44989, 0.06191]},
     "proportions": {"relative": [0.06667, -0.47767, 0.61101, 0.80707]},
     "srm": [{"counts": [1000, 1200], "weights": [0.5, 0.5], "pValue": 2.0079e-05},
             {"counts": [500, 500, 600], "weights": [0.34, 0.33, 0.33], "pValue": 0.000592638}]})

# ---------------------------------------------------------------- means from raw data
mean_specs = [
    ("normal-small", lambda n: rng.normal(10, 3, n), 40, 55),
    ("normal-large", lambda n: rng.normal(250, 80, n), 4000, 4100),
    ("tokens-lognormal", lambda n: rng.lognormal(7, 0.8, n), 1500, 1400),
    ("latency-skewed", lambda n: rng.lognormal(7.5, 1.1, n), 900, 950),
    ("unequal-variance", lambda n: rng.normal(5, 1 + 4 * (n > 500), n), 300, 800),
]
for name, gen, na, nb in mean_specs:
    a, b = gen(na), gen(nb) * 1.04
    for s in (settings(), settings(alpha=0.1), settings(sequential=True),
              settings(alternative="treatmentGreater"), settings(alternative="treatmentLess", sequential=True)):
        ab, dof = welch_raw(a, b, s)
        rel = relative_raw(a, b, dof, s)
        tag = f"{'seq' if s['sequential'] else 'fixed'}-{s['alternative']}-{s['alpha']}"
        add(f"mean-{name}-{tag}", "effect", {"control": mean_stats(a), "treatment": mean_stats(b), "settings": s},
            {"absolute": ab, "relative": rel, "dof": dof})

# ---------------------------------------------------------------- proportions
for name, (xa, na, xb, nb) in {"completion": (7411, 10112, 7530, 10047), "escalation": (812, 10112, 779, 10047),
                               "rare-errors": (9, 2000, 17, 2010), "tiny": (3, 12, 7, 11)}.items():
    for s in (settings(), settings(sequential=True), settings(alternative="treatmentLess")):
        qa, qb = xa / na, xb / nb
        ab, rel, dof = summary_welch({"units": na, "sum": xa}, {"units": nb, "sum": xb},
                                     qa * (1 - qa), qb * (1 - qb), s)
        add(f"proportion-{name}-{'seq' if s['sequential'] else 'fixed'}-{s['alternative']}", "effect",
            {"control": {"type": "proportion", "units": na, "successes": xa},
             "treatment": {"type": "proportion", "units": nb, "successes": xb}, "settings": s},
            {"absolute": ab, "relative": rel, "dof": None if s["sequential"] else dof})


# ---------------------------------------------------------------- ratio metrics
def ratio_stats(x, y):
    return {"type": "ratio", "units": int(len(x)), "numeratorSum": float(x.sum()), "numeratorSumSquares": float((x * x).sum()),
            "denominatorSum": float(y.sum()), "denominatorSumSquares": float((y * y).sum()), "crossSum": float((x * y).sum())}


def linearise(x, y):
    r = x.sum() / y.sum()
    return (x - r * y) / y.mean() + r


for name, n_a, n_b, lift in (("cost-per-task", 800, 820, 0.95), ("cost-per-task-large", 5000, 5100, 1.01)):
    def gen(n, scale):
        tasks = rng.poisson(3, n) + 1.0
        cost = tasks * rng.lognormal(-4, 0.5, n) * scale + rng.normal(0, 0.002, n) ** 2
        return cost, tasks
    xa, ya = gen(n_a, 1.0)
    xb, yb = gen(n_b, lift)
    la, lb = linearise(xa, ya), linearise(xb, yb)
    for s in (settings(), settings(sequential=True)):
        ab, dof = welch_raw(la, lb, s)
        ra, rb = xa.sum() / ya.sum(), xb.sum() / yb.sum()
        var_rel = float(np.var(lb, ddof=1) / n_b / ra ** 2 + rb ** 2 * np.var(la, ddof=1) / n_a / ra ** 4)
        rel = interval(rb / ra - 1, var_rel, dof, n_a + n_b, s)
        add(f"ratio-{name}-{'seq' if s['sequential'] else 'fixed'}", "effect",
            {"control": ratio_stats(xa, ya), "treatment": ratio_stats(xb, yb), "settings": s},
            {"absolute": ab, "relative": rel, "dof": dof})
    # ceiling on the treatment ratio: one-sample t on the linearised values
    for seq, ceiling in ((False, 0.03), (True, 0.03), (False, float(rb) * 0.999)):
        s = settings(sequential=seq)
        d = DescrStatsW(lb)
        se = float(d.std_mean)
        if seq:
            k = seq_one_mult(n_b, 0.05, 5000.0)
            z = (rb - ceiling) / se
            p_below, p_above = seq_one_p(-z, n_b, 0.05, 5000.0), seq_one_p(z, n_b, 0.05, 5000.0)
            lower, upper = rb - k * se, rb + k * se
        else:
            lower = d.tconfint_mean(alpha=0.05, alternative="larger")[0]
            upper = d.tconfint_mean(alpha=0.05, alternative="smaller")[1]
            p_below = d.ttest_mean(ceiling, alternative="smaller")[1]
            p_above = d.ttest_mean(ceiling, alternative="larger")[1]
        decision = "belowCeiling" if upper < ceiling else ("aboveCeiling" if lower > ceiling else "inconclusive")
        add(f"ceiling-ratio-{name}-{'seq' if seq else 'fixed'}-{ceiling:.6f}", "ceiling",
            {"statistics": ratio_stats(xb, yb), "ceiling": ceiling, "settings": s},
            {"decision": decision, "estimate": float(rb), "lower": float(lower), "upper": float(upper),
             "pValueBelow": float(p_below), "pValueAbove": float(p_above),
             "probabilityAbove": float(stats.norm.sf(ceiling, loc=float(rb), scale=se))})

# ceiling on a mean (tokens)
tok = rng.lognormal(7, 0.6, 700)
for seq, ceiling in ((False, 1500.0), (True, 1500.0), (False, 1300.0), (True, float(tok.mean()) * 1.001),
                     (False, 1150.0), (True, 1150.0)):
    d = DescrStatsW(tok)
    m, se = float(tok.mean()), float(d.std_mean)
    if seq:
        k = seq_one_mult(len(tok), 0.05, 5000.0)
        z = (m - ceiling) / se
        lower, upper = m - k * se, m + k * se
        p_below, p_above = seq_one_p(-z, len(tok), 0.05, 5000.0), seq_one_p(z, len(tok), 0.05, 5000.0)
    else:
        lower = d.tconfint_mean(alpha=0.05, alternative="larger")[0]
        upper = d.tconfint_mean(alpha=0.05, alternative="smaller")[1]
        p_below = d.ttest_mean(ceiling, alternative="smaller")[1]
        p_above = d.ttest_mean(ceiling, alternative="larger")[1]
    decision = "belowCeiling" if upper < ceiling else ("aboveCeiling" if lower > ceiling else "inconclusive")
    add(f"ceiling-mean-{'seq' if seq else 'fixed'}-{ceiling:.3f}", "ceiling",
        {"statistics": mean_stats(tok), "ceiling": ceiling, "settings": settings(sequential=seq)},
        {"decision": decision, "estimate": m, "lower": float(lower), "upper": float(upper),
         "pValueBelow": float(p_below), "pValueAbove": float(p_above),
         "probabilityAbove": float(stats.norm.sf(ceiling, loc=m, scale=se))})

# ---------------------------------------------------------------- CUPED
for name, n_a, n_b, effect in (("latency", 1200, 1250, -40.0), ("tokens", 400, 380, 25.0)):
    def gen(n, shift):
        x = rng.normal(1000, 200, n)
        y = 0.8 * x + rng.normal(200, 120, n) + shift
        return x, y
    xa, ya = gen(n_a, 0.0)
    xb, yb = gen(n_b, effect)
    treat = np.concatenate([np.zeros(n_a), np.ones(n_b)])
    x_all, y_all = np.concatenate([xa, xb]), np.concatenate([ya, yb])
    ols = sm.OLS(y_all, sm.add_constant(np.column_stack([treat, x_all]))).fit()
    theta = float(ols.params[2])
    za, zb = ya - theta * (xa - x_all.mean()), yb - theta * (xb - x_all.mean())
    for s in (settings(), settings(sequential=True)):
        ab, dof = welch_raw(za, zb, s)
        assert abs(ab["estimate"] - ols.params[1]) < 1e-8 * abs(ols.params[1])
        rel = relative_raw(za, zb, dof, s)

        def cuped(x, y):
            return {"type": "cuped", "units": int(len(x)), "postSum": float(y.sum()), "postSumSquares": float((y * y).sum()),
                    "preSum": float(x.sum()), "preSumSquares": float((x * x).sum()), "crossSum": float((x * y).sum())}
        add(f"cuped-{name}-{'seq' if s['sequential'] else 'fixed'}", "effect",
            {"control": cuped(xa, ya), "treatment": cuped(xb, yb), "settings": s},
            {"absolute": ab, "relative": rel, "dof": dof, "theta": theta})


# ---------------------------------------------------------------- quantiles (Deng et al. 2018)
def clustered(n_units, scale):
    values, per_unit = [], []
    for _ in range(n_units):
        m = 1 + rng.poisson(3)
        u = rng.normal(0, 0.5)
        v = np.exp(7 + u + rng.normal(0, 0.6, m)) * scale
        per_unit.append(v)
        values.append(v)
    return per_unit, np.sort(np.concatenate(values))


def quantile_case(per_unit, events, p, alpha, sequential):
    n_events = len(events)
    q = events[math.ceil(n_events * p) - 1]
    m = np.array([len(v) for v in per_unit], dtype=float)
    y = np.array([np.sum(v <= q) for v in per_unit], dtype=float)
    n = len(per_unit)
    lin = (y - y.sum() / m.sum() * m) / m.mean()
    sigma = math.sqrt(np.var(lin, ddof=1) / n)
    k = seq_two_mult(n, alpha, 5000.0) if sequential else stats.norm.ppf(1 - alpha / 2)
    p_low, p_high = max(0.0, p - k * sigma), min(1.0, p + k * sigma)
    r_low = min(max(int(math.floor(n_events * p_low)), 1), n_events)
    r_high = min(max(int(math.ceil(n_events * p_high)), 1), n_events)
    statistics = {"units": n, "level": p, "estimate": float(q), "sumM": float(m.sum()), "sumMSquares": float((m * m).sum()),
                  "sumY": float(y.sum()), "sumYSquares": float((y * y).sum()), "sumYM": float((y * m).sum())}
    # P(quantile above a ceiling c) = P(F(c) < p), with the empirical CDF F(c) read as N(F(c), sigma^2).
    ceilings = [{"ceiling": float(c), "probabilityAbove": float(stats.norm.cdf((p - np.searchsorted(events, c, side="right") / n_events) / sigma))}
                for c in (q * 0.9, q * 0.999, q * 1.05, q * 1.2)]
    return statistics, {"sigma": sigma, "multiplier": k, "pLower": p_low, "pUpper": p_high,
                        "lower": float(events[r_low - 1]), "upper": float(events[r_high - 1]), "ceilings": ceilings}


q_control = clustered(400, 1.0)
q_treatment = clustered(420, 1.08)
for arm_name, (per_unit, events) in (("control", q_control), ("treatment", q_treatment)):
    for p in (0.5, 0.9, 0.95, 0.99):
        for seq in (False, True):
            st, ex = quantile_case(per_unit, events, p, 0.05, seq)
            add(f"quantile-{arm_name}-p{int(p * 100)}-{'seq' if seq else 'fixed'}", "quantile",
                {"statistics": st, "sample": f"{arm_name}", "settings": settings(sequential=seq)}, ex)
for p in (0.5, 0.95):
    sa, ea = quantile_case(*q_control, p, 0.05, False)
    sb, eb = quantile_case(*q_treatment, p, 0.05, False)
    k = ea["multiplier"]
    se_a, se_b = (ea["upper"] - ea["lower"]) / (2 * k), (eb["upper"] - eb["lower"]) / (2 * k)
    s = settings()
    diff = sb["estimate"] - sa["estimate"]
    var = se_a ** 2 + se_b ** 2
    z = diff / math.sqrt(var)
    absolute = {"estimate": diff, "lower": diff - stats.norm.ppf(0.975) * math.sqrt(var),
                "upper": diff + stats.norm.ppf(0.975) * math.sqrt(var), "pValue": 2 * stats.norm.sf(abs(z))}
    ma, mb = sa["estimate"], sb["estimate"]
    rv = se_b ** 2 / ma ** 2 + mb ** 2 * se_a ** 2 / ma ** 4
    rz = (mb / ma - 1) / math.sqrt(rv)
    relative = {"estimate": mb / ma - 1, "lower": mb / ma - 1 - stats.norm.ppf(0.975) * math.sqrt(rv),
                "upper": mb / ma - 1 + stats.norm.ppf(0.975) * math.sqrt(rv), "pValue": 2 * stats.norm.sf(abs(rz))}
    add(f"quantile-compare-p{int(p * 100)}", "effect",
        {"control": {"type": "quantileInterval", "estimate": sa["estimate"], "lower": ea["lower"], "upper": ea["upper"],
                     "multiplier": k, "units": sa["units"]},
         "treatment": {"type": "quantileInterval", "estimate": sb["estimate"], "lower": eb["lower"], "upper": eb["upper"],
                       "multiplier": k, "units": sb["units"]}, "settings": s},
        {"absolute": absolute, "relative": relative, "dof": None})

# ---------------------------------------------------------------- guardrails
def guardrail_case(case_id, sa, sb, var_a, var_b, margin_kind, margin, direction, seq):
    na, nb = sa["units"], sb["units"]
    ma, mb = sa["sum"] / na, sb["sum"] / nb
    va, vb = var_a / na, var_b / nb
    dof = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    if margin_kind == "relative":
        point, var = mb / ma - 1, vb / ma ** 2 + mb ** 2 * va / ma ** 4
    else:
        point, var = mb - ma, va + vb
    se = math.sqrt(var)
    k = seq_one_mult(na + nb, 0.05, 5000.0) if seq else stats.t.ppf(0.95, dof)
    lower, upper = point - k * se, point + k * se
    boundary = margin if direction == "lowerIsBetter" else -margin
    z = (point - boundary) / se
    if seq:
        p_greater, p_less = seq_one_p(z, na + nb, 0.05, 5000.0), seq_one_p(-z, na + nb, 0.05, 5000.0)
    else:
        p_greater, p_less = stats.t.sf(z, dof), stats.t.cdf(z, dof)
    if direction == "lowerIsBetter":
        decision = "nonInferior" if upper < boundary else ("regression" if lower > boundary else "inconclusive")
        p_ni, p_reg = p_less, p_greater
    else:
        decision = "nonInferior" if lower > boundary else ("regression" if upper < boundary else "inconclusive")
        p_ni, p_reg = p_greater, p_less
    # The flat-prior normal posterior N(point, se^2): the probability mass beyond the margin boundary.
    beyond = stats.norm.sf(boundary, loc=point, scale=se) if direction == "lowerIsBetter" \
        else stats.norm.cdf(boundary, loc=point, scale=se)
    return {"decision": decision, "estimate": point, "lower": lower, "upper": upper,
            "pValueNonInferior": p_ni, "pValueRegression": p_reg, "probabilityBeyondMargin": float(beyond)}


guard_props = {"escalation-flat": (812, 10112, 779, 10047), "escalation-up": (812, 10112, 1010, 10047),
               "escalation-slight": (400, 5000, 430, 5000), "completion-down": (7411, 10112, 7011, 10047),
               "completion-flat": (7411, 10112, 7430, 10047)}
for name, (xa, na, xb, nb) in guard_props.items():
    direction = "higherIsBetter" if name.startswith("completion") else "lowerIsBetter"
    qa, qb = xa / na, xb / nb
    for margin_kind, margin in (("relative", 0.02), ("relative", 0.10), ("absolute", 0.01)):
        for seq in (False, True):
            ex = guardrail_case(name, {"units": na, "sum": xa}, {"units": nb, "sum": xb}, qa * (1 - qa), qb * (1 - qb),
                                margin_kind, margin, direction, seq)
            add(f"guardrail-{name}-{margin_kind}{margin}-{'seq' if seq else 'fixed'}", "guardrail",
                {"control": {"type": "proportion", "units": na, "successes": xa},
                 "treatment": {"type": "proportion", "units": nb, "successes": xb},
                 "margin": {"kind": margin_kind, "value": margin}, "direction": direction,
                 "settings": settings(sequential=seq)}, ex)

# ---------------------------------------------------------------- SRM
for counts, weights in (([1000, 1200], [0.5, 0.5]), ([500, 500, 600], [0.34, 0.33, 0.33]),
                        ([500, 500, 600], [1 / 3, 1 / 3, 1 / 3]), ([310, 98], [0.75, 0.25]),
                        ([1000, 1200, 900], [0.5, 0.5, 0.0]), ([0, 505, 500], [0.34, 0.33, 0.33]),
                        ([0, 10, 10], [0.34, 0.33, 0.33]), ([500, 500], [0.5, 0.5]),
                        ([5021, 4980, 5102, 4897], [0.25, 0.25, 0.25, 0.25]), ([9000, 1100], [0.9, 0.1])):
    active = [i for i, w in enumerate(weights) if w > 0]
    obs = np.array([counts[i] for i in active], dtype=float)
    w = np.array([weights[i] for i in active])
    res = stats.chisquare(obs, obs.sum() * w / w.sum())
    add(f"srm-{counts}-{[round(x, 3) for x in weights]}", "srm", {"counts": counts, "weights": weights},
        {"pValue": float(res.pvalue), "chiSquare": float(res.statistic), "dof": len(active) - 1})
add("srm-no-units", "srm", {"counts": [0, 0], "weights": [0.5, 0.5]}, {"problem": "noUnits"})
add("srm-one-weight", "srm", {"counts": [1000, 900, 800], "weights": [1, 0, 0]}, {"problem": "invalidInput"})

# ---------------------------------------------------------------- corrections
for i, pv in enumerate(([0.01, 0.04, 0.03, 0.005, 0.55, 0.6], [0.001, 0.2, 0.049, 0.051, 0.9],
                        list(rng.uniform(0, 0.2, 12)), [0.5], [0.02, 0.02, 0.02, 0.9])):
    for method, sm_name in (("holm", "holm"), ("benjaminiHochberg", "fdr_bh")):
        adjusted = multipletests(pv, method=sm_name)[1]
        add(f"correction-{method}-{i}", "correction", {"pValues": [float(x) for x in pv], "method": method},
            {"adjusted": [float(x) for x in adjusted]})
pv = [0.01, None, 0.04, 0.03]
valid = [x for x in pv if x is not None]
for method, sm_name in (("holm", "holm"), ("benjaminiHochberg", "fdr_bh")):
    adj = list(multipletests(valid, method=sm_name)[1])
    add(f"correction-{method}-with-missing", "correction", {"pValues": pv, "method": method},
        {"adjusted": [float(adj.pop(0)) if x is not None else None for x in pv]})

# ---------------------------------------------------------------- Bayesian
def loss_integral(mean, sd, sign):
    return integrate.quad(lambda d: max(0.0, sign * d) * stats.norm.pdf(d, mean, sd), mean - 12 * sd, mean + 12 * sd,
                          points=[0.0] if abs(mean) < 12 * sd else None, epsabs=1e-14, epsrel=1e-12, limit=200)[0]


for name, (xa, na, xb, nb), direction, relative in (
        ("completion-rel", (7411, 10112, 7530, 10047), "higherIsBetter", True),
        ("completion-abs", (7411, 10112, 7530, 10047), "higherIsBetter", False),
        ("escalation-rel", (812, 10112, 779, 10047), "lowerIsBetter", True),
        ("growthbook-props", (14, 28, 16, 30), "higherIsBetter", True)):
    qa, qb = xa / na, xb / nb
    va, vb = qa * (1 - qa) / na, qb * (1 - qb) / nb
    mean, var = (qb / qa - 1, vb / qa ** 2 + qb ** 2 * va / qa ** 4) if relative else (qb - qa, va + vb)
    sd = math.sqrt(var)
    gain_sign = 1 if direction == "higherIsBetter" else -1
    add(f"bayes-{name}", "bayes",
        {"control": {"type": "proportion", "units": na, "successes": xa},
         "treatment": {"type": "proportion", "units": nb, "successes": xb},
         "direction": direction, "relative": relative},
        {"chanceToBeatControl": float(stats.norm.sf(0, gain_sign * mean, sd)),
         "expectedLossTreatment": loss_integral(gain_sign * mean, sd, -1),
         "expectedLossControl": loss_integral(gain_sign * mean, sd, 1),
         "posteriorMean": mean, "posteriorStandardDeviation": sd})

# ---------------------------------------------------------------- power
power = NormalIndPower()
for alpha, pw, one_sided, effect, sd, ratio in ((0.05, 0.8, False, 0.01, math.sqrt(0.7 * 0.3), 1.0),
                                                (0.05, 0.9, False, 5.0, 80.0, 1.0),
                                                (0.01, 0.8, False, 0.002, math.sqrt(0.08 * 0.92), 1.0),
                                                (0.05, 0.8, True, 0.01, math.sqrt(0.7 * 0.3), 1.0),
                                                (0.05, 0.8, False, 20.0, 300.0, 2.0)):
    alt = "larger" if one_sided else "two-sided"
    d = effect / sd
    # NormalIndPower.solve_power stops early (its power is off by up to 3e-5 at the answer), so the
    # root of NormalIndPower.power is taken with scipy's brentq at full precision instead.
    n1 = optimize.brentq(lambda n: power.power(d, n, alpha, ratio=ratio, alternative=alt) - pw, 1e-3, 1e12,
                         xtol=1e-12, rtol=4 * np.finfo(float).eps)
    mde_d = optimize.brentq(lambda e: power.power(e, 5000, alpha, ratio=ratio, alternative=alt) - pw, 1e-9, 10,
                            xtol=1e-15, rtol=4 * np.finfo(float).eps)
    approx = power.solve_power(effect_size=d, nobs1=None, alpha=alpha, power=pw, ratio=ratio, alternative=alt)
    assert abs(approx - n1) < 1e-3 * n1
    at = power.power(effect_size=d, nobs1=3000, alpha=alpha, ratio=ratio, alternative=alt)
    add(f"power-{alpha}-{pw}-{one_sided}-{effect}-{ratio}", "power",
        {"alpha": alpha, "power": pw, "oneSided": one_sided, "effect": effect, "standardDeviation": sd, "ratio": ratio},
        {"controlUnits": float(n1), "treatmentUnits": float(n1 * ratio), "mdeAt5000": float(mde_d * sd),
         "powerAt3000": float(at)})

# ---------------------------------------------------------------- power at the current traffic (horizon)
# An estimate with standard error s/sqrt(t) over t units (rampart plan). Fixed horizon: statsmodels NormalIndPower
# on two equal arms of t/2 units with per-unit sd sigma = s/2 (so that SE = sigma*sqrt(2/(t/2)) = s/sqrt(t)).
# Sequential: the papers' multipliers above, with brentq for the units.
for alpha, pw, one_sided, tuning, scale, effect, units in ((0.05, 0.8, False, 5000.0, 0.9, 0.05, 4000.0),
                                                           (0.05, 0.8, True, 5000.0, 0.9, 0.05, 4000.0),
                                                           (0.05, 0.9, False, 10000.0, 2.4, 0.02, 20000.0),
                                                           (0.01, 0.8, True, 5000.0, 150.0, 12.0, 1500.0)):
    alt = "larger" if one_sided else "two-sided"
    sigma = scale / 2
    n1 = optimize.brentq(lambda n: power.power(effect / sigma, n, alpha, ratio=1.0, alternative=alt) - pw, 1e-6, 1e13,
                         xtol=1e-12, rtol=4 * np.finfo(float).eps)
    mde_d = optimize.brentq(lambda e: power.power(e, units / 2, alpha, ratio=1.0, alternative=alt) - pw, 1e-12, 10,
                            xtol=1e-15, rtol=4 * np.finfo(float).eps)
    z_power = stats.norm.ppf(pw)
    mult = (lambda t: seq_one_mult(t, alpha, tuning)) if one_sided else (lambda t: seq_two_mult(t, alpha, tuning))
    seq_units = math.exp(optimize.brentq(lambda lt: effect * math.sqrt(math.exp(lt)) / scale - mult(math.exp(lt)) - z_power,
                                         math.log(2), math.log(1e13), xtol=1e-14, rtol=4 * np.finfo(float).eps))
    add(f"horizon-{alpha}-{pw}-{one_sided}-{tuning}-{scale}-{effect}-{units}", "horizon",
        {"alpha": alpha, "power": pw, "oneSided": one_sided, "tuning": tuning, "scale": scale, "effect": effect,
         "units": units},
        {"fixedUnits": float(2 * n1), "fixedMDE": float(mde_d * sigma), "sequentialUnits": float(seq_units),
         "sequentialMDE": float((mult(units) + z_power) * scale / math.sqrt(units))})

# ---------------------------------------------------------------- degenerate inputs
s = settings()
add("degenerate-zero-variance", "effect",
    {"control": {"type": "mean", "units": 10, "sum": 50, "sumSquares": 250},
     "treatment": {"type": "mean", "units": 10, "sum": 50, "sumSquares": 250}, "settings": s},
    {"absolute": {"problem": "zeroVariance", "estimate": 0.0}, "relative": {"problem": "zeroVariance", "estimate": 0.0}})
add("degenerate-no-units", "effect",
    {"control": {"type": "mean", "units": 0, "sum": 0, "sumSquares": 0},
     "treatment": {"type": "mean", "units": 10, "sum": 50, "sumSquares": 300}, "settings": s},
    {"absolute": {"problem": "noUnits"}, "relative": {"problem": "noUnits"}})
add("degenerate-one-unit", "effect",
    {"control": {"type": "mean", "units": 1, "sum": 3, "sumSquares": 9},
     "treatment": {"type": "mean", "units": 10, "sum": 50, "sumSquares": 300}, "settings": s},
    {"absolute": {"problem": "tooFewUnits"}, "relative": {"problem": "tooFewUnits"}})
zc_abs, _, _ = summary_welch({"units": 100, "sum": 0}, {"units": 100, "sum": 5}, 0.0, 0.05 * 0.95, s)
add("degenerate-zero-control-mean", "effect",
    {"control": {"type": "proportion", "units": 100, "successes": 0},
     "treatment": {"type": "proportion", "units": 100, "successes": 5}, "settings": s},
    {"absolute": zc_abs, "relative": {"problem": "zeroControlMean"}})
add("degenerate-zero-denominator", "effect",
    {"control": {"type": "ratio", "units": 10, "numeratorSum": 1, "numeratorSumSquares": 1, "denominatorSum": 0,
                 "denominatorSumSquares": 0, "crossSum": 0},
     "treatment": ratio_stats(np.arange(1, 11.0), np.ones(10)), "settings": s},
    {"absolute": {"problem": "zeroDenominator"}, "relative": {"problem": "zeroDenominator"}})
add("degenerate-inconsistent-sums", "effect",
    {"control": {"type": "mean", "units": 10, "sum": 100, "sumSquares": 10},
     "treatment": {"type": "mean", "units": 10, "sum": 50, "sumSquares": 300}, "settings": s},
    {"absolute": {"problem": "invalidInput"}, "relative": {"problem": "invalidInput"}})

def portable(value):
    """JSON has no infinities: write them as the strings "inf" and "-inf"."""
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        assert not math.isnan(value), "NaN in reference data"
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value



# ---------------------------------------------------------------- alpha spending (Lan-DeMets)
# An implementation independent of the Swift one (Simpson grid, GSL, GSL Brent): Gauss-Legendre
# quadrature of the continuation sub-densities (numpy), scipy's normal functions and brentq; and,
# for up to four looks, the crossing probabilities re-checked against scipy.stats.multivariate_normal.cdf
# of the correlated look statistics, corr(Z_i, Z_j) = sqrt(I_i / I_j).
SPEND_OUT = os.path.join(ROOT, "Tests", "RampartStatsTests", "Fixtures", "spending_reference.json")


def spent(kind, frac, alpha):
    tau = min(max(frac, 0.0), 1.0)
    if tau == 0:
        return 0.0
    if tau == 1:
        return alpha
    if kind == "obrien-fleming":
        return 2 * stats.norm.sf(stats.norm.ppf(1 - alpha / 2) / math.sqrt(tau))
    return alpha * math.log(1 + (math.e - 1) * tau)


def spending_bounds(looks, imax, alpha, kind, one_sided, nodes=600, fractions=None):
    """Boundaries at `looks` (information); the spending fraction of look k is looks[k] / imax, or with calendar
    time (Lan & DeMets 1989) the given fractions[k] = day / horizon; alpha is spent at the first fraction >= 1."""
    gx, gw = np.polynomial.legendre.leggauss(nodes)
    bounds, spent_so_far, exhausted = [], 0.0, False
    xs = ws = None  # continuation nodes and weight * sub-density at the previous look
    fracs = [ik / imax for ik in looks] if fractions is None else list(fractions)
    for k, ik in enumerate(looks):
        target = spent(kind, fracs[k], alpha) - spent_so_far
        if k == 0:
            def cross(b):
                return stats.norm.sf(b) * (1 if one_sided else 2)
        else:
            ip, d = looks[k - 1], ik - looks[k - 1]
            px, pw = xs, ws

            def cross(b, px=px, pw=pw, ip=ip, d=d, ik=ik):
                m = px * math.sqrt(ip)
                up = stats.norm.sf((b * math.sqrt(ik) - m) / math.sqrt(d))
                lo = 0 if one_sided else stats.norm.cdf((-b * math.sqrt(ik) - m) / math.sqrt(d))
                return float(np.sum(pw * (up + lo)))
        if exhausted or target <= 0:
            b = math.inf
        else:
            b = optimize.brentq(lambda v: cross(v) - target, -12 if one_sided else 0, 40, xtol=1e-14, rtol=1e-14)
            spent_so_far += cross(b)
        bounds.append(b)
        if fracs[k] >= 1:
            exhausted = True
        hi = min(b, 12.0)
        lo = -12.0 if one_sided else -hi
        x = (hi - lo) / 2 * gx + (hi + lo) / 2
        w = (hi - lo) / 2 * gw
        if k == 0:
            dens = stats.norm.pdf(x)
        else:
            ip, d = looks[k - 1], ik - looks[k - 1]
            kern = stats.norm.pdf((x[:, None] * math.sqrt(ik) - xs[None, :] * math.sqrt(ip)) / math.sqrt(d))
            dens = (kern * ws[None, :]).sum(1) * math.sqrt(ik) / math.sqrt(d)
        xs, ws = x, w * dens
    return bounds


def mvn_crossing(looks, bounds, one_sided):
    """P(first crossing at each look) under H0 from multivariate normal CDFs."""
    out, prev_none = [], 1.0
    for k in range(1, len(looks) + 1):
        info = np.array(looks[:k], dtype=float)
        cov = np.sqrt(np.minimum.outer(info, info) / np.maximum.outer(info, info))
        b = np.array([min(v, 38.0) for v in bounds[:k]])
        lower = np.full(k, -np.inf) if one_sided else -b
        none_k = stats.multivariate_normal(mean=np.zeros(k), cov=cov, abseps=1e-9, releps=1e-9, maxpts=2_000_000) \
            .cdf(b, lower_limit=lower) if k > 1 else (stats.norm.cdf(b[0]) - (0 if one_sided else stats.norm.cdf(-b[0])))
        out.append(prev_none - none_k)
        prev_none = none_k
    return out


spending_cases = []
for case_id, kind, one_sided, alpha, imax, looks in [
    ("obf-two-sided-4-looks", "obrien-fleming", False, 0.05, 2600.0, [400.0, 1000.0, 1800.0, 2600.0]),
    ("obf-one-sided-4-looks", "obrien-fleming", True, 0.05, 2600.0, [400.0, 1000.0, 1800.0, 2600.0]),
    ("pocock-two-sided-4-looks", "pocock", False, 0.05, 2000.0, [500.0, 1000.0, 1500.0, 2000.0]),
    ("pocock-one-sided-3-looks", "pocock", True, 0.025, 3000.0, [700.0, 1600.0, 3000.0]),
    ("obf-two-sided-alpha10-short", "obrien-fleming", False, 0.10, 10000.0, [1500.0, 2500.0, 6000.0]),
    ("obf-two-sided-daily-28", "obrien-fleming", False, 0.05, 11200.0, [400.0 * d for d in range(1, 29)]),
    ("obf-one-sided-daily-28", "obrien-fleming", True, 0.05, 11200.0, [400.0 * d for d in range(1, 29)]),
    ("obf-two-sided-twice-daily-20", "obrien-fleming", False, 0.05, 4000.0, [200.0 * h for h in range(1, 21)]),
    ("obf-two-sided-overrun", "obrien-fleming", False, 0.05, 11200.0, [2800.0, 5600.0, 8400.0, 12000.0, 16800.0]),
]:
    bounds = spending_bounds(looks, imax, alpha, kind, one_sided)
    if len(looks) <= 4:
        # Independent check of the integration: first-crossing probabilities from the MVN CDF.
        expected_spend = [spent(kind, looks[0] / imax, alpha)] + [
            spent(kind, looks[k] / imax, alpha) - spent(kind, looks[k - 1] / imax, alpha) for k in range(1, len(looks))]
        for got, want in zip(mvn_crossing(looks, bounds, one_sided), expected_spend):
            assert abs(got - want) < 2e-6, (case_id, got, want)
    spending_cases.append({"id": case_id, "spending": kind, "oneSided": one_sided, "alpha": alpha,
                           "maximumUnits": imax, "looks": looks, "boundaries": bounds})
# Calendar-time spending: information from the units (uneven, as in a ramp), spending by day / horizon.
RAMP_UNITS = [16.0] * 3 + [80.0] * 4 + [400.0] * 7 + [800.0] * 7 + [1600.0] * 21   # both arms, per day, 1 % -> 100 %
for case_id, kind, one_sided, alpha, looks, fractions in [
    ("calendar-obf-two-sided-4-looks", "obrien-fleming", False, 0.05, [100.0, 500.0, 2000.0, 8000.0], [1 / 7, 3 / 7, 4 / 7, 1.0]),
    ("calendar-pocock-one-sided-3-looks", "pocock", True, 0.05, [300.0, 3000.0, 4000.0], [0.25, 0.5, 1.0]),
    ("calendar-obf-two-sided-ramp-28", "obrien-fleming", False, 0.05,
     list(np.cumsum(RAMP_UNITS[:28])), [d / 28 for d in range(1, 29)]),
    ("calendar-obf-one-sided-ramp-42-overrun", "obrien-fleming", True, 0.04,
     list(np.cumsum(RAMP_UNITS[:42])), [d / 28 for d in range(1, 43)]),
    ("calendar-obf-two-sided-twice-daily-10", "obrien-fleming", False, 0.05,
     [150.0 * h for h in range(1, 21)], [h / 2 / 10 for h in range(1, 21)]),
]:
    looks = [float(v) for v in looks]
    bounds = spending_bounds(looks, 1.0, alpha, kind, one_sided, fractions=fractions)
    if len(looks) <= 4:
        expected_spend = [spent(kind, fractions[0], alpha)] + [
            spent(kind, fractions[k], alpha) - spent(kind, fractions[k - 1], alpha) for k in range(1, len(looks))]
        for got, want in zip(mvn_crossing(looks, bounds, one_sided), expected_spend):
            assert abs(got - want) < 2e-6, (case_id, got, want)
    spending_cases.append({"id": case_id, "spending": kind, "oneSided": one_sided, "alpha": alpha,
                           "maximumUnits": 1.0, "looks": looks, "fractions": [float(f) for f in fractions], "boundaries": bounds})
with open(SPEND_OUT, "w") as handle:
    json.dump({"generator": "scripts/stats_reference.py", "numpy": np.__version__, "scipy": scipy.__version__,
               "cases": portable(spending_cases)}, handle, indent=1, allow_nan=False)
print(f"wrote {len(spending_cases)} cases to {os.path.relpath(SPEND_OUT, ROOT)}")

# ---------------------------------------------------------------- heterogeneity across segments
# Cochran's Q, its p-value and I² from statsmodels' combine_effects (fixed effect); each segment's deviation
# from the pooled estimate computed the other way round: against the pooled estimate of the *other* segments
# (combine_effects on them), z = (θᵢ − θ̄₋ᵢ) / √(sᵢ² + 1/W₋ᵢ), which equals (θᵢ − θ̄) / √(sᵢ² − 1/W) algebraically;
# two-sided p from scipy, Holm from multipletests.
from statsmodels.stats.meta_analysis import combine_effects  # noqa: E402


def heterogeneity_case(case_id, estimates, errors, alpha=0.05):
    valid = [i for i, s in enumerate(errors) if s is not None and s > 0]
    if len(valid) < 2:
        add(case_id, "heterogeneity", {"estimates": estimates, "errors": errors, "alpha": alpha},
            {"problem": "invalidInput", "segmentProblems": ["zeroVariance" if i not in valid else None for i in range(len(estimates))]})
        return
    eff = np.array([estimates[i] for i in valid])
    var = np.array([errors[i] ** 2 for i in valid])
    res = combine_effects(eff, var)
    hom = res.test_homogeneity()
    z = [None] * len(estimates)
    p = [None] * len(estimates)
    for k, i in enumerate(valid):
        others = [j for j in range(len(valid)) if j != k]
        if len(others) == 1:
            mean_o, sd_o = eff[others[0]], math.sqrt(var[others[0]])
        else:
            r = combine_effects(eff[others], var[others])
            mean_o, sd_o = r.mean_effect_fe, r.sd_eff_w_fe
        z[i] = float((estimates[i] - mean_o) / math.sqrt(errors[i] ** 2 + sd_o ** 2))
        p[i] = float(2 * stats.norm.sf(abs(z[i])))
    adjusted = [None] * len(estimates)
    holm = multipletests([p[i] for i in valid], method="holm")[1]
    for k, i in enumerate(valid):
        adjusted[i] = float(holm[k])
    add(case_id, "heterogeneity", {"estimates": estimates, "errors": errors, "alpha": alpha},
        {"q": float(hom.statistic), "dof": int(hom.df), "pValue": float(hom.pvalue), "iSquared": float(max(0.0, res.i2)),
         "pooled": float(res.mean_effect_fe), "pooledStandardError": float(res.sd_eff_w_fe),
         "z": z, "pValues": p, "adjusted": adjusted, "differs": [a is not None and a < alpha for a in adjusted],
         "segmentProblems": [None if i in valid else "zeroVariance" for i in range(len(estimates))]})


het_rng = np.random.default_rng(20261201)
heterogeneity_case("het-three-moderate", [0.1, 0.02, -0.03], [0.03, 0.02, 0.05])
heterogeneity_case("het-one-deviates", [0.15, 0.0, 0.01, -0.01], [0.03, 0.02, 0.025, 0.02])
heterogeneity_case("het-two-homogeneous", [0.05, 0.048], [0.01, 0.012])
heterogeneity_case("het-eight-random", [float(x) for x in het_rng.normal(0.02, 0.03, 8)],
                   [float(x) for x in het_rng.uniform(0.01, 0.04, 8)], alpha=0.1)
heterogeneity_case("het-zero-se-left-out", [0.1, 0.02, -0.03], [0.03, 0.0, 0.05])
heterogeneity_case("het-one-segment", [0.1], [0.03])

cases = portable(cases)
with open(OUT, "w") as handle:
    json.dump({"generator": "scripts/stats_reference.py", "numpy": np.__version__, "scipy": scipy.__version__,
               "statsmodels": statsmodels.__version__,
               "samples": {"control": [float(v) for v in q_control[1]], "treatment": [float(v) for v in q_treatment[1]]},
               "cases": cases}, handle, indent=1, allow_nan=False)
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}")
