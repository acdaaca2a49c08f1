# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Prometheus recording and threshold alert rules for agent components.

Recording rules turn each signal into one series per component, named
llmagentos:<signal>:<aggregation>; alerts read only those, so they stay cheap and a signal's
engine-specific PromQL lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..units import format_duration
from . import gpu_health, signals, slo as slo_rules
from .alert_kinds import ALERT_KINDS, DOWN, PROGRESS_SIGNALS, STALLED, alert_kind
from .conventions import (
    BY, COUNTER_SIGNALS, DEFAULT_RUNBOOK_BASE_URL, FORECAST_FLOOR, FORECAST_WINDOW, GPU_MEMORY_UTILIZATION, HISTOGRAM_SIGNALS, HOST_CPU_UTILIZATION,
    GPU_ASSIGNMENT_GROUP, HOST_MEMORY_UTILIZATION, RATE_WINDOW, RATIO_RECORDINGS, RECORDED_GAUGES, SIGNAL_MISSING_ALERT, SIGNALS,
    SLIS, SLO_ALERT, WATCHED_ON_METRICS, own_labels, record_name, routing_labels, rule_group_name, runbook_url)
from .promql import matchers, number

# Below one request a minute, ratios and quantiles are noise: gated alerts stay quiet.
DEFAULT_MIN_REQUEST_RATE = 1 / 60
HISTOGRAM_QUANTILES = (0.5, 0.95, 0.99)


DEFAULT_SIGNAL_MISSING_SECONDS = 900.0


@dataclass(frozen=True)
class Options:
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    min_request_rate: float = DEFAULT_MIN_REQUEST_RATE
    # How long a scraped component may lack a signal its alerts read before that is an alert.
    signal_missing_seconds: float = DEFAULT_SIGNAL_MISSING_SECONDS
    # (agent, component, alert=, slo=, signal=) -> the dashboard URL of an alert (dashboards.DashboardLinks), or None.
    dashboard_link: object = None

    def dashboard_url(self, agent, component, **watched):
        return self.dashboard_link(agent, component, **watched) if self.dashboard_link else None


def annotated(annotations, dashboard_url):
    """The annotations with a `dashboard_url`, when there is one."""
    return {**annotations, "dashboard_url": dashboard_url} if dashboard_url else annotations


def _by_host(expr):
    """`expr` with a `host` label: the host part of its `instance` (host:port)."""
    return f'label_replace({expr}, "host", "$1", "instance", "(.+):[0-9]+")'


def _on_component_hosts(per_host, labels):
    """Averages a per-host expression over the hosts that run the component: those of its own
    `up` series, matched to node_exporter's series by the host part of `instance`."""
    hosts = f"group by (host, {BY}) ({_by_host(f'up{{{matchers(labels)}}}')})"
    return f"avg by ({BY}) (({per_host}) * on (host) group_right {hosts})"


def alert_quantiles(component, signal):
    """The quantiles the component's alerts ask of a histogram signal."""
    return {alert.quantile for alert in component.alerts if alert_kind(alert).reads == signal}


def has_recording(component, name):
    """Whether the component gets a recording of `name`, a signal or a recording derived from
    signals (a ratio, GPU memory use, its hosts' CPU and memory)."""
    if name in RATIO_RECORDINGS:
        return all(component.signal(part) for part in RATIO_RECORDINGS[name])
    if name == GPU_MEMORY_UTILIZATION:
        return bool(component.signal("gpu_memory_used") and (component.signal("gpu_memory_total") or component.signal("gpu_memory_free")))
    if name in (HOST_CPU_UTILIZATION, HOST_MEMORY_UTILIZATION):
        # From node_exporter on the hosts of its own targets.
        return bool(component.targets) and component.probe_path is None
    return component.signal(name) is not None


def recording_rules(component):
    """One recording rule per signal the component offers (histograms: p50, p95, p99 and any
    quantile an alert asks for)."""
    rules = []
    labels = own_labels(component)

    def record(name, expr):
        # The static labels equal the ones the expression keeps; they let promtool tell the
        # same record of two components apart.
        rules.append({"record": name, "expr": expr, "labels": dict(labels)})

    for name in COUNTER_SIGNALS:
        if component.signal(name):
            record(record_name(name), signals.counter_rate(component, name, labels, RATE_WINDOW))
    for ratio, (numerator, denominator) in RATIO_RECORDINGS.items():
        if has_recording(component, ratio):
            part, whole = (f"{record_name(name)}{{{matchers(labels)}}}" for name in (numerator, denominator))
            # No error series yet means no errors, not an unknown ratio.
            record(record_name(ratio), f"({part} or {whole} * 0) / {whole}")
    for name in HISTOGRAM_SIGNALS:
        signal = component.signal(name)
        if not signal:
            continue
        for quantile in sorted(set(HISTOGRAM_QUANTILES) | alert_quantiles(component, name)):
            record(record_name(name, quantile), signals.quantile(signal, labels, quantile, RATE_WINDOW))
    for name, aggregation in RECORDED_GAUGES:
        signal = component.signal(name)
        if signal:
            record(record_name(name), signals.gauge(signal, labels, aggregation))
    used, total, free = (component.signal(n) for n in ("gpu_memory_used", "gpu_memory_total", "gpu_memory_free"))
    if has_recording(component, GPU_MEMORY_UTILIZATION):
        used_sum = signals.gauge(used, labels, "sum")
        capacity = signals.gauge(total, labels, "sum") if total else f"({used_sum} + {signals.gauge(free, labels, 'sum')})"
        record(record_name(GPU_MEMORY_UTILIZATION), f"{used_sum} / {capacity}")
    xid_codes = sorted({code for alert in component.alerts for code in alert.codes})
    read = {alert_kind(alert).reads for alert in component.alerts}
    for name, expr in gpu_health.recording_rules(component, labels, read, xid_codes):
        record(name, expr)
    if any(alert.name == "gpu_missing" for alert in component.alerts):
        record(*gpu_health.gpu_count_rule(component, labels))
    if has_recording(component, HOST_CPU_UTILIZATION):
        # CPU and memory of the component's hosts, from node_exporter on the same hosts.
        idle = _by_host(f'rate(node_cpu_seconds_total{{mode="idle"}}[{RATE_WINDOW}])')
        available, total = (_by_host(f"node_memory_{name}_bytes") for name in ("MemAvailable", "MemTotal"))
        record(record_name(HOST_CPU_UTILIZATION), _on_component_hosts(f"1 - avg by (host) ({idle})", labels))
        record(record_name(HOST_MEMORY_UTILIZATION), _on_component_hosts(
            f"1 - sum by (host) ({available}) / sum by (host) ({total})", labels))
    return rules


_NO_PROGRESS = {"requests_running": "no request ran", "token_throughput": "no token was generated",
                "requests": "no request finished"}


def _stall(component, own_selector):
    """Requests waiting and, by every progress signal the component offers, nothing moving."""
    progress = [name for name in ALERT_KINDS[STALLED].reads_signals(component) if name in PROGRESS_SIGNALS]
    idle = " or ".join(f"{record_name(name)}{own_selector} == 0" for name in progress)
    expr = f"{record_name('queue_depth')}{own_selector} > 0 and on (agent, component) ({idle})"
    return expr, " or ".join(_NO_PROGRESS[name] for name in progress)


def alert_series(alert):
    """The recorded series an alert compares, or None for `down`."""
    kind = alert_kind(alert)
    return kind.series(alert.quantile) if kind.reads else None


def is_gated(component, alert):
    """Whether the alert also requires traffic (and the component counts it)."""
    return alert_kind(alert).gated and component.signal("requests") is not None


def alert_rule(agent, component, alert, options):
    kind = alert_kind(alert)
    own_selector = f"{{{matchers(own_labels(component))}}}"
    name = kind.alert_name(component.kind)
    labels = {"severity": alert.severity, **routing_labels(agent)}
    where = f"{agent.name}/{component.name}"
    if alert.name == STALLED:
        expr, stalled = _stall(component, own_selector)
        summary = f"{where} has stalled"
        description = (f"{where} ({component.kind}) has had requests waiting for {format_duration(alert.for_seconds)} "
                       f"while {stalled}: it answers its scrapes but works off nothing.")
    elif kind.gpu:
        expr = gpu_health.alert_expr(kind, alert, agent.name, own_selector)
        summary, description = gpu_health.texts(kind, where, component.kind, alert, gpu_health.label_templates())
    elif kind.forecast:
        series = alert_series(alert) + own_selector
        horizon = format_duration(alert.threshold)
        expr = (f"predict_linear({series}[{FORECAST_WINDOW}], {number(alert.threshold)}) >= 1"
                f" and {series} >= {number(FORECAST_FLOOR)}")
        summary = f"{where}: {kind.what} reaches 100% within {horizon}"
        description = (f"The {kind.what} of {where} ({component.kind}) has been above {number(FORECAST_FLOOR * 100)}% for "
                       f"{format_duration(alert.for_seconds)} with a trend over the last {FORECAST_WINDOW} that reaches 100% "
                       f"within {horizon}. {kind.description}.")
    elif alert.name == DOWN:
        metric = "probe_success" if component.probe_path else "up"
        expr = f"{metric}{own_selector} == 0"
        summary = f"{where} is down"
        if component.probe_path:
            description = f"The blackbox probe of {where} ({component.kind}) has failed for {format_duration(alert.for_seconds)}."
        else:
            description = f"Prometheus has not been able to scrape {where} ({component.kind}) for {format_duration(alert.for_seconds)}."
    else:
        comparator = ">" if alert.direction == "above" else "<"
        expr = f"{alert_series(alert)}{own_selector} {comparator} {number(alert.threshold)}"
        what = kind.describe(alert.quantile)
        threshold = kind.threshold.text(alert.threshold)
        summary = f"{where}: {what} {alert.direction} {threshold}"
        description = (f"The {what} of {where} ({component.kind}) has been {alert.direction} "
                       f"{threshold} for {format_duration(alert.for_seconds)}.")
    if is_gated(component, alert):
        expr += f" and on (agent, component) {record_name('requests')}{own_selector} >= {number(options.min_request_rate)}"
        description += f" Checked only while it serves at least {number(options.min_request_rate * 60)} requests a minute."
    return {
        "alert": name,
        "expr": expr,
        "for": format_duration(alert.for_seconds),
        "labels": labels,
        "annotations": annotated({
            "summary": summary,
            "description": description,
            "runbook_url": runbook_url(options.runbook_base_url, name),
        }, options.dashboard_url(agent, component, alert=alert)),
    }


def _reads(component, alert):
    """The signals an alert of the component reads, its traffic gate included, a part (errors)
    as its whole: a missing part counts zero while the whole is read."""
    read = set(alert_kind(alert).reads_signals(component)) | ({"requests"} if is_gated(component, alert) else set())
    return {SIGNALS[name].part_of or name for name in read}


def _slo_reads(slo):
    return {SIGNALS[name].part_of or name for name in SLIS[slo.sli]}


def watched_signals(component):
    """The signals the component's alerts and SLOs read, in catalog order."""
    read = set().union(*(_reads(component, alert) for alert in component.alerts), *map(_slo_reads, component.slos))
    return tuple(name for name in SIGNALS if name in read)


def watched_series(name):
    """The recorded series whose absence means the signal is missing (GPU health: see
    gpu_health.presence)."""
    return record_name(name, HISTOGRAM_QUANTILES[0] if name in HISTOGRAM_SIGNALS else None)


def _watched(component, name, own_selector):
    if name in WATCHED_ON_METRICS:
        return f"({gpu_health.presence(component, name, own_labels(component))})"
    return f"{watched_series(name)}{own_selector}"


def signal_missing_rules(agent, component, options):
    """One alert per watched signal: the component is scraped, but nothing the signal is read
    from has been there for `options.signal_missing_seconds`. A renamed metric, a metrics
    option switched off or a frontend that drops the engine's series would otherwise leave the
    alerts that read the signal unable to fire, with nobody told."""
    if component.probe_path is not None:
        return []
    own_selector = f"{{{matchers(own_labels(component))}}}"
    where = f"{agent.name}/{component.name}"
    duration = format_duration(options.signal_missing_seconds)
    rules = []
    for name in watched_signals(component):
        readers = sorted({alert_kind(alert).alert_name(component.kind) for alert in component.alerts
                          if name in _reads(component, alert)}
                         | ({SLO_ALERT} if any(name in _slo_reads(slo) for slo in component.slos) else set()))
        looked_for = signals.looked_for(component.signal(name), SIGNALS[name].type)
        rules.append({
            "alert": SIGNAL_MISSING_ALERT,
            "expr": f"max by ({BY}) (up{own_selector}) == 1 unless on (agent, component) {_watched(component, name, own_selector)}",
            "for": duration,
            "labels": {"severity": "warning", "signal": name, **routing_labels(agent)},
            "annotations": annotated({
                "summary": f"{where}: no {name} signal",
                "description": (f"Prometheus scrapes {where} ({component.kind}, preset {component.preset}) but has found "
                                f"none of {looked_for} for {duration}. Until it returns, {', '.join(readers)} cannot fire."),
                "runbook_url": runbook_url(options.runbook_base_url, SIGNAL_MISSING_ALERT),
            }, options.dashboard_url(agent, component, signal=name)),
        })
    return rules


def slo_alert_rules(agent, component, slo, options):
    """The page and ticket burn-rate alerts of an SLO."""
    return slo_rules.alert_rules(agent, component, slo, options.min_request_rate, options.runbook_base_url,
                                 options.dashboard_url(agent, component, slo=slo))


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
                   for rule in slo_alert_rules(agent, component, slo, options)]
        alerts += [rule for component in agent.components for rule in signal_missing_rules(agent, component, options)]
        for part, rules in (("recording", records), ("slo", slo_records), ("alerts", alerts)):
            if rules:
                groups.append({"name": rule_group_name(agent, part), "rules": rules})
    if any(alert_kind(alert).gpu and alert.name != "gpu_missing"
           for agent in agents for component in agent.components for alert in component.alerts):
        record, expr = gpu_health.assignment_rule()
        groups.append({"name": GPU_ASSIGNMENT_GROUP, "rules": [{"record": record, "expr": expr}]})
    return {"groups": groups}
