# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Every name the compiler writes into its outputs, and the signals it knows.

Generators import these names and never spell them: a recording, label, job, rule group or data
stream is renamed here once, and the rules, tests, routes, gates and manifests follow.
"""

from __future__ import annotations

from collections import namedtuple

from .promql import number

# The inventory variable that holds the description; problems are reported under it.
VARIABLE = "llmagentos_agents"
PREFIX = "llmagentos"
RATE_WINDOW = "5m"
# The labels that identify a component on every series the compiler writes.
OWN_LABELS = ("agent", "component")
# The labels every recorded series of a component keeps (a PromQL `by` clause).
BY = "agent, component, kind"
# Labels the compiler sets itself; a user label of the same name would hide them.
RESERVED_LABELS = ("agent", "component", "kind", "env", "team", "job", "instance", "severity")
# The data stream dataset of the agents' logs (logs-<dataset>-<environment>).
LOG_DATASET = "llmagentos.agents"
DEFAULT_RUNBOOK_BASE_URL = "https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#"

# Every signal a component can offer: the kind of series that carries it, for gauges that are
# recorded how the component's series are aggregated into one, and for a part of another
# counter (errors of requests) that whole: while the whole is read, a missing part counts zero.
SignalKind = namedtuple("SignalKind", "type aggregation part_of", defaults=(None, None))
SIGNALS = {
    "requests": SignalKind("counter"),               # requests served
    "errors": SignalKind("counter", part_of="requests"),  # failed requests (a subset of requests)
    "latency": SignalKind("histogram"),              # end-to-end request latency, seconds
    "time_to_first_token": SignalKind("histogram"),  # seconds
    "time_per_output_token": SignalKind("histogram"),  # seconds between output tokens
    "queue_time": SignalKind("histogram"),           # seconds a request waited before it ran
    "token_throughput": SignalKind("counter"),       # generated tokens (rate = tokens/s)
    "preemptions": SignalKind("counter"),            # requests preempted (evicted from the batch)
    "queue_depth": SignalKind("gauge", "sum"),       # requests waiting
    "requests_running": SignalKind("gauge", "sum"),  # requests being served
    "kv_cache_usage": SignalKind("gauge", "max"),    # 0..1
    "gpu_utilization": SignalKind("gauge", "avg"),   # 0..1
    "gpu_memory_used": SignalKind("gauge"),          # bytes
    "gpu_memory_total": SignalKind("gauge"),         # bytes
    "gpu_memory_free": SignalKind("gauge"),          # bytes; used + free stands in for total (DCGM)
    # The health of each GPU, recorded per GPU (gpu_health.py) and never aggregated over a
    # component's GPUs: an alert names the GPU that failed.
    "gpu_xid": SignalKind("gpu_health"),               # the driver's Xid events
    "gpu_ecc_uncorrected": SignalKind("gpu_health"),   # uncorrectable (volatile) ECC errors
    "gpu_row_remap_failure": SignalKind("gpu_health"),  # 1: a row could not be remapped
    "gpu_row_remap_pending": SignalKind("gpu_health"),  # 1: a remap waits for a GPU reset
    "gpu_hw_slowdown": SignalKind("gpu_health"),       # >0: hardware thermal or power-brake slowdown
    "gpu_nvlink_errors": SignalKind("gpu_health"),     # NVLink CRC and recovery errors
    "gpu_recovery_action": SignalKind("gpu_health"),   # >0: the driver asks for a reset or reboot
}
GPU_HEALTH_SIGNALS = tuple(name for name, kind in SIGNALS.items() if kind.type == "gpu_health")
# Signals with no recording of their own (GPU memory: recorded as a ratio of two of them) and GPU
# health (its recordings of events are absent while nothing happens): their absence is read on
# their metrics.
WATCHED_ON_METRICS = GPU_HEALTH_SIGNALS + tuple(
    name for name, kind in SIGNALS.items() if kind.type == "gauge" and not kind.aggregation)
# What a per-GPU recording keeps: the component, the host and the GPU's identity (DCGM's labels;
# other exporters' are renamed to them).
GPU_BY = "agent, component, kind, instance, host, gpu, UUID, pci_bus_id"
# How far back an event (an Xid, an error count going up) keeps its GPU's alert firing.
GPU_EVENT_WINDOW = "10m"
# The trend a saturation forecast extends (predict_linear), and how full a resource must be
# already for its forecast to page: below it, a steep start from empty is load, not a leak.
FORECAST_WINDOW = "1h"
FORECAST_FLOOR = 0.5
_GPU_RECORD_SUFFIX = {"gpu_xid": f"recent{GPU_EVENT_WINDOW}", "gpu_ecc_uncorrected": f"increase{GPU_EVENT_WINDOW}",
                      "gpu_nvlink_errors": f"increase{GPU_EVENT_WINDOW}"}
# The GPUs an exporter sees per host, for the alert on a GPU that disappeared.
GPU_COUNT = "gpu_count"
# What agent_service writes for node_exporter's textfile collector: the GPUs (host, index) it pins
# to an agent's component (labels assigned_agent, assigned_component); recorded once for every
# agent as GPU_ASSIGNMENT_RECORD, by host.
GPU_ASSIGNMENT_METRIC = "llmagentos_gpu_assignment"
GPU_ASSIGNMENT_RECORD = f"{PREFIX}:gpu_assignment:max"
GPU_ASSIGNMENT_GROUP = f"{PREFIX}:gpu-assignments"
COUNTER_SIGNALS = tuple(name for name, kind in SIGNALS.items() if kind.type == "counter")
HISTOGRAM_SIGNALS = tuple(name for name, kind in SIGNALS.items() if kind.type == "histogram")
RECORDED_GAUGES = tuple((name, kind.aggregation) for name, kind in SIGNALS.items() if kind.aggregation)
# The signals each SLI reads.
SLIS = {"availability": ("requests", "errors"), "latency": ("latency",)}
# Recordings computed from other recordings: name -> (numerator, denominator) for ratios.
ERROR_RATIO = "error_ratio"
RATIO_RECORDINGS = {ERROR_RATIO: ("errors", "requests")}
GPU_MEMORY_UTILIZATION = "gpu_memory_utilization"
HOST_CPU_UTILIZATION = "host_cpu_utilization"
HOST_MEMORY_UTILIZATION = "host_memory_utilization"
_RATIO_SUFFIXED = (GPU_MEMORY_UTILIZATION, HOST_CPU_UTILIZATION, HOST_MEMORY_UTILIZATION)

KINDS = ("llm", "tool", "engine", "gpu", "vector_store", "custom")
# Alert names start with the component kind's prefix (LLMLatencyHigh, ToolAPIErrorRateHigh).
ALERT_PREFIX = {"llm": "LLM", "tool": "ToolAPI", "vector_store": "VectorStore", "engine": "Task", "gpu": "GPU",
                "custom": "Component"}
SLO_ALERT = "SLOErrorBudgetBurn"
SIGNAL_MISSING_ALERT = "AgentSignalMissing"
GROUP_BY = ("alertname", "agent", "component")


def quantile_name(quantile):
    """0.95 -> 'p95', 0.999 -> 'p99_9'."""
    return "p" + number(quantile * 100).replace(".", "_")


def record_name(signal, quantile=None):
    """The recorded series of a signal: llmagentos:<signal>:<aggregation>."""
    if quantile is not None:
        return f"{PREFIX}:{signal}_seconds:{quantile_name(quantile)}_{RATE_WINDOW}"
    if signal in RATIO_RECORDINGS:
        return f"{PREFIX}:{signal}:rate{RATE_WINDOW}"
    if signal in _RATIO_SUFFIXED:
        return f"{PREFIX}:{signal}:ratio"
    if signal in GPU_HEALTH_SIGNALS:
        return f"{PREFIX}:{signal}:{_GPU_RECORD_SUFFIX.get(signal, 'max')}"
    if signal == GPU_COUNT:
        return f"{PREFIX}:{GPU_COUNT}:count"
    aggregation = SIGNALS[signal].aggregation if signal in SIGNALS else None
    return f"{PREFIX}:{signal}:{aggregation or 'rate' + RATE_WINDOW}"


def slo_record_name(kind, window):
    """The SLO recordings: llmagentos:slo_<requests|errors|error_ratio>:rate<window>."""
    return f"{PREFIX}:slo_{kind}:rate{window}"


def rule_group_name(agent, part):
    return f"{PREFIX}:{agent.name}:{part}"


def job_name(agent, component, suffix=""):
    return f"{PREFIX}/{agent.name}/{component.name}{suffix}"


def own_labels(component):
    """The labels that pick one component's series out of all of them."""
    return {"agent": component.agent, "component": component.name}


def routing_labels(agent):
    """The labels Alertmanager routes an agent's alerts on, besides severity."""
    labels = {}
    if agent.team:
        labels["team"] = agent.team
    if agent.environment:
        labels["env"] = agent.environment
    return labels


def component_labels(agent, component):
    """The labels every scraped series of a component carries."""
    labels = {"agent": agent.name, "component": component.name, "kind": component.kind}
    if agent.environment:
        labels["env"] = agent.environment
    if agent.team:
        labels["team"] = agent.team
    labels.update(dict(component.labels))
    return labels


def runbook_url(base_url, alert_name):
    return base_url + alert_name.lower()
