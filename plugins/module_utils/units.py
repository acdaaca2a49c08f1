# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Strict parsing of durations, ratios and SLO objectives."""

from __future__ import annotations

import functools
import math
import re

# Prometheus durations: units in this order, each at most once (1h30m, 2m30s, 250ms).
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?\Z", re.ASCII)
_SECONDS_PER_GROUP = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%\Z", re.ASCII)
# Prometheus keeps durations in nanoseconds in an int64: about 292 years.
MAX_DURATION_SECONDS = (2 ** 63 - 1) / 1e9


def parse_duration(value, allow_zero=False):
    """'1h30m' -> 5400.0 seconds. Accepts what Prometheus accepts: integers with units y, w, d,
    h, m, s, ms in that order. Raises ValueError with a message meant for the user."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"expected a duration such as 50ms, 30s or 5m, got {value!r}")
    match = _DURATION.match(value.strip())
    if not value.strip() or not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration: use a number and a unit (ms, s, m, h, d, w, y), for example 50ms or 5m")
    seconds = sum(int(amount) * factor for amount, factor in zip(match.groups(), _SECONDS_PER_GROUP) if amount)
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"{value!r} is beyond the durations Prometheus can hold (about 292 years)")
    if seconds == 0 and not allow_zero:
        raise ValueError(f"{value!r} is not a positive duration")
    return float(seconds)


@functools.lru_cache(maxsize=1024)
def format_duration(seconds):
    """5400 -> '1h30m'; sub-second values in ms. The inverse of parse_duration. Cached: a large
    description formats the same few durations hundreds of thousands of times."""
    if seconds <= 0:
        raise ValueError("durations must be positive")
    milliseconds = round(seconds * 1000)
    parts = []
    for unit, factor in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        amount, milliseconds = divmod(milliseconds, factor)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


def parse_ratio(value):
    """'5%' or 0.05 -> 0.05. A bare number must be a fraction between 0 and 1."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage such as 5% or a fraction such as 0.05, got {value!r}")
    if isinstance(value, (int, float)):
        ratio = _finite(value)
        if not 0 <= ratio <= 1:
            raise ValueError(f"{value!r} is not a fraction between 0 and 1; write percentages with a % sign, such as {value}%")
        return ratio
    if isinstance(value, str):
        match = _PERCENT.match(value.strip())
        if match and float(match.group(1)) <= 100:
            return float(match.group(1)) / 100
    raise ValueError(f"expected a percentage such as 5% or a fraction such as 0.05, got {value!r}")


def parse_objective(value):
    """An SLO objective in percent, 99.5 or '99.5%' -> 0.995. Must be above 0 and below 100."""
    if isinstance(value, bool):
        raise ValueError(f"expected an objective in percent such as 99.5, got {value!r}")
    if isinstance(value, str):
        match = _PERCENT.match(value.strip())
        if not match:
            raise ValueError(f"expected an objective in percent such as 99.5, got {value!r}")
        value = float(match.group(1))
    if not isinstance(value, (int, float)):
        raise ValueError(f"expected an objective in percent such as 99.5, got {value!r}")
    if not 0 < _finite(value) < 100:
        raise ValueError(f"{value!r} is not an objective: it must be a percentage above 0 and below 100, such as 99.5")
    return float(value) / 100


def parse_number(value):
    """A plain threshold such as 200 -> float. Booleans, strings and numbers that are not finite
    (nan, inf, beyond a float) are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}")
    return _finite(value)


def _finite(value):
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


def duration_seconds(value):
    """parse_duration, zero allowed, or None where `value` is not a duration (for callers that
    word their own error)."""
    try:
        return parse_duration(value, allow_zero=True)
    except ValueError:
        return None
