# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The alert kinds a component may ask for under `alerts:`, one row each.

A row says which signals the alert needs, which recorded series it compares, how its threshold
is written and read, its direction, its name and its texts. The validator, the JSON schema, the
rule generator, the rule-test generator and the routes all read this table: a new alert kind is
one row here (and a runbook section).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .conventions import ALERT_PREFIX, GPU_MEMORY_UTILIZATION, HISTOGRAM_SIGNALS, RATIO_RECORDINGS, ERROR_RATIO, record_name
from .promql import number
from ..units import format_duration, parse_duration, parse_number, parse_ratio

DURATION_SCHEMA = {"type": "string", "pattern": "^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$",
                   "description": "A Prometheus duration such as 50ms, 30s, 5m or 1h30m."}
RATIO_SCHEMA = {"oneOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*%$"}, {"type": "number", "minimum": 0, "maximum": 1}],
                "description": "A percentage such as 5% or a fraction such as 0.05."}


@dataclass(frozen=True)
class Threshold:
    """How a threshold is written in the description, read, shown and tested."""

    parse: object
    text: object
    schema: dict
    # The largest value the measured series can take (ratios: 1), for test values.
    ceiling: float | None = None

    def far_side(self, threshold):
        """A value well past `threshold` upwards, within what the series can take."""
        value = threshold * 2 if threshold else (0.5 if self.ceiling else 1.0)
        return min(self.ceiling, value) if self.ceiling else value

    def near_side(self, threshold):
        """A value well under `threshold`."""
        return threshold / 2


DURATION = Threshold(parse_duration, format_duration, DURATION_SCHEMA)
RATIO = Threshold(parse_ratio, lambda value: f"{number(value * 100)}%", RATIO_SCHEMA, ceiling=1.0)
NUMBER = Threshold(parse_number, number, {"type": "number"})


@dataclass(frozen=True)
class AlertKind:
    key: str
    # Signals the component must offer for the alert to mean anything (all of `signals`, and
    # one of `any_of` at least).
    signals: tuple
    # The signal (or derived recording) whose recorded series is compared; None: target health.
    reads: str | None
    threshold: Threshold | None
    direction: str | None
    what: str
    # Name after the kind's prefix (LLM + LatencyHigh); `names` overrides it per component kind.
    name: str
    names: dict = field(default_factory=dict)
    prefixed: bool = True
    # Ratios, quantiles and throughput say nothing about a component serving almost no requests.
    gated: bool = False
    any_of: tuple = ()
    # GPU health (gpu_health.py): one alert per GPU, read from its per-GPU recording.
    gpu: bool = False
    # The sentence of its description, before " on GPU n of host".
    description: str = ""
    default_severity: str = "warning"
    default_for: str = "5m"
    # Xid alerts: the codes they page for, unless the description lists its own.
    codes: tuple = ()
    # The component kinds it is for (empty: any that offers its signals).
    component_kinds: tuple = ()
    # A saturation forecast: fires while the ratio it reads is past FORECAST_FLOOR and its trend
    # reaches 1 within the threshold (direction "within").
    forecast: bool = False

    def reads_signals(self, component):
        """The signals of `component` that the alert's expression reads."""
        return tuple(name for name in self.signals + self.any_of if component.signal(name))

    @property
    def reads_quantile(self):
        return self.reads in HISTOGRAM_SIGNALS

    @property
    def reads_ratio(self):
        return self.reads in RATIO_RECORDINGS

    def applies_to(self, component_kind):
        return not self.component_kinds or component_kind in self.component_kinds

    def alert_name(self, component_kind):
        if component_kind in self.names:
            return self.names[component_kind]
        return ALERT_PREFIX[component_kind] + self.name if self.prefixed else self.name

    def threshold_problem(self, value):
        """Why `value` can never make a sensible alert of this kind, or None."""
        if self.direction == "below" and value <= 0:
            return f"must be above 0: the {self.what} is never below {self.threshold.text(value)}"
        if self.direction == "above" and value < 0:
            return "must be 0 or more"
        if self.direction == "above" and self.threshold.ceiling is not None and value >= self.threshold.ceiling:
            return f"must be below {self.threshold.text(self.threshold.ceiling)}: the {self.what} never goes above it"
        if self.forecast and not 60 <= value <= MAX_FORECAST_SECONDS:
            return f"must be from 1m to {format_duration(MAX_FORECAST_SECONDS)}: a trend says little further ahead"
        return None

    def series(self, quantile=None):
        """The recorded series the alert compares."""
        return record_name(self.reads, quantile if self.reads_quantile else None)

    def describe(self, quantile):
        """What is measured, as a person says it: 'p95 latency', 'error ratio'."""
        return f"p{number(quantile * 100)} {self.what}" if self.reads_quantile else self.what

    def options(self):
        """The keys an entry of this kind takes under alerts.<key>."""
        return (("for", "severity") + ((self.direction,) if self.direction else ()) + (("quantile",) if self.reads_quantile else ())
                + (("codes",) if self.codes else ()))

    def schema(self):
        properties = {"for": DURATION_SCHEMA, "severity": {"enum": list(SEVERITIES)}}
        if self.direction:
            properties[self.direction] = self.threshold.schema
        if self.reads_quantile:
            properties["quantile"] = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
        if self.codes:
            properties["codes"] = {"type": "array", "minItems": 1, "uniqueItems": True,
                                   "items": {"type": "integer", "minimum": 1, "maximum": MAX_XID},
                                   "description": f"The Xid codes it pages for; default {', '.join(map(str, self.codes))}."}
        return {"type": "object", "additionalProperties": False, "properties": properties,
                "required": [self.direction] if self.direction else []}


SEVERITIES = ("info", "warning", "critical")
MAX_XID = 9999
MAX_FORECAST_SECONDS = 7 * 86400
# Xids that mean the GPU needs a reset, the node a reboot or the hardware a look (NVIDIA's Xid
# catalogue): double-bit ECC (48), a halted microcontroller (62), ECC page retirement or row
# remapping failure (64), NVLink (74), fallen off the bus (79), uncontained ECC (95), GSP
# timeouts (119, 120). 94 (a contained ECC error) costs the application its context, not the GPU.
# Application faults (13, 31, 43, 45) are the program's, and page nobody.
XID_CRITICAL = (48, 62, 64, 74, 79, 95, 119, 120)
XID_WARNING = (94,)
DOWN = "down"
STALLED = "stalled"
# What shows that a stalled engine is not working off its queue, best first.
PROGRESS_SIGNALS = ("requests_running", "token_throughput", "requests")

ALERT_KINDS = {kind.key: kind for kind in (
    AlertKind("error_rate", ("requests", "errors"), ERROR_RATIO, RATIO, "above", "error ratio", "ErrorRateHigh",
              names={"engine": "TaskFailureRateHigh"}, gated=True),
    AlertKind("latency", ("latency",), "latency", DURATION, "above", "latency", "LatencyHigh",
              names={"engine": "TaskDurationHigh"}, gated=True),
    AlertKind("time_to_first_token", ("time_to_first_token",), "time_to_first_token", DURATION, "above",
              "time to first token", "TimeToFirstTokenHigh", gated=True),
    AlertKind("time_per_output_token", ("time_per_output_token",), "time_per_output_token", DURATION, "above",
              "time per output token", "InferenceSlow", gated=True),
    AlertKind("token_throughput", ("token_throughput",), "token_throughput", NUMBER, "below",
              "token throughput (tokens/s)", "TokenThroughputLow", gated=True),
    AlertKind("queue_time", ("queue_time",), "queue_time", DURATION, "above", "queue time", "QueueTimeHigh",
              gated=True),
    AlertKind("queue_depth", ("queue_depth",), "queue_depth", NUMBER, "above", "queue depth", "QueueDepthHigh"),
    AlertKind("preemptions", ("preemptions",), "preemptions", NUMBER, "above", "preemption rate (per second)",
              "PreemptionRateHigh"),
    # Requests wait while nothing runs or no token comes out: an engine that answers its health
    # check and its scrapes but has stopped working.
    AlertKind(STALLED, ("queue_depth",), None, None, None, "queue progress", "EngineStalled",
              any_of=PROGRESS_SIGNALS),
    AlertKind("kv_cache_usage", ("kv_cache_usage",), "kv_cache_usage", RATIO, "above", "KV-cache usage", "KVCacheUsageHigh"),
    # Saturation forecasts: a KV cache that fills up (requests queue, then get preempted) and GPU
    # memory that grows toward full (a leak: vLLM's up-front reservation stays flat and is quiet).
    AlertKind("kv_cache_forecast", ("kv_cache_usage",), "kv_cache_usage", DURATION, "within", "KV-cache usage",
              "KVCacheFullForecast", forecast=True, default_for="15m",
              description="Requests will queue and be preempted when it is full"),
    AlertKind("gpu_memory_forecast", ("gpu_memory_used",), GPU_MEMORY_UTILIZATION, DURATION, "within", "GPU memory use",
              "GPUMemoryFullForecast", names={"gpu": "GPUMemoryFullForecast"}, any_of=("gpu_memory_total", "gpu_memory_free"),
              forecast=True, default_for="15m",
              description="Allocations will fail when it is full (CUDA out of memory); a steady climb is often a leak"),
    # GPU health, per GPU. Framebuffer use is no health signal (vLLM reserves it up front): the
    # KV cache above is what runs out.
    AlertKind("xid_critical", ("gpu_xid",), "gpu_xid", None, None, "an Xid that needs a reset, a reboot or the hardware "
              "checked", "XidCritical", gpu=True, default_severity="critical", default_for="1m", codes=XID_CRITICAL),
    AlertKind("xid_warning", ("gpu_xid",), "gpu_xid", None, None, "an Xid the driver contained", "XidWarning", gpu=True,
              default_for="1m", codes=XID_WARNING),
    AlertKind("ecc_uncorrected", ("gpu_ecc_uncorrected",), "gpu_ecc_uncorrected", None, None,
              "uncorrectable ECC errors", "EccUncorrectable", gpu=True,
              description="Uncorrectable (volatile) ECC errors were counted within the last 10m",
              default_severity="critical", default_for="1m"),
    AlertKind("row_remap_failure", ("gpu_row_remap_failure",), "gpu_row_remap_failure", None, None,
              "a failed row remap", "RowRemapFailed", gpu=True,
              description="Memory row remapping has failed: the GPU can no longer retire bad memory and needs service",
              default_severity="critical", default_for="1m"),
    AlertKind("row_remap_pending", ("gpu_row_remap_pending",), "gpu_row_remap_pending", None, None,
              "a pending row remap", "RowRemapPending", gpu=True,
              description="A memory row remap waits for the next GPU reset; until then the bad row stays in use",
              default_for="15m"),
    AlertKind("hw_slowdown", ("gpu_hw_slowdown",), "gpu_hw_slowdown", None, None,
              "a hardware slowdown", "HardwareSlowdown", gpu=True,
              description="The GPU's clocks are held down by hardware thermal or power-brake slowdown (too hot, or the "
                          "power supply asserted its brake)"),
    AlertKind("nvlink_errors", ("gpu_nvlink_errors",), "gpu_nvlink_errors", None, None, "NVLink errors", "NvlinkErrors",
              gpu=True, description="NVLink CRC or recovery errors were counted within the last 10m", default_for="1m"),
    AlertKind("recovery_action", ("gpu_recovery_action",), "gpu_recovery_action", None, None,
              "a recovery action the driver asks for", "RecoveryActionRequired", gpu=True,
              description="The driver asks for a recovery action (a GPU reset, a node reboot or a drain)",
              default_severity="critical", default_for="1m"),
    AlertKind("gpu_missing", ("gpu_utilization",), "gpu_count", None, None, "a missing GPU", "Missing", gpu=True,
              default_severity="critical", component_kinds=("gpu",)),
    AlertKind(DOWN, (), None, None, None, "target", "AgentComponentDown", prefixed=False),
)}


def alert_kind(alert):
    return ALERT_KINDS[alert.name]


def alert_name(component, alert):
    return alert_kind(alert).alert_name(component.kind)
