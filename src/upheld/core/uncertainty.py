"""Honest numbers: how sure a figure is, and whether a council really differs from its peers.

A rate from a handful of cases says little, so a figure can carry a confidence interval, and a
comparison with the average of similar authorities can allow for chance. The methods are the
standard ones, written here from their mathematics with the standard library alone:

- a proportion (uphold rate, compliance rate, ...): the Wilson score interval (Wilson 1927,
  "Probable inference, the law of succession, and statistical inference", JASA 22:209-212), which
  Brown, Cai & DasGupta (2001, "Interval estimation for a binomial proportion", Statistical
  Science 16:101-133) recommend over the textbook interval because it behaves at 0 of n and n of n;
- a count (upheld complaints, per 100,000 residents once divided by the population): the exact
  interval for a Poisson count (Garwood 1936, "Fiducial limits for the Poisson distribution",
  Biometrika 28:437-442), from quantiles of the gamma distribution;
- a council against its average: funnel-plot control limits at 95% and 99.8% (Spiegelhalter 2005,
  "Funnel plots for comparing institutional performance", Statistics in Medicine 24:1185-1202)
  from the exact binomial or Poisson distribution, and the exact test behind them;
- a change between two years: the MOVER interval for a difference of two independent estimates
  (Newcombe 1998, "Interval estimation for the difference between independent proportions",
  Statistics in Medicine 17:873-890, method 10, from Wilson intervals; Zou & Donner 2008,
  "Construction of confidence limits about effect measures", Statistics in Medicine 27:1693-1702,
  for rates from Garwood intervals).

Unlike `core.stats`, this is floating point: the distributions have no exact closed form. The
incomplete gamma and beta functions underneath are good to about 1e-13 relative (1e-11 at worst,
for a million trials at a rate near 0 or 1), checked against SciPy and against 30-digit
arithmetic, far finer than anything is shown. Nothing here reads files or databases.

Funnel limits and comparisons agree exactly, and agree with the exact test. Spiegelhalter makes
limits from a discrete distribution by interpolating its cumulative probabilities, in effect
spreading the chance of each count k evenly from k - 1 to k. Taken as written for the upper limit
too, that draws it a whole case below where the exact test puts the line: against an average of
50%, 14 upheld of 20 would be "above" while 6 of 20 is "within", though each is as likely as the
other (about 5.8% for so many or more, or so few or fewer), and a rate and its complement (upheld,
not upheld) would be judged differently. So here each limit is interpolated from its own end: the
lower limit is Spiegelhalter's as written, and the upper limit is his lower limit of the
complementary count (for a Poisson count, his upper limit plus one case). A council is then
strictly outside a limit exactly when the exact test says that a count as extreme as its own, or
more so, has a chance strictly below 2.5% (0.1% for the 99.8% limits) at the average rate; a count
exactly on a limit is inside it, as a p-value of exactly 2.5% is not below 2.5%.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from math import ceil, exp, hypot, isfinite, lgamma, log, log1p, pi, sqrt
from statistics import NormalDist
from typing import Literal

__all__ = [
    "CONFIDENCE",
    "CONFIDENCE_STRICT",
    "Comparison",
    "beyond_chance",
    "binomial_limits",
    "compare_count",
    "compare_proportion",
    "difference_interval",
    "poisson_interval",
    "poisson_limits",
    "wilson_interval",
]

CONFIDENCE = 0.95
"""The usual confidence: intervals, and the inner funnel limits ("above", "below")."""
CONFIDENCE_STRICT = 0.998
"""The strict confidence: the outer funnel limits ("well above", "well below"), about three
standard errors, as Spiegelhalter recommends."""

Comparison = Literal["too_few", "well_below", "below", "within", "above", "well_above"]
"""How a council's figure compares with its average, allowing for chance."""

_CACHE = 4096
"""Entries kept by each memo: a year's figures for every council, with room to spare."""
_EPSILON = 1e-15
"""When a continued fraction has converged: its last factor is this close to 1."""
_TINY = 1e-300
"""Stands in for a zero denominator in Lentz's method, which would otherwise divide by it."""
_MAX_TERMS = 100_000
"""A bound on any loop; convergence takes a few hundred terms even at a million."""
_HALF_LOG_2PI = 0.5 * log(2 * pi)
_SMALLEST_NORMAL = sys.float_info.min
"""Below this a float loses precision (it is subnormal)."""
_STANDARD_NORMAL = NormalDist()
_STIRLING_SERIES = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
"""B(2k) / (2k (2k - 1)) for k = 1 to 7, B the Bernoulli numbers: the Stirling series' terms."""


# --- checking arguments ---------------------------------------------------------------------


def _tail(confidence: float) -> float:
    """The chance left in each tail at a confidence: 0.025 at 95%."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return (1 - confidence) / 2


def _check_counts(part: int, whole: int, names: str) -> None:
    if whole < 0 or not 0 <= part <= whole:
        raise ValueError(f"{names} must satisfy 0 <= {names.replace(' of ', ' <= ')}")


# --- the gamma and beta functions -------------------------------------------------------------


def _stirling_error(a: float) -> float:
    """ln Γ(a) less Stirling's approximation (a - 1/2) ln a - a + ln √(2π)."""
    if a >= 10:
        # The Stirling series (DLMF 5.11.1): from 10 on, its terms reach the last bit, whereas
        # lgamma minus a large approximation would lose digits as a grows.
        r2 = 1 / (a * a)
        total = 0.0
        for coefficient in reversed(_STIRLING_SERIES):
            total = total * r2 + coefficient
        return total / a
    return lgamma(a) - (a - 0.5) * log(a) + a - _HALF_LOG_2PI


def _deviance(k: float, mean: float) -> float:
    """k ln(k / mean) + mean - k, never negative: how far k is from a mean, in an exponent."""
    difference = mean - k
    if abs(difference) <= 0.5 * k:
        # Near the mean, as k·(u - ln(1 + u)) with u = (mean - k) / k: the form above would
        # subtract nearly equal numbers.
        u = difference / k
        return k * (u - log1p(u))
    if mean <= 0:
        return float("inf")  # nothing expected: any k at all is infinitely unlikely
    # Far from it, 1 + u would have lost the digits of a ratio near 0, so take the ratio itself
    # (by logarithms when it would overflow, for a mean too tiny to divide by).
    ratio = k / mean
    return k * (log(ratio) if ratio < float("inf") else log(k) - log(mean)) + difference


def _gamma_density_factor(a: float, x: float) -> float:
    """x^a e^-x / Γ(a), computed without subtracting large logarithms."""
    # x^a e^-x / Γ(a) = √(a/2π) · exp(-deviance(a, x) - stirling_error(a)): every term stays
    # small even at a million, where a·ln x - x - lgamma(a) would lose eight digits.
    return sqrt(a / (2 * pi)) * exp(-_deviance(a, x) - _stirling_error(a))


# The continued fractions below are evaluated by the modified Lentz method (Lentz 1976; Thompson
# & Barnett 1986): running ratios c and d, with a zero denominator replaced by _TINY (the
# `or _TINY`), which only ever matters for exact zeros. The loops are written out by hand because
# they are where the time goes.


def _lower_gamma_fraction(a: float, x: float) -> float:
    """The continued fraction for P(a, x) · Γ(a + 1) / (x^a e^-x), good for x <= a."""
    # The confluent limit of the incomplete beta's continued fraction (DLMF 8.17.22): for x near a
    # it needs tens of terms where the power series needs thousands.
    c = 1.0
    d = 1.0 / ((a + 1 - x) / (a + 1) or _TINY)  # 1 - x/(a + 1), without cancelling near a
    result = d
    for m in range(1, _MAX_TERMS):
        even = a + 2 * m
        numerator = m * x / ((even - 1) * even)
        d = 1.0 / (1.0 + numerator * d or _TINY)
        c = 1.0 + numerator / c or _TINY
        result *= d * c
        numerator = -(a + m) * x / (even * (even + 1))
        d = 1.0 / (1.0 + numerator * d or _TINY)
        c = 1.0 + numerator / c or _TINY
        ratio = d * c
        result *= ratio
        if abs(ratio - 1.0) < _EPSILON:
            break
    return result


def _upper_gamma_fraction(a: float, x: float) -> float:
    """Legendre's continued fraction for Q(a, x) · Γ(a) / (x^a e^-x), good for x > a."""
    # DLMF 8.9.2.
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    result = d
    for i in range(1, _MAX_TERMS):
        numerator = i * (a - i)
        b += 2.0
        d = 1.0 / (numerator * d + b or _TINY)
        c = b + numerator / c or _TINY
        ratio = d * c
        result *= ratio
        if abs(ratio - 1.0) < _EPSILON:
            break
    return result


def _incomplete_gamma(a: float, x: float) -> tuple[float, float, float]:
    """P(a, x), Q(a, x) = 1 - P(a, x) (the regularized incomplete gammas), and x^a e^-x / Γ(a)."""
    if x <= 0:
        return 0.0, 1.0, 0.0
    factor = _gamma_density_factor(a, x)
    # Each fraction is used where it converges fast and gives the smaller tail (or one near
    # 1/2), so 1 minus it loses nothing where it matters.
    if x <= a:
        lower = factor / a * _lower_gamma_fraction(a, x)
        return lower, 1.0 - lower, factor
    upper = factor * _upper_gamma_fraction(a, x)
    return 1.0 - upper, upper, factor


def _beta_fraction(a: float, b: float, x: float, y: float) -> float:
    """The continued fraction for I_x(a, b) · a·B(a, b) / (x^a y^b), y = 1 - x, for small x."""
    # DLMF 8.17.22: it converges in tens of terms when x < (a + 1) / (a + b + 2), even for a and
    # b in the millions.
    c = 1.0
    d = 1.0 / ((1 + a * y - b * x) / (a + 1) or _TINY)  # 1 - (a + b)x/(a + 1), less cancelling
    result = d
    total = a + b
    for m in range(1, _MAX_TERMS):
        even = a + 2 * m
        numerator = m * (b - m) * x / ((even - 1) * even)
        d = 1.0 / (1.0 + numerator * d or _TINY)
        c = 1.0 + numerator / c or _TINY
        result *= d * c
        numerator = -(a + m) * (total + m) * x / (even * (even + 1))
        d = 1.0 / (1.0 + numerator * d or _TINY)
        c = 1.0 + numerator / c or _TINY
        ratio = d * c
        result *= ratio
        if abs(ratio - 1.0) < _EPSILON:
            break
    return result


def _incomplete_beta(x: float, y: float, a: float, b: float) -> tuple[float, float, float]:
    """I_x(a, b), 1 - I_x(a, b) (the regularized incomplete beta), and x^a y^b / B(a, b).

    y is 1 - x, passed rather than computed so that a tiny x or y keeps its relative accuracy.
    """
    if x <= 0:
        return 0.0, 1.0, 0.0
    if y <= 0:
        return 1.0, 0.0, 0.0
    if x > (a + 1) / (a + b + 2):
        upper, lower, factor = _incomplete_beta(y, x, b, a)
        return lower, upper, factor
    total = a + b
    # x^a y^b / B(a, b), by Stirling's formula for each gamma function and the deviances of a and
    # b from their shares of a + b (as Loader 2000 does for binomial probabilities): no large
    # logarithms are subtracted, so it keeps its accuracy at a million.
    factor = sqrt(a * b / (2 * pi * total)) * exp(
        -_deviance(a, total * x)
        - _deviance(b, total * y)
        + _stirling_error(total)
        - _stirling_error(a)
        - _stirling_error(b)
    )
    lower = factor / a * _beta_fraction(a, b, x, y)
    return lower, 1.0 - lower, factor


# --- the binomial and Poisson distributions ---------------------------------------------------


def _binomial_tails(k: int, n: int, p: float) -> tuple[float, float, float]:
    """P(X <= k), P(X > k) and P(X = k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0, 1.0, 0.0
    if k > n:
        return 1.0, 0.0, 0.0
    if p <= 0 or p >= 1:  # all at 0 or all at n
        certain = 0 if p <= 0 else n
        return (0.0, 1.0, 0.0) if k < certain else (1.0, 0.0, float(k == certain))
    if k == n:
        return 1.0, 0.0, exp(n * log(p))
    # P(X <= k) = I_{1-p}(n - k, k + 1) (DLMF 8.17.5), whose factor (1-p)^(n-k) p^(k+1) /
    # B(n - k, k + 1) is (n - k)·p·P(X = k), unless it is too small to hold its digits.
    at_most, beyond, factor = _incomplete_beta(1 - p, p, n - k, k + 1)
    if factor >= _SMALLEST_NORMAL:
        return at_most, beyond, factor / ((n - k) * p)
    # Only for a vanishing p: then logarithms lose nothing that matters.
    exactly = exp(
        lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) + (n - k) * log1p(-p)
    )
    return at_most, beyond, exactly


def _poisson_tails(k: int, mean: float) -> tuple[float, float, float]:
    """P(X <= k), P(X > k) and P(X = k) for X ~ Poisson(mean)."""
    if k < 0:
        return 0.0, 1.0, 0.0
    if mean <= 0:  # all at 0
        return 1.0, 0.0, float(k == 0)
    # P(X <= k) = Q(k + 1, mean) (DLMF 8.4.10), whose factor mean^(k+1) e^-mean / k! is
    # mean·P(X = k), unless it is too small to hold its digits (a vanishing mean).
    beyond, at_most, factor = _incomplete_gamma(k + 1, mean)
    if factor >= _SMALLEST_NORMAL:
        return at_most, beyond, factor / mean
    return at_most, beyond, exp(k * log(mean) - mean - lgamma(k + 1))


# --- intervals --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _normal_quantile(probability: float) -> float:
    return _STANDARD_NORMAL.inv_cdf(probability)


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion; None when there are no trials."""
    _check_counts(successes, trials, "successes of trials")
    tail = _tail(confidence)
    if trials == 0:
        return None
    if 2 * successes > trials:
        # Mirrored, so the bound near 1 comes from a bound near 0 and n of n gives exactly 1.
        low, high = _wilson(trials - successes, trials, tail)
        return 1.0 - high, 1.0 - low
    return _wilson(successes, trials, tail)


def _wilson(successes: int, trials: int, tail: float) -> tuple[float, float]:
    """The Wilson interval for at most half successes: the roots of its quadratic, stably."""
    z = _normal_quantile(1 - tail)
    z2 = z * z
    denominator = trials + z2
    centre = (successes + z2 / 2) / denominator
    half = z * sqrt(successes * (trials - successes) / trials + z2 / 4) / denominator
    high = centre + half
    # The bounds are the roots of (n + z²)π² - (2x + z²)π + x²/n = 0, whose product is
    # x² / (n (n + z²)); dividing by the upper root avoids the cancellation in centre - half,
    # and makes the lower bound exactly 0 at 0 successes.
    low = successes * successes / (trials * denominator * high)
    return low, min(high, 1.0)


def poisson_interval(count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Garwood) interval for the mean of a Poisson count."""
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    return _garwood(count, _tail(confidence))


@lru_cache(maxsize=_CACHE)
def _garwood(count: int, tail: float) -> tuple[float, float]:
    # The lower bound is the mean under which a count this large or larger has chance `tail`:
    # P(X >= k) = P(k, mean), so the tail quantile of Gamma(k). The upper bound likewise from
    # P(X <= k) = Q(k + 1, mean).
    low = 0.0 if count == 0 else _gamma_quantile(count, tail, upper=False)
    return low, _gamma_quantile(count + 1, tail, upper=True)


def _gamma_quantile(a: int, tail: float, *, upper: bool) -> float:
    """The x with P(a, x) = tail, or Q(a, x) = tail when `upper`; tail is at most 1/2."""
    if a == 1:  # Gamma(1) is the exponential distribution: P(1, x) = 1 - e^-x.
        return -log(tail) if upper else -log1p(-tail)
    # Start from the Wilson-Hilferty approximation (a cube of a normal quantile, good to a few
    # parts in a thousand), then Halley's method, which triples the correct digits each step,
    # kept inside a bracket that always holds the answer so that it cannot wander off.
    z = _normal_quantile(1 - tail if upper else tail)
    cube = 1 - 1 / (9 * a) + z / (3 * sqrt(a))
    if upper:
        low, high = a - 1.0, float("inf")  # the median of Gamma(a) is above a - 1/3
        x = max(a * cube**3, a)
    else:
        low, high = 0.0, float(a)
        # Where the cube fails (small a, far tail), P(a, x) ≈ x^a / Γ(a + 1) near 0.
        x = a * cube**3 if cube > 0 else exp((log(tail) + lgamma(a + 1)) / a)
        x = min(x, a * (1 - 1e-9))
    scale = sqrt(a)  # how far x must move to change the tails much: Gamma(a)'s deviation
    for _ in range(100):
        lower, upper_tail, factor = _incomplete_gamma(a, x)
        # Residual of an increasing function of x: too little below, too much above.
        residual = (tail - upper_tail) if upper else (lower - tail)
        if residual < 0:
            low = x
        else:
            high = x
        if factor <= 0:  # so far out that the density underflows: halve the bracket instead
            x = 2 * x if high == float("inf") else (low + high) / 2
            continue
        newton = residual * x / factor  # residual ÷ the density x^(a-1) e^-x / Γ(a)
        # Halley's correction uses the density's slope relative to itself: (a - 1)/x - 1.
        correction = 1 - newton * ((a - 1) / x - 1) / 2
        step = newton / correction if correction > 0.5 else newton
        if abs(step) <= 1e-5 * min(x, scale):
            # Halley's next error is about the cube of this step, relative to the scale on which
            # the tails change: below the last digit, so no further evaluation is needed.
            return x - step
        proposal = x - step
        if not low < proposal < high:
            proposal = 2 * x if high == float("inf") else (low + high) / 2
        x = proposal
    return x


# --- funnel limits ----------------------------------------------------------------------------


def binomial_limits(target: float, base: int, confidence: float) -> tuple[float, float]:
    """Funnel-plot limits for a proportion out of `base` when the true proportion is `target`.

    From the exact binomial distribution by Spiegelhalter's interpolation (the p-quantile r, then
    limit = (r - alpha) / base with alpha = (F(r) - p) / (F(r) - F(r - 1))), each limit from its
    own end: the upper one is 1 minus the lower limit for the proportion of the rest (see the
    module's notes). Clamped to 0 to 1. With nothing to vary they collapse to the target: 0 gives
    (0, 0) and 1 gives (1, 1). A base of 0 gives (0, 1): nothing observed can be outside.
    """
    if not 0 <= target <= 1:
        raise ValueError(f"target must be a proportion between 0 and 1, not {target!r}")
    if base < 0:
        raise ValueError(f"base must not be negative, not {base}")
    tail = _tail(confidence)
    if base == 0:
        return 0.0, 1.0
    if target == 0 or target == 1:
        return float(target), float(target)
    return _binomial_limits(float(target), base, tail)


@lru_cache(maxsize=_CACHE)
def _binomial_limits(target: float, base: int, tail: float) -> tuple[float, float]:
    mean = base * target
    deviation = sqrt(mean * (1 - target))
    skew = (1 - 2 * target) / 6
    odds = target / (1 - target)

    def tails(k: int) -> tuple[float, float, float]:
        return _binomial_tails(k, base, target)

    def ratio(k: int) -> float:  # P(X = k + 1) / P(X = k)
        return (base - k) / (k + 1) * odds

    limits = []
    for upper in (False, True):
        z = _normal_quantile(1 - tail if upper else tail)
        # The Cornish-Fisher guess at the quantile, with a continuity correction: usually
        # right, or a step or two away.
        guess = ceil(mean + deviation * z + skew * (z * z - 1) - 0.5)
        guess = min(max(guess, 0), base)
        point = _interpolated_quantile(tail, upper, guess, base, tails, ratio)
        if upper:
            point += 1  # interpolated from its own end: one case higher (see the module's notes)
        limits.append(min(max(point / base, 0.0), 1.0))
    return limits[0], limits[1]


def poisson_limits(expected: float, confidence: float) -> tuple[float, float]:
    """Funnel-plot limits for a count whose expected value is `expected` (divide by the base).

    From the exact Poisson distribution by Spiegelhalter's interpolation, each limit from its own
    end: the upper one is one case above his (see the module's notes). The lower one is no less
    than 0. An expected count of 0 gives (0, 0): any count above 0 is then outside.
    """
    if not (isfinite(expected) and expected >= 0):
        raise ValueError(f"expected must be a count of at least 0, not {expected!r}")
    tail = _tail(confidence)
    if expected == 0:
        return 0.0, 0.0
    return _poisson_limits(float(expected), tail)


@lru_cache(maxsize=_CACHE)
def _poisson_limits(expected: float, tail: float) -> tuple[float, float]:
    deviation = sqrt(expected)

    def tails(k: int) -> tuple[float, float, float]:
        return _poisson_tails(k, expected)

    def ratio(k: int) -> float:  # P(X = k + 1) / P(X = k)
        return expected / (k + 1)

    limits = []
    for upper in (False, True):
        z = _normal_quantile(1 - tail if upper else tail)
        guess = max(ceil(expected + deviation * z + (z * z - 1) / 6 - 0.5), 0)
        point = _interpolated_quantile(tail, upper, guess, None, tails, ratio)
        if upper:
            point += 1  # interpolated from its own end: one case higher (see the module's notes)
        limits.append(max(point, 0.0))
    return limits[0], limits[1]


def _interpolated_quantile(
    tail: float,
    upper: bool,
    guess: int,
    last: int | None,
    tails: Callable[[int], tuple[float, float, float]],
    ratio: Callable[[int], float],
) -> float:
    """Spiegelhalter's interpolated p-quantile r - alpha of a distribution on 0 to `last`.

    r is the smallest count with F(r) >= p and alpha = (F(r) - p) / (F(r) - F(r - 1)), for p = tail
    or, when `upper`, p = 1 - tail. Only the guess's tails are computed in full; neighbouring
    counts follow by adding their probabilities, each found from the next by their ratio.
    """
    r = guess
    at_most, beyond, at_r = tails(r)
    if not upper:
        # Smallest r with P(X <= r) >= tail, working with P(X <= r), the small tail.
        if at_most >= tail:
            while r > 0 and at_most - at_r >= tail:
                at_most -= at_r
                r -= 1
                at_r /= ratio(r)
        else:
            while at_most < tail and (last is None or r < last):
                at_r *= ratio(r)
                r += 1
                at_most += at_r
        excess = at_most - tail
    else:
        # Smallest r with P(X > r) <= tail; F(r) - (1 - tail) = tail - P(X > r) keeps the
        # subtraction among small numbers, where the 1 - tail form would lose their digits.
        if beyond <= tail:
            while r > 0 and beyond + at_r <= tail:
                beyond += at_r
                r -= 1
                at_r /= ratio(r)
        else:
            while beyond > tail and (last is None or r < last):
                at_r *= ratio(r)
                r += 1
                beyond = max(beyond - at_r, 0.0)
        excess = tail - beyond
    alpha = min(max(excess / at_r, 0.0), 1.0) if at_r > 0 else 0.0
    return r - alpha


# --- comparisons ------------------------------------------------------------------------------


def compare_proportion(
    observed: int, base: int, target: float | None, minimum_base: int
) -> Comparison | None:
    """How `observed` out of `base` compares with the average proportion `target`, beyond chance.

    None when there is no average; "too_few" when the base is below `minimum_base`. Otherwise
    the exact binomial test, which is the same as the funnel: "well_above" when so many or more
    would happen by chance less than 0.1% of the time if the council's true rate were the
    average (strictly above the 99.8% limit of `binomial_limits`), "above" less than 2.5% (above
    the 95% limit), "well_below" and "below" likewise for so few or fewer, else "within". A value
    exactly on a limit (a chance of exactly 0.1% or 2.5%) is within.
    """
    _check_counts(observed, base, "observed of base")
    if target is None:
        return None
    if not 0 <= target <= 1:
        raise ValueError(f"target must be a proportion between 0 and 1, not {target!r}")
    if base < minimum_base:
        return "too_few"
    return _classify(*_binomial_test(observed, base, float(target)))


@lru_cache(maxsize=_CACHE)
def _binomial_test(observed: int, base: int, target: float) -> tuple[float, float]:
    """P(X <= observed) and P(X >= observed) for X ~ Binomial(base, target)."""
    at_most, more, exactly = _binomial_tails(observed, base, target)
    return at_most, more + exactly


def compare_count(
    observed: int, expected: float | None, base: int, minimum_base: int
) -> Comparison | None:
    """How a count compares with the count `expected` at the average rate, beyond chance.

    None when there is no expected count; "too_few" when `base` is below `minimum_base`. The
    base is whatever the caller judges "too few" on, usually the count of upheld decisions
    itself (so a council with very few upheld is not compared), or a population. Otherwise the
    exact Poisson test, the same as being strictly outside `poisson_limits`, with the same words
    as `compare_proportion`.
    """
    if observed < 0:
        raise ValueError(f"observed must not be negative, not {observed}")
    if expected is None:
        return None
    if not (isfinite(expected) and expected >= 0):
        raise ValueError(f"expected must be a count of at least 0, not {expected!r}")
    if base < minimum_base:
        return "too_few"
    return _classify(*_poisson_test(observed, float(expected)))


@lru_cache(maxsize=_CACHE)
def _poisson_test(observed: int, expected: float) -> tuple[float, float]:
    """P(X <= observed) and P(X >= observed) for X ~ Poisson(expected)."""
    at_most, more, exactly = _poisson_tails(observed, expected)
    return at_most, more + exactly


_STRICT_TAIL = _tail(CONFIDENCE_STRICT)
_USUAL_TAIL = _tail(CONFIDENCE)


def _classify(at_most: float, at_least: float) -> Comparison:
    """The comparison from the chances of a count this low or lower, and this high or higher."""
    # Strictly less: a chance exactly at the limit is inside it. At most one of the two can be
    # small, since they add up to 1 plus the chance of the count itself.
    if at_most < _STRICT_TAIL:
        return "well_below"
    if at_least < _STRICT_TAIL:
        return "well_above"
    if at_most < _USUAL_TAIL:
        return "below"
    if at_least < _USUAL_TAIL:
        return "above"
    return "within"


# --- change -----------------------------------------------------------------------------------


def difference_interval(
    first: tuple[float, float, float], second: tuple[float, float, float]
) -> tuple[float, float]:
    """The interval for second minus first, each given as (estimate, low, high), by MOVER."""
    estimate_1, low_1, high_1 = first
    estimate_2, low_2, high_2 = second
    for low, estimate, high in ((low_1, estimate_1, high_1), (low_2, estimate_2, high_2)):
        if not low <= estimate <= high:
            raise ValueError(f"an interval must hold its estimate: {low} <= {estimate} <= {high}")
    difference = estimate_2 - estimate_1
    # MOVER: each bound of the difference moves from the estimate by the root sum of squares of
    # the distances to the relevant bounds of the two intervals (Newcombe's method 10 when they
    # are Wilson intervals; Zou & Donner's general form), so it inherits their asymmetry.
    return (
        difference - hypot(estimate_2 - low_2, high_1 - estimate_1),
        difference + hypot(high_2 - estimate_2, estimate_1 - low_1),
    )


def beyond_chance(interval: tuple[float, float]) -> bool:
    """Whether an interval for a difference excludes 0 (a bound exactly at 0 does not)."""
    low, high = interval
    return low > 0 or high < 0
