# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Health checks of the components that run on one host, in the form the prometheus_gate module
takes: after a rolling update touched the host, each of its components must be scraped (or
probed) and keep its error ratio under the threshold its error_rate alert uses.

The checks read the raw series of the host's own targets over a short window, not the 5m
recordings: a gate must judge the new release within minutes of its start, and on this host
only."""

from __future__ import annotations

from . import signals
from .alert_kinds import alert_kind
from .conventions import ERROR_RATIO, job_name, own_labels
from .promql import matchers
from ..units import format_duration

DEFAULT_WINDOW_SECONDS = 60.0
DEFAULT_MAX_ERROR_RATIO = 0.05


def _host_of(target):
    """'host:port' -> 'host' ('[::1]:80' -> '::1')."""
    return target.rpartition(":")[0].strip("[]")


def _error_ratio_limit(component, default):
    return next((alert.threshold for alert in component.alerts if alert_kind(alert).reads == ERROR_RATIO), default)


def gate_checks(agents, host_names, window_seconds=DEFAULT_WINDOW_SECONDS, max_error_ratio=DEFAULT_MAX_ERROR_RATIO):
    """prometheus_gate checks for every target of a component whose host part is one of
    `host_names` (the inventory name and the addresses the targets may use). Components without
    an error_rate alert are held to `max_error_ratio`."""
    names = set(host_names)
    window = format_duration(window_seconds)
    checks = []
    for agent in agents:
        for component in agent.components:
            where = f"{agent.name}/{component.name}"
            for target in (t for t in component.targets if _host_of(t) in names):
                if component.probe_path is None:
                    instance = target
                    checks.append({"name": f"{where} up", "min": 1,
                                   "query": f"up{{{matchers({'job': job_name(agent, component), 'instance': instance})}}}"})
                else:
                    instance = f"{component.scheme}://{target}{component.probe_path}"
                    probe = {"job": job_name(agent, component, "/probe"), "instance": instance}
                    checks.append({"name": f"{where} probe", "min": 1, "query": f"probe_success{{{matchers(probe)}}}"})
                if not (component.signal("requests") and component.signal("errors")):
                    continue
                labels = {**own_labels(component), "instance": instance}
                # No errors recorded yet is a ratio of 0; no requests in the window says nothing (pass).
                errors_rate = signals.counter_rate(component, "errors", labels, window, by=None)
                requests_rate = signals.counter_rate(component, "requests", labels, window, by=None)
                checks.append({
                    "name": f"{where} error ratio",
                    "query": f"{errors_rate} / ({requests_rate} > 0)",
                    "max": _error_ratio_limit(component, max_error_ratio),
                    "if_empty": "pass",
                })
    return checks
