# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""SLO rules: multi-window, multi-burn-rate alerts (page and ticket) in the style of the Google
SRE workbook, with three changes over the usual generators:

- only the 5m rates read the raw series; every longer window is an average of that recording
  (avg_over_time), so Prometheus evaluates seven cheap range reads instead of seven raw rates;
- request and error rates are recorded beside each ratio, so the alerts can require traffic:
  below min_request_rate the ratio of a few requests pages nobody;
- a window only counts once the component's 5m recording has existed for the whole short
  window, so a series that just appeared cannot fire on its first samples.
"""

from __future__ import annotations

from collections import namedtuple

from . import signals
from .conventions import SLO_ALERT, own_labels, routing_labels, runbook_url, slo_record_name
from .promql import matchers, number
from ..units import format_duration

SHORT_RATE = "5m"
# Windows in seconds; budget_share: the part of the error budget spent over the long window.
BurnAlert = namedtuple("BurnAlert", "severity long short budget_share for_seconds")
BURN_ALERTS = (
    BurnAlert("critical", 3600, 300, 0.02, 120),
    BurnAlert("critical", 6 * 3600, 1800, 0.05, 120),
    BurnAlert("warning", 86400, 2 * 3600, 0.10, 900),
    BurnAlert("warning", 3 * 86400, 6 * 3600, 0.10, 900),
)
WINDOWS = sorted({window for alert in BURN_ALERTS for window in (alert.long, alert.short)})
# Recording rules are evaluated at most a minute apart (the Prometheus default is 15s to 1m);
# the age gate counts one sample a minute at least.
MAX_EVALUATION_SECONDS = 60


def slo_labels(slo):
    return {"sli": slo.sli, "slo": number(slo.objective * 100)}


def record(kind, seconds):
    return slo_record_name(kind, format_duration(seconds))


def recording_rules(component, slo):
    own = own_labels(component)
    static = {**own, **slo_labels(slo)}
    rules = []

    def add(name, expr):
        rules.append({"record": name, "expr": expr, "labels": dict(static)})

    if slo.sli == "availability":
        requests = signals.counter_rate(component, "requests", own, SHORT_RATE)
        errors = signals.counter_rate(component, "errors", own, SHORT_RATE)
    else:
        # Latency SLI: the requests over the threshold are the bad events.
        requests, slow = signals.over_threshold(component.signal("latency"), own, slo.threshold, SHORT_RATE)
        errors = f"{slow} or {requests} * 0"
    add(record("requests", 300), requests)
    add(record("errors", 300), errors)
    selector = matchers(static)
    for window in WINDOWS:
        if window != 300:
            for kind in ("requests", "errors"):
                add(record(kind, window), f"avg_over_time({record(kind, 300)}{{{selector}}}[{format_duration(window)}])")
        add(record("error_ratio", window), f"{record('errors', window)}{{{selector}}} / {record('requests', window)}{{{selector}}}")
    return rules


def burn_factor(slo, long_window, budget_share):
    """How many times faster than sustainable the budget burns when `budget_share` of it is
    spent in `long_window` (14.4 for 2% in 1h of a 30d period)."""
    return budget_share * slo.period_seconds / long_window


def alert_rules(agent, component, slo, min_request_rate, runbook_base_url, dashboard_url=None):
    static = {**own_labels(component), **slo_labels(slo)}
    selector = matchers(static)
    budget = 1 - slo.objective
    labels = routing_labels(agent)
    where = f"{agent.name}/{component.name}"
    what = "availability" if slo.sli == "availability" else f"latency under {format_duration(slo.threshold)}"
    rules = []
    for severity in ("critical", "warning"):
        branches = []
        windows = []
        for_seconds = 0
        for burn in BURN_ALERTS:
            if burn.severity != severity:
                continue
            long, short, for_seconds = burn.long, burn.short, burn.for_seconds
            threshold = number(burn_factor(slo, long, burn.budget_share) * budget)
            windows.append(f"{format_duration(long)}/{format_duration(short)}")
            branches.append(
                f"({record('error_ratio', long)}{{{selector}}} > {threshold}"
                f" and {record('error_ratio', short)}{{{selector}}} > {threshold}"
                f" and {record('requests', long)}{{{selector}}} >= {number(min_request_rate)}"
                f" and count_over_time({record('requests', 300)}{{{selector}}}[{format_duration(short)}])"
                f" >= {short // MAX_EVALUATION_SECONDS})"
            )
        name = "page" if severity == "critical" else "ticket"
        rules.append({
            "alert": SLO_ALERT,
            "expr": " or ".join(branches),
            "for": format_duration(for_seconds),
            "labels": {"severity": severity, **slo_labels(slo), **labels},
            "annotations": {
                "summary": f"{where}: {what} SLO of {number(slo.objective * 100)}% is burning its error budget ({name})",
                "description": (
                    f"{where} ({component.kind}) spends the error budget of its {what} SLO "
                    f"({number(slo.objective * 100)}% over {format_duration(slo.period_seconds)}) fast enough to "
                    f"{'exhaust it within days' if severity == 'critical' else 'miss the objective'} "
                    f"(windows {', '.join(windows)})."),
                "runbook_url": runbook_url(runbook_base_url, SLO_ALERT),
                **({"dashboard_url": dashboard_url} if dashboard_url else {}),
            },
        })
    return rules
