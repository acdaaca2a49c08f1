"""The exposition profiles (roles/agent_simulator/files/profiles/*.json) as promtool input series.

A profile lists the metric families an engine version exposes, each series driven by a simulated
quantity. A State gives those quantities per second (or as a level, for gauges), and
input_series() turns the profile into the series Prometheus would have scraped from that engine
in that state: counters rising at their rate, histograms observing the state's values into the
engine's own buckets, gauges at their level. A GPU event (a family marked "event") happens half-way:
its gauge steps from 0 to the state's level, or (`"event": "time"`) its series appears then with
the time of the event; a lost GPU's series stop a quarter of the way."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from examples import ROOT

PROFILE_DIR = ROOT / "roles" / "agent_simulator" / "files" / "profiles"
PROFILES = {path.stem: json.loads(path.read_text()) for path in sorted(PROFILE_DIR.glob("*.json"))}
GIB = 1024 ** 3


@dataclass(frozen=True)
class State:
    requests: float = 2.0           # finished requests per second
    error_ratio: float = 0.0
    latency: float = 1.0            # seconds, end to end
    ttft: float = 0.05
    itl: float = 0.02
    queue_time: float = 0.02
    tokens_per_request: float = 50.0
    waiting: float = 0.0
    running: float = 4.0
    kv_cache: float = 0.3
    preemptions: float = 0.0        # per second
    gpu_utilization: float = 0.6
    gpu_memory_used: float = 40 * GIB
    gpu_memory_total: float = 80 * GIB
    # GPU health: the last Xid code, uncorrectable ECC errors (per second, and as a total), the
    # remap flags, the clock-event bitmask and the nvidia-smi slowdown flags, NVLink errors per
    # second, the driver's recovery action, and whether the GPU fell off the bus.
    xid: int = 0
    ecc_errors: float = 0.0
    remap_failure: float = 0.0
    remap_pending: float = 0.0
    clock_events: int = 0
    hw_thermal: float = 0.0
    power_brake: float = 0.0
    nvlink_errors: float = 0.0
    recovery_action: float = 0.0
    gpu_lost: bool = False
    # Gauges that climb, per second: the KV cache filling up, GPU memory leaking (bytes).
    kv_cache_growth: float = 0.0
    gpu_memory_leak: float = 0.0

    def rates(self):
        """Counter quantities per second."""
        return {
            "requests": self.requests, "ok": self.requests * (1 - self.error_ratio),
            "failed": self.requests * self.error_ratio, "zero": 0.0, "health_checks": 0.1,
            "prompt_tokens": self.requests * 500, "output_tokens": self.requests * self.tokens_per_request,
            "preemptions": self.preemptions, "latency_sum": self.requests * self.latency,
            "queue_time_sum": self.requests * self.queue_time, "prompt_seconds": self.requests * 0.05,
            "energy_mj": 400_000.0, "ecc_errors": self.ecc_errors, "nvlink_errors": self.nvlink_errors,
        }

    def levels(self):
        """Gauge quantities."""
        free = self.gpu_memory_total - self.gpu_memory_used
        return {
            "running": self.running, "waiting": self.waiting, "kv_cache": self.kv_cache,
            "gpu_utilization": self.gpu_utilization, "gpu_utilization_percent": self.gpu_utilization * 100,
            "gpu_memory_used_bytes": self.gpu_memory_used, "gpu_memory_total_bytes": self.gpu_memory_total,
            "gpu_memory_free_bytes": free, "gpu_memory_used_mib": self.gpu_memory_used / 2 ** 20,
            "gpu_memory_free_mib": free / 2 ** 20, "tokens_per_second": self.requests * self.tokens_per_request,
            "prompt_tokens_per_second": self.requests * 500, "used_tokens": 20_000 * self.kv_cache,
            "preemptions_now": 0.0, "xid_last": self.xid, "ecc_uncorrected_total": 3.0 if self.ecc_errors else 0.0,
            "remap_failure": self.remap_failure, "remap_pending": self.remap_pending, "clock_events": self.clock_events,
            "hw_thermal": self.hw_thermal, "power_brake": self.power_brake, "recovery_action": self.recovery_action,
            "xid_79": self.xid == 79, "xid_94": self.xid == 94,
        }

    def growth(self):
        """Gauge quantities that climb (or, for the memory left, fall), per second."""
        leak = self.gpu_memory_leak
        return {"kv_cache": self.kv_cache_growth, "used_tokens": 20_000 * self.kv_cache_growth,
                "gpu_memory_used_bytes": leak, "gpu_memory_free_bytes": -leak,
                "gpu_memory_used_mib": leak / 2 ** 20, "gpu_memory_free_mib": -leak / 2 ** 20}

    def observations(self):
        """Histogram quantities: (observations per second, the value each observes)."""
        return {
            "latency": (self.requests, self.latency), "ttft": (self.requests, self.ttft),
            "queue_time": (self.requests, self.queue_time),
            "inference_time": (self.requests, max(self.latency - self.queue_time, 0.0)),
            "itl": (self.requests * self.tokens_per_request, self.itl),
            "tokens_per_request": (self.requests, self.tokens_per_request),
        }


HEALTHY = State()
# The state that should trip each alert kind, from a healthy engine.
FAULTS = {
    "error_rate": replace(HEALTHY, error_ratio=0.5),
    "latency": replace(HEALTHY, latency=30.0),
    "time_to_first_token": replace(HEALTHY, ttft=5.0),
    "time_per_output_token": replace(HEALTHY, itl=0.5),
    "queue_time": replace(HEALTHY, queue_time=20.0),
    "token_throughput": replace(HEALTHY, tokens_per_request=1.0),
    "queue_depth": replace(HEALTHY, waiting=50.0),
    "kv_cache_usage": replace(HEALTHY, kv_cache=0.97),
    "preemptions": replace(HEALTHY, preemptions=5.0),
    "stalled": replace(HEALTHY, requests=0.0, waiting=5.0, running=0.0),
    "xid_critical": replace(HEALTHY, xid=79),
    "xid_warning": replace(HEALTHY, xid=94),
    "ecc_uncorrected": replace(HEALTHY, ecc_errors=0.01),
    "row_remap_failure": replace(HEALTHY, remap_failure=1.0),
    "row_remap_pending": replace(HEALTHY, remap_pending=1.0),
    # Hardware thermal slowdown (0x40); the nvidia-smi flag alike.
    "hw_slowdown": replace(HEALTHY, clock_events=0x40, hw_thermal=1.0),
    "nvlink_errors": replace(HEALTHY, nvlink_errors=0.05),
    "recovery_action": replace(HEALTHY, recovery_action=1.0),
    "gpu_missing": replace(HEALTHY, gpu_lost=True),
    # From half full, two points a minute: full well within the forecasts' horizon.
    "kv_cache_forecast": replace(HEALTHY, kv_cache=0.5, kv_cache_growth=0.02 / 60),
    "gpu_memory_forecast": replace(HEALTHY, gpu_memory_used=40 * GIB, gpu_memory_leak=0.02 * 80 * GIB / 60),
}
# A busy GPU that is healthy pages nobody: full compute, framebuffer 95 % reserved (as vLLM does).
BUSY = replace(HEALTHY, gpu_utilization=1.0, gpu_memory_used=0.95 * 80 * GIB, running=64.0)


def _number(value):
    return f"{value:.12g}"


def _selector(name, labels):
    return name + "{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def _rising(per_second, samples, interval_seconds):
    return f"0+{_number(per_second * interval_seconds)}x{samples}"


def input_series(profile, state, labels, samples, interval_seconds=60):
    """promtool input_series for `profile` scraped in `state`, every series with `labels` (the
    target labels Prometheus adds) besides the profile's own."""
    rates, levels, observations, growth = state.rates(), state.levels(), state.observations(), state.growth()
    half = samples // 2
    inputs = []
    for family in profile["families"]:
        own = {**profile["labels"], **family.get("labels", {}), **labels}
        scale = family.get("scale", 1)
        if family["type"] == "histogram":
            per_second, value = observations[family["observes"]]
            observed = value * scale
            for bound in [*family["buckets"], "+Inf"]:
                inside = bound == "+Inf" or observed <= bound
                le = bound if bound == "+Inf" else _number(float(bound))
                inputs.append({"series": _selector(family["name"] + "_bucket", {**own, "le": le}),
                               "values": _rising(per_second if inside else 0, samples, interval_seconds)})
            inputs.append({"series": _selector(family["name"] + "_sum", own),
                           "values": _rising(per_second * observed, samples, interval_seconds)})
            inputs.append({"series": _selector(family["name"] + "_count", own),
                           "values": _rising(per_second, samples, interval_seconds)})
            continue
        for series in family["series"]:
            series_labels = {**own, **series["labels"]}
            value = series["value"]
            if family["type"] == "counter":
                values = _rising(rates[value] * scale, samples, interval_seconds)
            else:
                level = value if isinstance(value, (int, float)) else levels[value]
                values = f"{_number(level * scale)}x{samples}"
                step = growth.get(value, 0.0) * scale * interval_seconds if isinstance(value, str) else 0.0
                if step:
                    values = f"{_number(level * scale)}{'+' if step > 0 else '-'}{_number(abs(step))}x{samples}"
                if family.get("event") == "time":
                    if not level:
                        continue
                    values = f"_x{half} {_number(half * interval_seconds)}x{samples - half}"
                elif family.get("event"):
                    values = f"0x{half} {_number(level * scale)}x{samples - half}"
            if state.gpu_lost:
                # Early enough for the staleness of its last samples (5m) and the alert's `for` to pass.
                lost = samples // 4
                head = (_rising(rates[value] * scale, lost, interval_seconds) if family["type"] == "counter"
                        else f"{_number(level * scale)}x{lost}")
                values = f"{head} _x{samples - lost}"
            inputs.append({"series": _selector(family["name"], series_labels), "values": values})
    return inputs
