# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Prometheus recording and threshold alert rules for agent components.

Recording rules turn each signal into one series per component, named
llmagentos:<signal>:<aggregation>; alerts read only those, so they stay cheap and a signal's
engine-specific PromQL lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import slo as slo_rules
from .promql import BY, matchers, number, quantile_name, series
from .units import format_duration

RATE_WINDOW = "5m"
DEFAULT_RUNBOOK_BASE_URL = "https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#"
# Below one request a minute, ratios and quantiles are noise: gated alerts stay quiet.
DEFAULT_MIN_REQUEST_RATE = 1 / 60
HISTOGRAM_QUANTILES = (0.5, 0.95, 0.99)
_KIND_PREFIX = {"llm": "LLM", "tool": "ToolAPI", "vector_store": "VectorStore", "engine": "Task", "gpu": "GPU",
                "custom": "Component"}


@dataclass(frozen=True)
class Options:
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    min_request_rate: float = DEFAULT_MIN_REQUEST_RATE


def own(component):
    return {"agent": component.agent, "component": component.name}


def record_name(signal, quantile=None):
    if quantile is not None:
        return f"llmagentos:{signal}_seconds:{quantile_name(quantile)}_{RATE_WINDOW}"
    return {
        "error_ratio": f"llmagentos:error_ratio:rate{RATE_WINDOW}",
        "queue_depth": "llmagentos:queue_depth:sum",
        "kv_cache_usage": "llmagentos:kv_cache_usage:max",
        "gpu_utilization": "llmagentos:gpu_utilization:avg",
        "gpu_memory_utilization": "llmagentos:gpu_memory_utilization:ratio",
        "host_cpu_utilization": "llmagentos:host_cpu_utilization:ratio",
        "host_memory_utilization": "llmagentos:host_memory_utilization:ratio",
    }.get(signal, f"llmagentos:{signal}:rate{RATE_WINDOW}")


def _scaled(expr, signal):
    return expr if signal.scale == 1 else f"({expr}) * {number(signal.scale)}"


def _by_host(expr):
    """`expr` with a `host` label: the host part of its `instance` (host:port)."""
    return f'label_replace({expr}, "host", "$1", "instance", "(.+):[0-9]+")'


def _on_component_hosts(per_host, labels):
    """Averages a per-host expression over the hosts that run the component: those of its own
    `up` series, matched to node_exporter's series by the host part of `instance`."""
    hosts = f"group by (host, {BY}) ({_by_host(f'up{{{matchers(labels)}}}')})"
    return f"avg by ({BY}) (({per_host}) * on (host) group_right {hosts})"


def recording_rules(component):
    """One recording rule per signal the component offers (histograms: p50, p95, p99 and any
    quantile an alert asks for)."""
    rules = []
    labels = own(component)

    def record(name, expr):
        # The static labels equal the ones the expression keeps; they let promtool tell the
        # same record of two components apart.
        rules.append({"record": name, "expr": expr, "labels": dict(labels)})

    for name in ("requests", "errors", "token_throughput"):
        signal = component.signal(name)
        if signal:
            record(record_name(name), _scaled(f"sum by ({BY}) (rate({series(signal.selector, labels)}[{RATE_WINDOW}]))", signal))
    if component.signal("requests") and component.signal("errors"):
        requests = f"{record_name('requests')}{{{matchers(own(component))}}}"
        errors = f"{record_name('errors')}{{{matchers(own(component))}}}"
        # No error series yet means no errors, not an unknown ratio.
        record(record_name("error_ratio"), f"({errors} or {requests} * 0) / {requests}")
    quantiles = {
        alert.name: alert.quantile for alert in component.alerts if alert.name in ("latency", "time_to_first_token", "time_per_output_token")
    }
    for name in ("latency", "time_to_first_token", "time_per_output_token"):
        signal = component.signal(name)
        if not signal:
            continue
        for quantile in sorted(set(HISTOGRAM_QUANTILES) | ({quantiles[name]} if name in quantiles else set())):
            buckets = series(signal.selector, labels, "_bucket")
            record(record_name(name, quantile), _scaled(
                f"histogram_quantile({number(quantile)}, sum by (le, {BY}) (rate({buckets}[{RATE_WINDOW}])))", signal))
    for name, aggregation in (("queue_depth", "sum"), ("kv_cache_usage", "max"), ("gpu_utilization", "avg")):
        signal = component.signal(name)
        if signal:
            record(record_name(name), _scaled(f"{aggregation} by ({BY}) ({series(signal.selector, labels)})", signal))
    used, total, free = (component.signal(n) for n in ("gpu_memory_used", "gpu_memory_total", "gpu_memory_free"))
    if used and (total or free):
        used_sum = f"sum by ({BY}) ({series(used.selector, labels)})"
        capacity = (f"sum by ({BY}) ({series(total.selector, labels)})" if total
                    else f"({used_sum} + sum by ({BY}) ({series(free.selector, labels)}))")
        record(record_name("gpu_memory_utilization"), f"{used_sum} / {capacity}")
    if component.targets and component.probe_path is None:
        # CPU and memory of the component's hosts, from node_exporter on the same hosts.
        idle = _by_host(f'rate(node_cpu_seconds_total{{mode="idle"}}[{RATE_WINDOW}])')
        available, total = (_by_host(f"node_memory_{name}_bytes") for name in ("MemAvailable", "MemTotal"))
        record(record_name("host_cpu_utilization"), _on_component_hosts(f"1 - avg by (host) ({idle})", labels))
        record(record_name("host_memory_utilization"), _on_component_hosts(
            f"1 - sum by (host) ({available}) / sum by (host) ({total})", labels))
    return rules


def alert_name(component, alert):
    prefix = _KIND_PREFIX[component.kind]
    if alert.name == "down":
        return "AgentComponentDown"
    if component.kind == "engine" and alert.name in ("error_rate", "latency"):
        return {"error_rate": "TaskFailureRateHigh", "latency": "TaskDurationHigh"}[alert.name]
    return prefix + {
        "error_rate": "ErrorRateHigh",
        "latency": "LatencyHigh",
        "time_to_first_token": "TimeToFirstTokenHigh",
        "time_per_output_token": "InferenceSlow",
        "token_throughput": "TokenThroughputLow",
        "queue_depth": "QueueDepthHigh",
        "kv_cache_usage": "KVCacheUsageHigh",
    }[alert.name]


def _threshold_text(alert):
    if alert.name in ("latency", "time_to_first_token", "time_per_output_token"):
        return format_duration(alert.threshold)
    if alert.name in ("error_rate", "kv_cache_usage"):
        return f"{number(alert.threshold * 100)}%"
    return number(alert.threshold)


_WHAT = {
    "error_rate": "error ratio",
    "latency": "latency",
    "time_to_first_token": "time to first token",
    "time_per_output_token": "time per output token",
    "token_throughput": "token throughput (tokens/s)",
    "queue_depth": "queue depth",
    "kv_cache_usage": "KV-cache usage",
}


def alert_series(component, alert):
    """The recorded series an alert compares, or None for `down`."""
    if alert.name == "error_rate":
        return record_name("error_ratio")
    if alert.name in ("latency", "time_to_first_token", "time_per_output_token"):
        return record_name(alert.name, alert.quantile)
    if alert.name == "down":
        return None
    return record_name(alert.name)


def is_gated(component, alert):
    """Whether the alert also requires traffic: ratios, quantiles and throughput say nothing
    about a component that serves almost no requests."""
    return alert.name in ("error_rate", "latency", "time_to_first_token", "time_per_output_token", "token_throughput") \
        and component.signal("requests") is not None


def alert_rule(agent, component, alert, options):
    own_selector = f"{{{matchers(own(component))}}}"
    name = alert_name(component, alert)
    labels = {"severity": alert.severity}
    if agent.team:
        labels["team"] = agent.team
    if agent.environment:
        labels["env"] = agent.environment
    where = f"{agent.name}/{component.name}"
    if alert.name == "down":
        metric = "probe_success" if component.probe_path else "up"
        expr = f"{metric}{own_selector} == 0"
        summary = f"{where} is down"
        if component.probe_path:
            description = f"The blackbox probe of {where} ({component.kind}) has failed for {format_duration(alert.for_seconds)}."
        else:
            description = f"Prometheus has not been able to scrape {where} ({component.kind}) for {format_duration(alert.for_seconds)}."
    else:
        comparator = ">" if alert.direction == "above" else "<"
        expr = f"{alert_series(component, alert)}{own_selector} {comparator} {number(alert.threshold)}"
        what = _WHAT[alert.name]
        if alert.name in ("latency", "time_to_first_token", "time_per_output_token"):
            what = f"p{number(alert.quantile * 100)} {what}"
        summary = f"{where}: {what} {alert.direction} {_threshold_text(alert)}"
        description = (f"The {what} of {where} ({component.kind}) has been {alert.direction} "
                       f"{_threshold_text(alert)} for {format_duration(alert.for_seconds)}.")
    if is_gated(component, alert):
        expr += f" and on (agent, component) {record_name('requests')}{own_selector} >= {number(options.min_request_rate)}"
        description += f" Checked only while it serves at least {number(options.min_request_rate * 60)} requests a minute."
    return {
        "alert": name,
        "expr": expr,
        "for": format_duration(alert.for_seconds),
        "labels": labels,
        "annotations": {
            "summary": summary,
            "description": description,
            "runbook_url": options.runbook_base_url + name.lower(),
        },
    }


def agent_rules(agents, options=Options()):
    """A Prometheus rule file as a dict: per agent a recording group, an SLO recording group and
    an alerting group (threshold alerts, then SLO burn-rate alerts)."""
    groups = []
    for agent in agents:
        records = [rule for component in agent.components for rule in recording_rules(component)]
        slo_records = [rule for component in agent.components for slo in component.slos
                       for rule in slo_rules.recording_rules(component, slo)]
        alerts = [alert_rule(agent, component, alert, options) for component in agent.components for alert in component.alerts]
        alerts += [rule for component in agent.components for slo in component.slos
                   for rule in slo_rules.alert_rules(agent, component, slo, options.min_request_rate, options.runbook_base_url)]
        for suffix, rules in (("recording", records), ("slo", slo_records), ("alerts", alerts)):
            if rules:
                groups.append({"name": f"llmagentos:{agent.name}:{suffix}", "rules": rules})
    return {"groups": groups}
