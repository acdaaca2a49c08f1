# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""A stand-in for one LLM agent, for tests and demos: an LLM server (vLLM metric names), a tool
API and a task engine, each on its own port with its own /metrics, writing the logs the real
programs write. Faults (error rate, added latency, down) are set per component over HTTP:

    GET    /faults                 current faults of every component
    PUT    /faults/<component>     {"error_rate": 0.5, "latency_seconds": 2, "down": false}
    DELETE /faults[/<component>]   back to normal

Traffic is simulated, not served: every tick the engine runs tasks that call the LLM and the
tool, and each component records what its real counterpart would have recorded.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import os
import random
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

COMPONENTS = ("llm", "tool", "engine")
FAULT_FIELDS = {"error_rate": (int, float), "latency_seconds": (int, float), "down": (bool,)}
TICK_SECONDS = 0.25

# Bucket boundaries of vLLM's V1 histograms (vllm/v1/metrics/loggers.py).
E2E_BUCKETS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0)
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
ITL_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)


class FaultError(ValueError):
    pass


class Faults:
    """Faults per component, shared by the traffic loop and the control API."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = {name: self.normal() for name in COMPONENTS}

    @staticmethod
    def normal():
        return {"error_rate": 0.0, "latency_seconds": 0.0, "down": False}

    @classmethod
    def parse(cls, component, body):
        if component not in COMPONENTS:
            raise FaultError(f"unknown component {component!r}; expected one of {', '.join(COMPONENTS)}")
        if not isinstance(body, dict):
            raise FaultError("the body must be a JSON object")
        fault = cls.normal()
        for field, value in body.items():
            if field not in FAULT_FIELDS:
                raise FaultError(f"{component}.{field}: unknown field; expected one of {', '.join(FAULT_FIELDS)}")
            if isinstance(value, bool) != (FAULT_FIELDS[field] == (bool,)) or not isinstance(value, FAULT_FIELDS[field]):
                raise FaultError(f"{component}.{field}: expected {'true or false' if field == 'down' else 'a number'}")
            fault[field] = value
        if not 0 <= fault["error_rate"] <= 1:
            raise FaultError(f"{component}.error_rate: expected a ratio between 0 and 1, got {fault['error_rate']}")
        if not 0 <= fault["latency_seconds"] <= 600:
            raise FaultError(f"{component}.latency_seconds: expected 0 to 600 seconds, got {fault['latency_seconds']}")
        return fault

    def set(self, component, fault):
        with self._lock:
            self._faults[component] = fault

    def clear(self, component=None):
        with self._lock:
            for name in [component] if component else COMPONENTS:
                self._faults[name] = self.normal()

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


class Llm:
    """What vLLM's OpenAI server exposes: the API server's HTTP metrics
    (prometheus-fastapi-instrumentator, status grouped as 2xx/5xx) and the engine's vllm:* series."""

    def __init__(self, model, log_dir):
        self.registry = CollectorRegistry()
        model_labels = ["model_name", "engine"]
        self.model = {"model_name": model, "engine": "0"}
        self.http_requests = Counter("http_requests", "Total number of requests by method, status and handler.",
                                     ["handler", "method", "status"], registry=self.registry)
        self.e2e = Histogram("vllm:e2e_request_latency", "Histogram of e2e request latency in seconds.",
                             model_labels, buckets=E2E_BUCKETS, unit="seconds", registry=self.registry)
        self.ttft = Histogram("vllm:time_to_first_token", "Histogram of time to first token in seconds.",
                              model_labels, buckets=TTFT_BUCKETS, unit="seconds", registry=self.registry)
        self.itl = Histogram("vllm:inter_token_latency", "Histogram of inter-token latency in seconds.",
                             model_labels, buckets=ITL_BUCKETS, unit="seconds", registry=self.registry)
        self.prompt_tokens = Counter("vllm:prompt_tokens", "Number of prefill tokens processed.",
                                     model_labels, registry=self.registry)
        self.generation_tokens = Counter("vllm:generation_tokens", "Number of generation tokens processed.",
                                         model_labels, registry=self.registry)
        self.success = Counter("vllm:request_success", "Count of successfully processed requests.",
                               model_labels + ["finished_reason"], registry=self.registry)
        self.running = Gauge("vllm:num_requests_running", "Number of requests in model execution batches.",
                             model_labels, registry=self.registry)
        self.waiting = Gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
                             model_labels, registry=self.registry)
        self.kv_cache = Gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
                              model_labels, registry=self.registry)
        self.log = file_logger("llm", os.path.join(log_dir, "llm.log"), VllmFormatter())
        self.tokens_since_stats = 0
        self.prompt_tokens_since_stats = 0

    def call(self, fault, rng):
        """One chat completion; returns (ok, seconds)."""
        request_id = "chatcmpl-" + uuid.UUID(int=rng.getrandbits(128)).hex
        client = f"10.0.{rng.randint(0, 3)}.{rng.randint(2, 250)}:{rng.randint(32768, 60999)}"
        prompt_tokens = rng.randint(200, 3000)
        self.prompt_tokens_since_stats += prompt_tokens
        self.log.info("[logger.py:43] Received request %s: prompt: '<%d tokens>', params: SamplingParams(n=1, "
                      "temperature=0.7, top_p=1.0, max_tokens=1024), prompt_token_ids: None, lora_request: None.",
                      request_id, prompt_tokens)
        if rng.random() < fault["error_rate"]:
            self.http_requests.labels("/v1/chat/completions", "POST", "5xx").inc()
            self.log.error("[serving_chat.py:1012] Error in chat completion stream generator for %s: "
                           "EngineDeadError('EngineCore encountered an issue.')", request_id)
            self.log.info('%s - "POST /v1/chat/completions HTTP/1.1" 500 Internal Server Error', client,
                          extra={"access": True})
            return False, 0.05 + fault["latency_seconds"]
        output_tokens = rng.randint(20, 400)
        ttft = rng.lognormvariate(-2.3, 0.5) + fault["latency_seconds"]
        itl = rng.lognormvariate(-3.9, 0.3)
        seconds = ttft + itl * output_tokens
        self.ttft.labels(**self.model).observe(ttft)
        for _token in range(min(output_tokens, 50)):  # a sample of the per-token gaps keeps the loop cheap
            self.itl.labels(**self.model).observe(itl)
        self.e2e.labels(**self.model).observe(seconds)
        self.prompt_tokens.labels(**self.model).inc(prompt_tokens)
        self.generation_tokens.labels(**self.model).inc(output_tokens)
        self.tokens_since_stats += output_tokens
        self.success.labels(finished_reason="stop" if output_tokens < 400 else "length", **self.model).inc()
        self.http_requests.labels("/v1/chat/completions", "POST", "2xx").inc()
        self.log.info('%s - "POST /v1/chat/completions HTTP/1.1" 200 OK', client, extra={"access": True})
        return True, seconds

    def tick(self, load, rng):
        self.running.labels(**self.model).set(min(load, 256))
        self.waiting.labels(**self.model).set(max(load - 256, 0))
        self.kv_cache.labels(**self.model).set(min(0.05 + load * 0.01 + rng.random() * 0.02, 1.0))

    def stats(self, window_seconds, load):
        """vLLM's periodic engine line."""
        self.log.info("[loggers.py:123] Engine 000: Avg prompt throughput: %.1f tokens/s, Avg generation throughput: "
                      "%.1f tokens/s, Running: %d reqs, Waiting: 0 reqs, GPU KV cache usage: %.1f%%, Prefix cache hit "
                      "rate: 0.0%%", self.prompt_tokens_since_stats / window_seconds,
                      self.tokens_since_stats / window_seconds, load, 100 * min(0.05 + load * 0.01, 1.0))
        self.tokens_since_stats = self.prompt_tokens_since_stats = 0


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
        self.faults = Faults()
        self.release = args.release
        for component, fault in args.fault:
            self.faults.set(component, fault)
        self.llm = Llm(args.model, args.log_dir)
        self.tool = Tool(args.log_dir)
        self.engine = Engine(args.log_dir)
        self.stop = threading.Event()

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
                reason = "InternalServerError('Error code: 500')"
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
            self.llm.tick(load, self.rng)
            self.engine.queued.set(max(0, started - 8))
            if time.monotonic() - last_stats >= 10:
                self.llm.stats(time.monotonic() - last_stats, load)
                last_stats = time.monotonic()


def metrics_handler(registry):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] == "/metrics":
                send(self, 200, generate_latest(registry), CONTENT_TYPE_LATEST)
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

    def __init__(self, address, port, registry):
        self.address, self.port, self.registry = address, port, registry
        self.server = None
        self.lock = threading.Lock()

    def serve(self, up):
        with self.lock:
            if up and self.server is None:
                self.server = ThreadingHTTPServer((self.address, self.port), metrics_handler(self.registry))
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
                fault = Faults.parse(name, json.loads(self.rfile.read(length) or b"{}"))
            except json.JSONDecodeError as error:
                self.reply(400, {"error": f"the body is not JSON: {error}"})
                return
            except FaultError as error:
                self.reply(400, {"error": str(error)})
                return
            simulator.faults.set(name, fault)
            servers[name].serve(not fault["down"])
            self.reply(200, simulator.faults.snapshot())

        def do_DELETE(self):
            name, found = self.component()
            if not found or (name is not None and name not in COMPONENTS):
                self.reply(404, {"error": f"DELETE /faults or /faults/<{'|'.join(COMPONENTS)}>"})
                return
            simulator.faults.clear(name)
            for component in [name] if name else COMPONENTS:
                servers[component].serve(True)
            self.reply(200, simulator.faults.snapshot())

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            sys.stderr.write(f"control: {self.address_string()} {format % args}\n")

    return Handler


def fault_option(text):
    """'tool:error_rate=0.6,latency_seconds=2' -> ('tool', fault), checked like the control API."""
    component, _colon, assignments = text.partition(":")
    body = {}
    for assignment in filter(None, assignments.split(",")):
        field, _equals, value = assignment.partition("=")
        body[field] = value == "true" if value in ("true", "false") else float(value) if value.replace(".", "", 1).isdigit() else value
    try:
        return component, Faults.parse(component, body)
    except FaultError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--listen-address", default="127.0.0.1")
    parser.add_argument("--llm-port", type=int, default=8000)
    parser.add_argument("--tool-port", type=int, default=8081)
    parser.add_argument("--engine-port", type=int, default=8082)
    parser.add_argument("--control-port", type=int, default=8090)
    parser.add_argument("--model", default="llama-3-8b-instruct")
    parser.add_argument("--tasks-per-second", type=float, default=2.0)
    parser.add_argument("--log-dir", default="/var/log/llmagentos-simulator")
    parser.add_argument("--seed", type=int, default=None, help="repeatable traffic, for tests")
    parser.add_argument("--release", default="dev", help="release name the control port's /health reports")
    parser.add_argument("--fault", action="append", default=[], type=fault_option, metavar="COMPONENT:FIELD=VALUE,...",
                        help="start with a fault, as PUT /faults/COMPONENT would set it (e.g. tool:error_rate=0.6)")
    args = parser.parse_args(argv)
    if not 0 < args.tasks_per_second <= 1000:
        parser.error("--tasks-per-second: expected a number above 0 and at most 1000")
    return args


def main(argv=None):
    args = parse_args(argv)
    simulator = Simulator(args)
    servers = {
        "llm": ComponentServer(args.listen_address, args.llm_port, simulator.llm.registry),
        "tool": ComponentServer(args.listen_address, args.tool_port, simulator.tool.registry),
        "engine": ComponentServer(args.listen_address, args.engine_port, simulator.engine.registry),
    }
    for server in servers.values():
        server.serve(True)
    control = ThreadingHTTPServer((args.listen_address, args.control_port), control_handler(simulator, servers))
    signal.signal(signal.SIGTERM, lambda signum, frame: simulator.stop.set())
    traffic = threading.Thread(target=simulator.traffic, daemon=True)
    traffic.start()
    threading.Thread(target=control.serve_forever, daemon=True).start()
    sys.stderr.write(f"agent simulator: llm :{args.llm_port}, tool :{args.tool_port}, engine :{args.engine_port}, "
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
