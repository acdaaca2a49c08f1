# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""A stand-in for one LLM agent, for tests and demos: an LLM server, a tool API and a task engine,
each on its own port with its own /metrics, writing the logs the real programs write. The LLM
server exposes what one real engine version exposes, as an exposition profile describes it
(profiles/*.json: vLLM 0.6 to current, TGI, Triton, llama.cpp, SGLang). With --gpus N it also
plays the GPUs the LLM server runs on, as a GPU exporter shows them (the dcgm-* and nvidia-gpu-exporter*
profiles) on their own port: gpu0 ... gpuN-1, busy with the LLM's load. Faults are set per component
(llm, tool, engine, gpu0, ...) over HTTP:

    GET    /faults                 current faults of every component
    PUT    /faults/<component>     {"error_rate": 0.5, "latency_seconds": 2, "down": false,
                                    "queue_seconds": 0, "preemptions_per_second": 0, "stalled": false}
    PUT    /faults/gpu<N>          {"xid": 79, "ecc_errors_per_second": 0, "nvlink_errors_per_second": 0,
                                    "row_remap_pending": false, "row_remap_failure": false,
                                    "thermal_slowdown": false, "power_brake_slowdown": false,
                                    "recovery_action": 0, "lost": false, "busy": false,
                                    "memory_leak_mib_per_second": 0}
    DELETE /faults[/<component>]   back to normal

A GPU's Xid is an event: setting it records the code and its time, as the driver would; the last
code stays on the GPU (DCGM's gauge keeps it) after the fault is cleared.

Traffic is simulated, not served: every tick the engine runs tasks that call the LLM and the
tool, and each component records what its real counterpart would have recorded.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import logging.handlers
import os
import random
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

COMPONENTS = ("llm", "tool", "engine")
# Field -> (type, largest value); booleans have no range.
FAULT_FIELDS = {"error_rate": (float, 1), "latency_seconds": (float, 600), "queue_seconds": (float, 600),
                "preemptions_per_second": (float, 1000), "down": (bool, None), "stalled": (bool, None)}
GPU_FAULT_FIELDS = {"xid": (int, 255), "ecc_errors_per_second": (float, 1000), "nvlink_errors_per_second": (float, 1000),
                    "row_remap_pending": (bool, None), "row_remap_failure": (bool, None),
                    "thermal_slowdown": (bool, None), "power_brake_slowdown": (bool, None),
                    "recovery_action": (int, 4), "lost": (bool, None), "busy": (bool, None),
                    "memory_leak_mib_per_second": (float, 100_000)}
# NVML's clock-event reasons: hardware thermal slowdown and power-brake slowdown.
HW_THERMAL_SLOWDOWN, HW_POWER_BRAKE_SLOWDOWN = 0x40, 0x80
TICK_SECONDS = 0.25
PROFILE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles")
DEFAULT_PROFILE = "vllm-current"
GIB = 1024 ** 3


class FaultError(ValueError):
    pass


def gpu_names(count):
    return tuple(f"gpu{index}" for index in range(count))


class Faults:
    """Faults per component (the agent's and, with --gpus, each GPU's), shared by the traffic loop
    and the control API."""

    def __init__(self, gpus=0):
        self._lock = threading.Lock()
        self.fields = {**{name: FAULT_FIELDS for name in COMPONENTS}, **{name: GPU_FAULT_FIELDS for name in gpu_names(gpus)}}
        self._faults = {name: self.normal(name) for name in self.fields}

    def normal(self, component):
        return {field: False if kind is bool else kind(0) for field, (kind, _most) in self.fields[component].items()}

    def parse(self, component, body):
        if component not in self.fields:
            raise FaultError(f"unknown component {component!r}; expected one of {', '.join(self.fields)}")
        if not isinstance(body, dict):
            raise FaultError("the body must be a JSON object")
        fields = self.fields[component]
        fault = self.normal(component)
        for field, value in body.items():
            if field not in fields:
                raise FaultError(f"{component}.{field}: unknown field; expected one of {', '.join(fields)}")
            kind, most = fields[field]
            if kind is bool:
                if not isinstance(value, bool):
                    raise FaultError(f"{component}.{field}: expected true or false")
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or not 0 <= value <= most:
                    raise FaultError(f"{component}.{field}: expected a whole number from 0 to {most}, got {value!r}")
                value = int(value)
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= most:
                raise FaultError(f"{component}.{field}: expected a number from 0 to {most}, got {value!r}")
            fault[field] = value
        return fault

    def set(self, component, fault):
        with self._lock:
            self._faults[component] = fault

    def clear(self, component=None):
        with self._lock:
            for name in [component] if component else self.fields:
                self._faults[name] = self.normal(name)

    def get(self, component):
        with self._lock:
            return dict(self._faults[component])

    def snapshot(self):
        with self._lock:
            return {name: dict(fault) for name, fault in self._faults.items()}


class VllmFormatter(logging.Formatter):
    """vLLM's own lines (LEVEL MM-DD HH:MM:SS [file:line] message) and, in the same stream,
    uvicorn's access lines (LEVEL:     client - "request" status)."""

    def __init__(self):
        super().__init__("%(levelname)s %(asctime)s %(message)s", "%m-%d %H:%M:%S")

    def format(self, record):
        if getattr(record, "access", False):
            return f"{record.levelname}:     {record.getMessage()}"
        return super().format(record)


def file_logger(name, path, formatter):
    logger = logging.getLogger(f"simulator.{name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=10 * 1024 * 1024, backupCount=2)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    return logger


class Exposition:
    """An engine's /metrics as its profile describes it: every family with the engine's own names,
    types, labels and buckets, each series driven by a simulated quantity (a counter's total, a
    gauge's level, the values a histogram observes). `identity` replaces the values of the labels
    it names wherever the profile has them (a GPU's index, UUID and PCI address)."""

    def __init__(self, profile, model, identity=None):
        self.profile = profile
        self.identity = identity or {}
        self.labels = {key: model if key == "model_name" else value for key, value in profile["labels"].items()}
        self.lock = threading.Lock()
        self.totals = collections.defaultdict(float)
        self.levels = collections.defaultdict(float)
        # A family marked `"event": "time"` has one series per event code, valued the event's time.
        self.event_times = {}
        # histogram family -> [bucket counts, sum, count], in the family's own unit
        self.histograms = {family["name"]: [[0] * len(family["buckets"]), 0.0, 0]
                           for family in profile["families"] if family["type"] == "histogram"}

    @classmethod
    def load(cls, name, model, directory=PROFILE_DIR):
        """The profile `name` of `directory`, or the profile file at `name` when it is a path."""
        path = name if name.endswith(".json") else os.path.join(directory, f"{name}.json")
        try:
            with open(path, encoding="utf-8") as stream:
                return cls(json.load(stream), model)
        except FileNotFoundError:
            known = sorted(entry[:-5] for entry in os.listdir(directory) if entry.endswith(".json")) \
                if os.path.isdir(directory) else []
            raise ValueError(f"no exposition profile {name!r}; known profiles: {', '.join(known) or 'none'}") from None
        except (OSError, ValueError, KeyError) as error:
            raise ValueError(f"the exposition profile {path} cannot be read: {error}") from None

    def add(self, quantity, amount=1.0):
        with self.lock:
            self.totals[quantity] += amount

    def set(self, quantity, value):
        with self.lock:
            self.levels[quantity] = value

    def observe(self, quantity, value, count=1):
        with self.lock:
            for family in self.profile["families"]:
                if family["type"] != "histogram" or family["observes"] != quantity:
                    continue
                observed = value * family.get("scale", 1)
                buckets, total, seen = self.histograms[family["name"]]
                for index, bound in enumerate(family["buckets"]):
                    if observed <= bound:
                        buckets[index] += count
                self.histograms[family["name"]] = [buckets, total + observed * count, seen + count]

    def record_event(self, code, when):
        with self.lock:
            self.event_times[code] = when

    def render(self):
        """The Prometheus text format (0.0.4)."""
        return render([self])

    def samples(self, family):
        """The sample lines of one family of the profile."""
        name, scale = family["name"], family.get("scale", 1)
        own = self._identified({**self.labels, **family.get("labels", {})})
        lines = []
        with self.lock:
            if family["type"] == "histogram":
                buckets, total, seen = self.histograms[name]
                for bound, count in zip(family["buckets"], buckets):
                    lines.append(_sample(f"{name}_bucket", {**own, "le": repr(float(bound))}, count))
                return lines + [_sample(f"{name}_bucket", {**own, "le": "+Inf"}, seen),
                                _sample(f"{name}_sum", own, total), _sample(f"{name}_count", own, seen)]
            if family.get("event") == "time":
                key = next(iter(family["series"][0]["labels"]))
                return [_sample(name, {**own, key: str(code)}, when) for code, when in sorted(self.event_times.items())]
            for series in family["series"]:
                value = series["value"]
                if family["type"] == "counter":
                    value = self.totals[value] * scale
                elif not isinstance(value, (int, float)):
                    value = self.levels[value] * scale
                lines.append(_sample(name, self._identified({**own, **series["labels"]}), value))
        return lines

    def _identified(self, labels):
        return {key: self.identity.get(key, value) for key, value in labels.items()}


def render(expositions):
    """The Prometheus text format (0.0.4) of expositions of one profile (the GPUs of a host, or
    one LLM server): each family once, with the series of each."""
    lines = []
    for family in expositions[0].profile["families"] if expositions else []:
        lines += [f"# HELP {family['name']} {family['help']}", f"# TYPE {family['name']} {family['type']}"]
        for exposition in expositions:
            lines += exposition.samples(family)
    return ("\n".join(lines) + "\n").encode()


def _sample(name, labels, value):
    pairs = ",".join(f'{key}="{_escape(text)}"' for key, text in labels.items())
    return f"{name}{{{pairs}}} {float(value)!r}" if labels else f"{name} {float(value)!r}"


def _escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Llm:
    """An LLM server: its requests recorded into the exposition of the chosen engine version, its
    log the lines of vLLM's OpenAI server (engine lines and uvicorn's access lines)."""

    def __init__(self, exposition, log_dir):
        self.metrics = exposition
        self.log = file_logger("llm", os.path.join(log_dir, "llm.log"), VllmFormatter())
        self.tokens_since_stats = 0
        self.prompt_tokens_since_stats = 0
        self.waiting = 0

    def call(self, fault, rng):
        """One chat completion; returns (ok, seconds)."""
        request_id = "chatcmpl-" + uuid.UUID(int=rng.getrandbits(128)).hex
        client = f"10.0.{rng.randint(0, 3)}.{rng.randint(2, 250)}:{rng.randint(32768, 60999)}"
        prompt_tokens = rng.randint(200, 3000)
        self.prompt_tokens_since_stats += prompt_tokens
        self.log.info("[logger.py:43] Received request %s: prompt: '<%d tokens>', params: SamplingParams(n=1, "
                      "temperature=0.7, top_p=1.0, max_tokens=1024), prompt_token_ids: None, lora_request: None.",
                      request_id, prompt_tokens)
        if fault["stalled"]:
            # The engine takes the request and never schedules it: the client gives up.
            self.waiting += 1
            return False, 30.0
        metrics = self.metrics
        queued = rng.uniform(0.001, 0.02) + fault["queue_seconds"]
        metrics.add("requests")
        metrics.observe("queue_time", queued)
        metrics.add("queue_time_sum", queued)
        if rng.random() < fault["error_rate"]:
            metrics.add("failed")
            self.log.error("[serving_chat.py:1012] Error in chat completion stream generator for %s: "
                           "EngineDeadError('EngineCore encountered an issue.')", request_id)
            self.log.info('%s - "POST /v1/chat/completions HTTP/1.1" 500 Internal Server Error', client,
                          extra={"access": True})
            return False, queued + 0.05 + fault["latency_seconds"]
        output_tokens = rng.randint(20, 400)
        ttft = queued + rng.lognormvariate(-2.3, 0.5) + fault["latency_seconds"]
        itl = rng.lognormvariate(-3.9, 0.3)
        seconds = ttft + itl * output_tokens
        metrics.add("ok")
        metrics.observe("ttft", ttft)
        metrics.observe("itl", itl, count=output_tokens)
        metrics.observe("latency", seconds)
        metrics.observe("inference_time", seconds - queued)
        metrics.observe("tokens_per_request", output_tokens)
        metrics.add("latency_sum", seconds)
        metrics.add("prompt_seconds", ttft - queued)
        metrics.add("prompt_tokens", prompt_tokens)
        metrics.add("output_tokens", output_tokens)
        self.tokens_since_stats += output_tokens
        self.log.info('%s - "POST /v1/chat/completions HTTP/1.1" 200 OK', client, extra={"access": True})
        return True, seconds

    def tick(self, load, fault, rng):
        metrics = self.metrics
        running = 0 if fault["stalled"] else min(load, 256)
        if not fault["stalled"]:
            self.waiting = max(load - 256, 0)
        kv_cache = min(0.05 + running * 0.01 + rng.random() * 0.02, 1.0)
        metrics.set("running", running)
        metrics.set("waiting", self.waiting)
        metrics.set("kv_cache", kv_cache)
        metrics.set("used_tokens", int(kv_cache * 200_000))
        metrics.set("tokens_per_second", self.tokens_since_stats / TICK_SECONDS if running else 0.0)
        metrics.add("preemptions", fault["preemptions_per_second"] * TICK_SECONDS)
        metrics.add("health_checks", 0.1 * TICK_SECONDS)
        metrics.add("energy_mj", 400_000 * TICK_SECONDS)
        utilization = 0.05 if fault["stalled"] else min(0.2 + running * 0.02, 0.99)
        used = 20 * GIB + kv_cache * 50 * GIB
        metrics.set("gpu_utilization", utilization)
        metrics.set("gpu_utilization_percent", utilization * 100)
        for unit, divisor in (("bytes", 1), ("mib", 2 ** 20)):
            metrics.set(f"gpu_memory_used_{unit}", used / divisor)
            metrics.set(f"gpu_memory_free_{unit}", (80 * GIB - used) / divisor)
        metrics.set("gpu_memory_total_bytes", 80 * GIB)
        return utilization, kv_cache

    def stats(self, window_seconds, load):
        """vLLM's periodic engine line."""
        self.log.info("[loggers.py:123] Engine 000: Avg prompt throughput: %.1f tokens/s, Avg generation throughput: "
                      "%.1f tokens/s, Running: %d reqs, Waiting: %d reqs, GPU KV cache usage: %.1f%%, Prefix cache hit "
                      "rate: 0.0%%", self.prompt_tokens_since_stats / window_seconds,
                      self.tokens_since_stats / window_seconds, load, self.waiting, 100 * min(0.05 + load * 0.01, 1.0))
        self.tokens_since_stats = self.prompt_tokens_since_stats = 0


class Gpus:
    """The GPUs of the host as an exporter shows them (a dcgm-* or nvidia-gpu-exporter* profile):
    each busy with the LLM server's load, each with its own faults. A lost GPU leaves the
    exposition, as it leaves the driver."""

    MEMORY_TOTAL = 80 * GIB

    def __init__(self, profile, count, hostname):
        self.gpus = [Exposition(profile, "", self.identity(hostname, index)) for index in range(count)]
        self.names = gpu_names(count)
        self.leaked = [0.0] * count
        self.lost = [False] * count
        for gpu in self.gpus:
            gpu.set("gpu_memory_total_bytes", self.MEMORY_TOTAL)

    @staticmethod
    def identity(hostname, index):
        """How exporters name GPU `index` of this host: DCGM's gpu, UUID, device and pci_bus_id,
        nvidia_gpu_exporter's uuid (without DCGM's GPU- prefix) and index."""
        gpu_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{hostname}.gpu{index}"))
        return {"gpu": str(index), "index": str(index), "UUID": f"GPU-{gpu_uuid}", "uuid": gpu_uuid,
                "device": f"nvidia{index}", "pci_bus_id": f"00000000:{0x18 + 0x10 * index:02X}:00.0", "Hostname": hostname}

    def xid(self, name, code):
        """The driver reports Xid `code` on GPU `name` now."""
        gpu = self.gpus[self.names.index(name)]
        gpu.set("xid_last", code)
        gpu.record_event(code, time.time())

    def tick(self, utilization, kv_cache, faults):
        for index, gpu in enumerate(self.gpus):
            fault = faults.get(self.names[index])
            self.lost[index] = fault["lost"]
            self.leaked[index] += fault["memory_leak_mib_per_second"] * 2 ** 20 * TICK_SECONDS
            if fault["busy"]:
                busy, used = 1.0, 0.95 * self.MEMORY_TOTAL
            else:
                busy, used = utilization, min(20 * GIB + kv_cache * 50 * GIB + self.leaked[index], self.MEMORY_TOTAL)
            gpu.set("gpu_utilization", busy)
            gpu.set("gpu_utilization_percent", busy * 100)
            for unit, divisor in (("bytes", 1), ("mib", 2 ** 20)):
                gpu.set(f"gpu_memory_used_{unit}", used / divisor)
                gpu.set(f"gpu_memory_free_{unit}", (self.MEMORY_TOTAL - used) / divisor)
            gpu.add("energy_mj", (100_000 + 300_000 * busy) * TICK_SECONDS)
            gpu.add("ecc_errors", fault["ecc_errors_per_second"] * TICK_SECONDS)
            gpu.add("nvlink_errors", fault["nvlink_errors_per_second"] * TICK_SECONDS)
            with gpu.lock:
                # nvidia-smi shows the volatile count as a whole number of errors
                gpu.levels["ecc_uncorrected_total"] = float(int(gpu.totals["ecc_errors"]))
            gpu.set("remap_pending", float(fault["row_remap_pending"]))
            gpu.set("remap_failure", float(fault["row_remap_failure"]))
            gpu.set("hw_thermal", float(fault["thermal_slowdown"]))
            gpu.set("power_brake", float(fault["power_brake_slowdown"]))
            gpu.set("clock_events", HW_THERMAL_SLOWDOWN * fault["thermal_slowdown"] + HW_POWER_BRAKE_SLOWDOWN * fault["power_brake_slowdown"])
            gpu.set("recovery_action", fault["recovery_action"])

    def render(self):
        return render([gpu for gpu, lost in zip(self.gpus, self.lost) if not lost])


class Tool:
    """A tool API instrumented the usual way (tool_requests_total by code, a duration histogram),
    logging one ECS-style JSON line per request."""

    def __init__(self, log_dir):
        self.registry = CollectorRegistry()
        self.requests = Counter("tool_requests", "Requests served by the tool API.", ["method", "code"],
                                registry=self.registry)
        self.duration = Histogram("tool_request_duration", "Time to serve a tool API request.", ["method"],
                                  unit="seconds", registry=self.registry)
        self.log = file_logger("tool", os.path.join(log_dir, "tool.log"), logging.Formatter("%(message)s"))

    def call(self, fault, rng, trace_id):
        seconds = rng.lognormvariate(-2.5, 0.6) + fault["latency_seconds"]
        code = rng.choice((500, 502, 503)) if rng.random() < fault["error_rate"] else 200
        self.requests.labels("POST", str(code)).inc()
        self.duration.labels("POST").observe(seconds)
        self.log.info(json.dumps({
            "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
            "log.level": "error" if code >= 500 else "info",
            "message": f"POST /v1/search {code}",
            "http.request.method": "POST",
            "url.path": "/v1/search",
            "http.response.status_code": code,
            "event.duration": int(seconds * 1e9),
            "trace.id": trace_id,
        }))
        return code < 500, seconds


class Engine:
    """A task engine (Celery-like log lines) counting tasks, failures and durations."""

    def __init__(self, log_dir):
        self.registry = CollectorRegistry()
        self.tasks = Counter("agent_tasks", "Agent tasks finished.", registry=self.registry)
        self.failed = Counter("agent_tasks_failed", "Agent tasks that failed.", registry=self.registry)
        self.duration = Histogram("agent_task_duration", "Time to run an agent task.", unit="seconds",
                                  buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300), registry=self.registry)
        self.queued = Gauge("agent_tasks_queued", "Agent tasks waiting for a worker.", registry=self.registry)
        self.log = file_logger("engine", os.path.join(log_dir, "engine.log"), logging.Formatter(
            "[%(asctime)s,%(msecs)03d: %(levelname)s/%(processName)s] %(message)s", "%Y-%m-%d %H:%M:%S"))

    def finish(self, task_id, ok, seconds, reason):
        self.tasks.inc()
        self.duration.observe(seconds)
        if ok:
            self.log.info("Task agent.run_task[%s] succeeded in %.3fs: None", task_id, seconds)
        else:
            self.failed.inc()
            self.log.error("Task agent.run_task[%s] raised unexpected: %s", task_id, reason)


class Simulator:
    def __init__(self, args):
        os.makedirs(args.log_dir, exist_ok=True)
        self.rng = random.Random(args.seed)
        self.tasks_per_second = args.tasks_per_second
        self.faults = Faults(args.gpus)
        self.release = args.release
        self.llm = Llm(Exposition.load(args.llm_profile, args.model), args.log_dir)
        self.gpus = Gpus(Exposition.load(args.gpu_profile, "").profile if args.gpus else None, args.gpus, socket.gethostname())
        for component, body in args.fault:
            self.set_fault(component, self.faults.parse(component, body))
        self.tool = Tool(args.log_dir)
        self.engine = Engine(args.log_dir)
        self.stop = threading.Event()

    def set_fault(self, component, fault):
        self.faults.set(component, fault)
        if component in self.gpus.names and fault["xid"]:
            self.gpus.xid(component, fault["xid"])

    def run_task(self):
        """One agent task: 1-3 LLM calls and 0-2 tool calls; it fails when a call fails."""
        task_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        engine_fault = self.faults.get("engine")
        seconds, reason = engine_fault["latency_seconds"], None
        for step in range(self.rng.randint(1, 3)):
            llm_fault = self.faults.get("llm")
            if llm_fault["down"]:
                reason = "APIConnectionError('Connection error.')"
                break
            ok, spent = self.llm.call(llm_fault, self.rng)
            seconds += spent
            if not ok:
                reason = "APITimeoutError('Request timed out.')" if llm_fault["stalled"] else "InternalServerError('Error code: 500')"
                break
            tool_fault = self.faults.get("tool")
            if step == 0 or self.rng.random() < 0.5:
                if tool_fault["down"]:
                    reason = "ToolError('search: connection refused')"
                    break
                ok, spent = self.tool.call(tool_fault, self.rng, task_id.replace("-", ""))
                seconds += spent
                if not ok:
                    reason = "ToolError('search returned 5xx')"
                    break
        if reason is None and self.rng.random() < engine_fault["error_rate"]:
            reason = "TimeoutError('task exceeded its deadline')"
        if not engine_fault["down"]:
            self.engine.finish(task_id, reason is None, seconds, reason)

    def traffic(self):
        credit, last_stats = 0.0, time.monotonic()
        while not self.stop.wait(TICK_SECONDS):
            credit += self.tasks_per_second * TICK_SECONDS
            started = int(credit)
            credit -= started
            for _task in range(started):
                self.run_task()
            load = started * 4
            utilization, kv_cache = self.llm.tick(load, self.faults.get("llm"), self.rng)
            self.gpus.tick(utilization, kv_cache, self.faults)
            self.engine.queued.set(max(0, started - 8))
            if time.monotonic() - last_stats >= 10:
                self.llm.stats(time.monotonic() - last_stats, load)
                last_stats = time.monotonic()


def metrics_handler(render):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] == "/metrics":
                send(self, 200, render(), CONTENT_TYPE_LATEST)
            elif self.path == "/health":
                send(self, 200, b"", "text/plain")
            else:
                send(self, 404, b"not found\n", "text/plain")

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass  # access lines would only repeat the component's own log

    return Handler


def send(handler, status, body, content_type):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class ComponentServer:
    """A component's /metrics endpoint; `down` closes the port so scrapes are refused."""

    def __init__(self, address, port, render):
        self.address, self.port, self.render = address, port, render
        self.server = None
        self.lock = threading.Lock()

    def serve(self, up):
        with self.lock:
            if up and self.server is None:
                self.server = ThreadingHTTPServer((self.address, self.port), metrics_handler(self.render))
                threading.Thread(target=self.server.serve_forever, daemon=True).start()
            elif not up and self.server is not None:
                self.server.shutdown()
                self.server.server_close()
                self.server = None


def control_handler(simulator, servers):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, payload):
            send(self, status, (json.dumps(payload, sort_keys=True) + "\n").encode(), "application/json")

        def component(self):
            parts = self.path.strip("/").split("/")
            if parts[0] != "faults" or len(parts) > 2:
                return None, False
            return (parts[1] if len(parts) == 2 else None), True

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, {"status": "ok", "release": simulator.release})
            elif self.path == "/faults":
                self.reply(200, simulator.faults.snapshot())
            else:
                self.reply(404, {"error": f"no such path {self.path}"})

        def do_PUT(self):
            name, found = self.component()
            if not found or name is None:
                self.reply(404, {"error": "PUT /faults/<component>"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                fault = simulator.faults.parse(name, json.loads(self.rfile.read(length) or b"{}"))
            except json.JSONDecodeError as error:
                self.reply(400, {"error": f"the body is not JSON: {error}"})
                return
            except FaultError as error:
                self.reply(400, {"error": str(error)})
                return
            simulator.set_fault(name, fault)
            if name in servers:
                servers[name].serve(not fault["down"])
            self.reply(200, simulator.faults.snapshot())

        def do_DELETE(self):
            name, found = self.component()
            if not found or (name is not None and name not in simulator.faults.fields):
                self.reply(404, {"error": f"DELETE /faults or /faults/<{'|'.join(simulator.faults.fields)}>"})
                return
            simulator.faults.clear(name)
            for component in [name] if name else COMPONENTS:
                if component in servers:
                    servers[component].serve(True)
            self.reply(200, simulator.faults.snapshot())

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            sys.stderr.write(f"control: {self.address_string()} {format % args}\n")

    return Handler


def fault_option(text):
    """'tool:error_rate=0.6,latency_seconds=2' -> ('tool', {"error_rate": 0.6, ...}), checked like
    the control API once the GPUs are known."""
    component, _colon, assignments = text.partition(":")
    body = {}
    for assignment in filter(None, assignments.split(",")):
        field, _equals, value = assignment.partition("=")
        body[field] = value == "true" if value in ("true", "false") else float(value) if value.replace(".", "", 1).isdigit() else value
    return component, body


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--listen-address", default="127.0.0.1")
    parser.add_argument("--llm-port", type=int, default=8000)
    parser.add_argument("--tool-port", type=int, default=8081)
    parser.add_argument("--engine-port", type=int, default=8082)
    parser.add_argument("--control-port", type=int, default=8090)
    parser.add_argument("--model", default="llama-3-8b-instruct")
    parser.add_argument("--llm-profile", default=DEFAULT_PROFILE,
                        help="the engine version the LLM server's /metrics imitates: a name in profiles/ or a .json file")
    parser.add_argument("--tasks-per-second", type=float, default=2.0)
    parser.add_argument("--log-dir", default="/var/log/llmagentos-simulator")
    parser.add_argument("--seed", type=int, default=None, help="repeatable traffic, for tests")
    parser.add_argument("--release", default="dev", help="release name the control port's /health reports")
    parser.add_argument("--fault", action="append", default=[], type=fault_option, metavar="COMPONENT:FIELD=VALUE,...",
                        help="start with a fault, as PUT /faults/COMPONENT would set it (e.g. tool:error_rate=0.6)")
    parser.add_argument("--gpus", type=int, default=0, help="GPUs to play (0 to 16), served on --gpu-port")
    parser.add_argument("--gpu-port", type=int, default=9400)
    parser.add_argument("--gpu-profile", default="dcgm-health",
                        help="the exporter the GPUs' /metrics imitates: dcgm-default, dcgm-health, nvidia-gpu-exporter(-nvml)")
    args = parser.parse_args(argv)
    if not 0 < args.tasks_per_second <= 1000:
        parser.error("--tasks-per-second: expected a number above 0 and at most 1000")
    if not 0 <= args.gpus <= 16:
        parser.error("--gpus: expected a whole number from 0 to 16")
    for option, name in (("--llm-profile", args.llm_profile), ("--gpu-profile", args.gpu_profile if args.gpus else None)):
        if name is None:
            continue
        try:
            Exposition.load(name, args.model)
        except ValueError as error:
            parser.error(f"{option}: {error}")
    faults = Faults(args.gpus)
    for component, body in args.fault:
        try:
            faults.parse(component, body)
        except FaultError as error:
            parser.error(f"--fault: {error}")
    return args


def main(argv=None):
    args = parse_args(argv)
    simulator = Simulator(args)
    servers = {
        "llm": ComponentServer(args.listen_address, args.llm_port, simulator.llm.metrics.render),
        "tool": ComponentServer(args.listen_address, args.tool_port, lambda: generate_latest(simulator.tool.registry)),
        "engine": ComponentServer(args.listen_address, args.engine_port, lambda: generate_latest(simulator.engine.registry)),
    }
    if args.gpus:
        servers["gpus"] = ComponentServer(args.listen_address, args.gpu_port, simulator.gpus.render)
    for server in servers.values():
        server.serve(True)
    control = ThreadingHTTPServer((args.listen_address, args.control_port), control_handler(simulator, servers))
    signal.signal(signal.SIGTERM, lambda signum, frame: simulator.stop.set())
    traffic = threading.Thread(target=simulator.traffic, daemon=True)
    traffic.start()
    threading.Thread(target=control.serve_forever, daemon=True).start()
    gpus = f", {args.gpus} GPUs :{args.gpu_port}" if args.gpus else ""
    sys.stderr.write(f"agent simulator: llm :{args.llm_port}, tool :{args.tool_port}, engine :{args.engine_port}{gpus}, "
                     f"control :{args.control_port} on {args.listen_address}\n")
    try:
        while not simulator.stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    control.shutdown()
    for server in servers.values():
        server.serve(False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
