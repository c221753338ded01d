#!/usr/bin/env python3
"""Prototype comparison of always-valid designs (issue 17), in numpy: cheap evidence before the Swift.

Requires numpy, scipy. Usage: python3 scripts/sequential_designs.py [experiments]
Proportion 10 %, 200 units/arm/day, 28 planned days; z statistics of the absolute difference.
Prints, per scenario, the rejection rate and median decision day of:
  * the normal mixture (n* = 5,000, today's default; and n* = the plan's 11,200 units),
  * alpha-spending O'Brien-Fleming and Pocock (boundaries by recursive integration at the looks),
  * the fixed-horizon z test read once at day 28;
and the false-positive rate when a daily alpha-spending design is also read between its looks,
each read treated as the next look ("reads between looks"), which the Swift design does not do.
`calendar()` compares calendar-time spending (alpha(day / horizon), Lan & DeMets 1989; the default design of
experiment files) with units spending and the mixture, with even traffic and on a 1 % -> 100 % ramp
(docs/statistics.md, "Calendar-time spending").
"""
import sys

import numpy as np
from scipy.stats import norm
from scipy.optimize import brentq

ALPHA = 0.05


def spend(frac, kind):
    frac = min(frac, 1.0)
    if frac <= 0:
        return 0.0
    if kind == "obf":
        return 2 - 2 * norm.cdf(norm.ppf(1 - ALPHA / 2) / np.sqrt(frac))
    return ALPHA * np.log(1 + (np.e - 1) * frac)


def boundaries(info, imax, kind, n=100, fractions=None):
    """Two-sided boundaries; after the first look at or past imax, +inf (alpha spent).

    With `fractions` (calendar time: elapsed days / horizon days at each look) the alpha spent at a look is
    alpha(fraction) and the design is exhausted at the first fraction >= 1; `info` still gives the covariance."""
    bounds, spent, xs, ws, done = [], 0.0, None, None, False
    for k, ik in enumerate(info):
        frac = ik / imax if fractions is None else fractions[k]
        target = spend(frac, kind) - spent
        if k == 0:
            cross = lambda b: 2 * norm.sf(b)
        else:
            ip, d = info[k - 1], ik - info[k - 1]
            cross = lambda b, ip=ip, d=d, xs=xs, ws=ws, ik=ik: np.sum(ws * (
                norm.sf((b * np.sqrt(ik) - xs * np.sqrt(ip)) / np.sqrt(d))
                + norm.cdf((-b * np.sqrt(ik) - xs * np.sqrt(ip)) / np.sqrt(d))))
        b = np.inf if done or target <= 0 else brentq(lambda v: cross(v) - target, 0, 40, xtol=1e-12)
        if np.isfinite(b):
            spent += cross(b)
        done = done or frac >= 1
        bounds.append(b)
        hi = min(b, 10.0)
        x = np.linspace(-hi, hi, 2 * n + 1)
        w = np.full(x.size, 2.0); w[1::2] = 4.0; w[0] = w[-1] = 1.0; w *= (x[1] - x[0]) / 3
        if k == 0:
            f = norm.pdf(x)
        else:
            f = (ws[None, :] * norm.pdf((x[:, None] * np.sqrt(ik) - xs[None, :] * np.sqrt(ip)) / np.sqrt(d))).sum(1) \
                * np.sqrt(ik) / np.sqrt(d)
        xs, ws = x, w * f
    return np.array(bounds)


def mixture(t, nstar):
    r = (-2 * np.log(ALPHA) + np.log(-2 * np.log(ALPHA) + 1)) / nstar
    s = t * r + 1
    return np.sqrt(s / (t * r) * 2 * np.log(np.sqrt(s) / ALPHA))


def z_paths(E, looks, eff, seed, p=0.1):
    """z statistics at cumulative units per arm `looks` (any increments)."""
    rng = np.random.default_rng(seed)
    inc = np.diff(np.concatenate([[0], looks])).astype(int)
    sc = np.cumsum(rng.binomial(np.tile(inc, (E, 1)), p), 1)
    st = np.cumsum(rng.binomial(np.tile(inc, (E, 1)), p * (1 + eff)), 1)
    pc, pt = sc / looks, st / looks
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num((pt - pc) / np.sqrt(pc * (1 - pc) / looks + pt * (1 - pt) / looks))


def fire(z, b, per_day):
    hit = np.abs(z) > b[None, :]
    first = np.where(hit.any(1), hit.argmax(1) + 1, np.inf) / per_day
    return hit.any(1).mean(), np.median(first)


def main():
    E = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    day, imax = 200.0, 2 * 28 * 200.0
    scenarios = {"daily": (np.arange(1, 29) * day, 1), "twice-daily": (np.arange(1, 57) * day / 2, 2),
                 "overrun 42 d": (np.arange(1, 43) * day, 1)}
    for eff in [0.0, 0.05, 0.10, 0.20]:
        for name, (looks, per_day) in scenarios.items():
            z = z_paths(E if eff == 0 else E // 5, looks, eff, seed=7)
            t = 2 * looks
            designs = {"mixture n*=5000": mixture(t, 5000), "mixture n*=plan": mixture(t, imax),
                       "OBF spending": boundaries(list(t), imax, "obf"),
                       "Pocock spending": boundaries(list(t), imax, "pocock")}
            i28 = 28 * per_day - 1
            print(f"effect {eff:+.2f} {name:13s} fixed@28 {np.mean(np.abs(z[:, i28]) > norm.ppf(1 - ALPHA / 2)):.4f}")
            for dname, b in designs.items():
                rate, med = fire(z, b, per_day)
                print(f"    {dname:16s} rate {rate:.4f} median day {med}")
    calendar(E)
    # Reads between the looks of a daily design, each read taken as the next look.
    for reads in [2, 6]:
        looks = np.arange(1, 28 * reads + 1) * day / reads
        z = z_paths(E, looks, 0.0, seed=5)
        b = np.array([boundaries([2 * looks[j] for j in range(i) if (j + 1) % reads == 0] + [2 * looks[i]], imax, "obf", n=60)[-1]
                      for i in range(len(looks))])
        print(f"A/A, daily OBF design read {reads}x a day, each read as the next look: {fire(z, b, reads)[0]:.4f}; "
              f"decisions at day ends only: {fire(z[:, reads - 1::reads], b[reads - 1::reads], 1)[0]:.4f}")


RAMP = [(3, 0.01), (4, 0.05), (7, 0.25), (7, 0.5), (21, 1.0)]  # (days, coverage): 1 % -> 100 %, 42 days


def ramp_units(full=400.0, days=42):
    """Cumulative units per arm at each day end of the ramp: `full` units per arm per day at 100 %."""
    per_day = [c * full for d, c in RAMP for _ in range(d)][:days]
    return np.cumsum(per_day)


def calendar(E, horizon=28):
    """Calendar-time spending (alpha(elapsed / horizon)) against units-information spending and the mixture."""
    scenarios = {"daily 28 d": (np.arange(1, 29) * 200.0, np.arange(1, 29) / horizon, 1),
                 "twice-daily 28 d": (np.arange(1, 57) * 100.0, np.arange(1, 57) / 2 / horizon, 2),
                 "daily 42 d (1.5 x)": (np.arange(1, 43) * 200.0, np.arange(1, 43) / horizon, 1),
                 "ramp 1->100 %, 28 d": (ramp_units(days=28), np.arange(1, 29) / horizon, 1),
                 "ramp 1->100 %, 42 d": (ramp_units(days=42), np.arange(1, 43) / horizon, 1)}
    for eff in [0.0, 0.05, 0.10, 0.20]:
        for name, (looks, fracs, per_day) in scenarios.items():
            z = z_paths(E if eff == 0 else E // 5, looks, eff, seed=11)
            t = 2 * looks
            i28 = min(28 * per_day, len(looks)) - 1
            cal = boundaries(list(t), 1.0, "obf", fractions=list(fracs))
            units = boundaries(list(t), t[i28], "obf")
            print(f"calendar: effect {eff:+.2f} {name:20s} fixed@28 {np.mean(np.abs(z[:, i28]) > norm.ppf(1 - ALPHA / 2)):.4f}")
            for dname, b in {"OBF calendar": cal, "OBF units (t_max=day 28)": units, "mixture n*=5000": mixture(t, 5000)}.items():
                rate, med = fire(z, b, per_day)
                print(f"    {dname:24s} rate {rate:.4f} median day {med}")


if __name__ == "__main__":
    main()
