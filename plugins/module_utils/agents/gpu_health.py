# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Per-GPU health: recordings that turn each exporter's own form of a health metric into one
series per GPU, and the alert expressions and texts that read them.

Every recording keeps the component, the host and the GPU's identity (GPU_BY: DCGM's `gpu`,
`UUID` and `pci_bus_id`; nvidia_gpu_exporter's `uuid` is renamed and its index and PCI address are
joined from nvidia_smi_gpu_info), so an alert says which GPU of which host failed. The forms:

- value: a gauge read as it is (1/0 flags; with `plus`, two flags added).
- count: a count of errors since the driver loaded; its increase over GPU_EVENT_WINDOW.
- last_xid: DCGM's gauge of the last Xid code; an Xid counts as recent while the gauge changed
  within the window and holds the code (the same code twice in a row shows once).
- xid_times: the time of the last event per code (label `xid`); recent within the window.
- clock_events: the NVML clock-event bitmask; hardware thermal (0x40) or power-brake (0x80)
  slowdown.
"""

from __future__ import annotations

from .conventions import (
    GPU_ASSIGNMENT_METRIC, GPU_ASSIGNMENT_RECORD, GPU_BY, GPU_COUNT, GPU_EVENT_WINDOW, GPU_HEALTH_SIGNALS, record_name)
from .promql import either, escaped, number, series
from ..units import parse_duration

_WINDOW_SECONDS = parse_duration(GPU_EVENT_WINDOW)
_HW_THERMAL, _HW_POWER_BRAKE = 0x40, 0x80
# The labels of a GPU in the texts of its alerts.
GPU_LABELS = ("instance", "gpu", "UUID", "pci_bus_id", "assigned_component")


def _host(expr):
    """`expr` with a `host` label: the host part of `instance`, as node_exporter's series have it."""
    return f'label_replace({expr}, "host", "$1", "instance", "(.+):[0-9]+")'


def _identified(expr, metric, labels):
    """`expr` with DCGM's GPU labels and the host: an exporter that names GPUs by uuid only gets
    the index and PCI address of its info metric."""
    if not metric.identity:
        return _host(expr)
    joined = f"{expr} * on (instance, uuid) group_left (index, pci_bus_id) {series(metric.identity, labels)}"
    return _host(f'label_replace(label_replace({joined}, "gpu", "$1", "index", "(.*)"), "UUID", "GPU-$1", "uuid", "(.+)")')


def _per_gpu(metric, labels, codes):
    """One metric of a health signal as a per-GPU instant vector."""
    raw = series(metric.selector, labels)
    if metric.form == "count":
        expr = f"increase({raw}[{GPU_EVENT_WINDOW}])"
        if metric.plus:
            expr += f" + increase({series(metric.plus, labels)}[{GPU_EVENT_WINDOW}])"
        return f"max by ({GPU_BY}) ({_identified(f'({expr})', metric, labels)})"
    if metric.form == "last_xid":
        changed = f"changes({raw}[{GPU_EVENT_WINDOW}]) > 0"
        recent = " or ".join(f'label_replace(({raw} == {code}) and ({changed}), "xid", "{code}", "", "")' for code in codes)
        return f"count by ({GPU_BY}, xid) ({_identified(f'({recent})', metric, labels)})"
    if metric.form == "xid_times":
        matcher = 'xid=~"' + "|".join(str(code) for code in codes) + '"'
        recent = f"time() - {series(metric.selector, labels, extra=matcher)} < {number(_WINDOW_SECONDS)}"
        return f"count by ({GPU_BY}, xid) ({_identified(f'({recent})', metric, labels)})"
    if metric.form == "clock_events":
        bits = f"floor({raw} / {_HW_THERMAL}) % 2 + floor({raw} / {_HW_POWER_BRAKE}) % 2"
        return f"max by ({GPU_BY}) ({_identified(f'({bits})', metric, labels)})"
    expr = raw if not metric.plus else f"{raw} + {series(metric.plus, labels)}"
    return f"max by ({GPU_BY}) ({_identified(f'({expr})', metric, labels)})"


def recording_rules(component, labels, read, xid_codes):
    """(name, expr) per health signal in `read` (those the component's alerts read); Xids are
    recorded for `xid_codes` (those its Xid alerts watch)."""
    rules = []
    for name in GPU_HEALTH_SIGNALS:
        signal = component.signal(name)
        if not signal or name not in read:
            continue
        parts = [_per_gpu(metric, labels, xid_codes) for metric in signal.metrics]
        rules.append((record_name(name), either(parts)))
    return rules


def gpu_count_rule(component, labels):
    """The GPUs each host of the component shows, from its utilisation series; 0 while its
    exporter answers without any."""
    by = "agent, component, kind, instance"
    counts = [f"count by ({by}) ({series(metric.selector, labels)})" for metric in component.signal("gpu_utilization").metrics]
    counts.append(f"count by ({by}) ({series('up', labels)} == 1) * 0")
    return record_name(GPU_COUNT), " or ".join(counts)


def presence(component, name, own_selector_labels):
    """An expression that has a series while any metric of signal `name` is scraped: for the
    signals without a recording of their own, and GPU health, whose recordings of events are
    absent while nothing happens."""
    return " or ".join(f"count by (agent, component) ({series(metric.watched_by or metric.selector, own_selector_labels)})"
                       for metric in component.signal(name).metrics)


def assignment_rule():
    """The GPUs agent_service pinned, by host and index (its textfile series come through
    node_exporter, whose instance is another port of the same host)."""
    return GPU_ASSIGNMENT_RECORD, (f"max by (host, gpu, assigned_agent, assigned_component) "
                                   f"({_host(GPU_ASSIGNMENT_METRIC)})")


def alert_expr(kind, alert, agent_name, own_selector):
    """The alert's expression on the per-GPU recordings. A GPU pinned to a component of the agent
    names it (assigned_component); one pinned to another agent is that agent's to page about;
    a GPU nobody pinned pages every agent that describes it."""
    if kind.key == "gpu_missing":
        counted = f"{record_name(GPU_COUNT)}{own_selector}"
        return f"{counted} < max_over_time({counted}[1h])"
    selector = own_selector
    if alert.codes:
        codes_regex = "|".join(str(code) for code in alert.codes)
        selector = own_selector[:-1] + f', xid=~"{codes_regex}"' + "}"
    failing = f"({record_name(kind.reads)}{selector} > 0)"
    own = f'topk by (host, gpu) (1, {GPU_ASSIGNMENT_RECORD}{{assigned_agent="{escaped(agent_name)}"}})'
    return f"{failing} * on (host, gpu) group_left (assigned_component) {own} or {failing} unless on (host, gpu) {GPU_ASSIGNMENT_RECORD}"


def texts(kind, where, component_kind, alert, labels):
    """(summary, description) for one GPU; `labels` gives the GPU's labels as alert templates
    ({{ $labels.gpu }}) for the rule, or as values for its tests."""
    gpu = f"GPU {labels['gpu']} ({labels['UUID']}) of {labels['instance']}"
    if kind.key == "gpu_missing":
        return (f"{where}: {labels['instance']} shows fewer GPUs than an hour ago",
                f"The exporter of {where} ({component_kind}) on {labels['instance']} reports fewer GPUs than it did "
                "within the last hour: a GPU fell off the bus or was lost to the driver. Its workloads run degraded or not at all.")
    pinned = labels["pinned"]
    if alert.codes:
        return (f"{where}: Xid {labels['xid']} on {gpu}",
                f"The NVIDIA driver reported Xid {labels['xid']} on {gpu} within the last {GPU_EVENT_WINDOW} "
                f"({kind.what}).{pinned} Look the code up in NVIDIA's Xid catalogue; the kernel log has the event.")
    return (f"{where}: {kind.what} on {gpu}", f"{kind.description} on {gpu} ({where}, {component_kind}).{pinned}")


def label_templates():
    """The texts' labels as alert templates."""
    templates = {name: "{{ $labels." + name + " }}" for name in (*GPU_LABELS, "xid")}
    templates["pinned"] = "{{ with $labels.assigned_component }} agent_service pinned it to component {{ . }}.{{ end }}"
    return templates


def label_values(labels):
    """The texts' labels for one GPU's alert, as promtool expands the templates."""
    values = {name: labels.get(name, "") for name in (*GPU_LABELS, "xid")}
    values["pinned"] = f" agent_service pinned it to component {values['assigned_component']}." if values["assigned_component"] else ""
    return values
