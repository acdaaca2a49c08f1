# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""PromQL that reads a component's signals, whatever names the engine version exposes.

Each metric of a signal is aggregated on its own and the results are combined with `or`,
preferred metric first. No function ever receives two metric names: an engine that exposes an
old and a new name with the same labels would make `rate()` fail with "vector cannot contain
metrics with the same labelset", and every rule reading it would stop evaluating.
"""

from __future__ import annotations

from .conventions import BY, SIGNALS
from .promql import either, number, series


def _scaled(expr, scale):
    return expr if scale == 1 else f"({expr}) * {number(scale)}"


def _sum(expr, by):
    return f"sum by ({by}) ({expr})" if by else f"sum({expr})"


def _sum_rate(selector, labels, window, by, extra="", suffix=""):
    return _sum(f"rate({series(selector, labels, suffix, extra)}[{window}])", by)


def counter_rate(component, name, labels, window, by=BY):
    """The per-second rate of a counter signal. A part of another signal (errors of requests)
    counts zero while the whole's metric at the same position is read: a failure counter that
    appears with the first failure is not a missing signal, and the part is never taken from
    another source than its whole."""
    signal = component.signal(name)
    whole_name = SIGNALS[name].part_of
    whole = component.signal(whole_name) if whole_name else None
    parts = []
    for position, metric in enumerate(signal.metrics):
        expr = counter_rate_of(metric, labels, window, by)
        if whole is not None and position < len(whole.metrics):
            expr = f"({expr} or {counter_rate_of(whole.metrics[position], labels, window, by)} * 0)"
        parts.append(expr)
    return either(parts)


def counter_rate_of(metric, labels, window, by=BY):
    """The rate of one metric of a counter signal, its `plus` counter included."""
    expr = _scaled(_sum_rate(metric.selector, labels, window, by), metric.scale)
    if metric.plus:
        expr = f"({expr} + {_scaled(_sum_rate(metric.plus, labels, window, by), metric.scale)} or {expr})"
    return expr


def quantile(signal, labels, value, window):
    """The `value` quantile of a histogram signal, in the signal's unit."""
    return either([
        _scaled(f"histogram_quantile({number(value)}, {_sum_rate(metric.selector, labels, window, f'le, {BY}', suffix='_bucket')})",
                metric.scale)
        for metric in signal.metrics])


def gauge(signal, labels, aggregation):
    return either([_scaled(f"{aggregation} by ({BY}) ({series(metric.selector, labels)})", metric.scale)
                   for metric in signal.metrics])


def _bucket_bound(value):
    """A regex for the `le` label of the bucket bounded at `value`, however the client wrote it
    (Go: "2", Python: "2.0"), escaped for a PromQL string."""
    bound = number(value)
    escaped = bound.replace(".", "\\\\.")
    return escaped + ("0*" if "." in bound else "(\\\\.0+)?")


def over_threshold(signal, labels, threshold, window):
    """(events, events over `threshold`) per second, from the histogram's count and the bucket
    bounded at the threshold; each metric's pair stays together."""
    totals, slow = [], []
    for metric in signal.metrics:
        total = _sum_rate(metric.selector, labels, window, BY, suffix="_count")
        good = _sum_rate(metric.selector, labels, window, BY, f'le=~"{_bucket_bound(threshold / metric.scale)}"', "_bucket")
        totals.append(total)
        slow.append(f"{total} - {good}")
    return either(totals), either(slow)


def looked_for(signal, kind):
    """The series a signal is read from, as a person would search for them."""
    suffix = "_bucket" if kind == "histogram" else ""
    return " or ".join(metric.watched_by or f"{metric.selector.split('{')[0]}{suffix}" for metric in signal.metrics)
