# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The presets catalog: what each LLM server, GPU exporter and generic component exposes.

Each preset names the signals it offers with the engine's real metric names, and the signals it
lacks, so a description that asks for a missing signal fails at compile time instead of
producing an alert that can never fire. A signal lists its metrics in order of preference: the
current name before a deprecated one, the API server's counters before the engine's own. The
names and the versions that expose them are in docs/engine-profiles.md, and the fixtures under
roles/agent_simulator/files/profiles/ prove every preset against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .alert_kinds import ALERT_KINDS
from .conventions import GPU_HEALTH_SIGNALS, KINDS, SIGNALS

CATALOG_VERSION = "2026.12.1"


@dataclass(frozen=True)
class Metric:
    """One metric as PromQL: `selector` names exactly one metric (plus matchers) without the
    component's own labels; histograms name it without _bucket/_sum/_count. `scale` turns the
    metric's unit into the signal's (Triton reports milliseconds, the collection works in
    seconds); `plus` names a counter added to it (Triton counts successes and failures apart).

    GPU health metrics say how they are read (`form`, see gpu_health.py), for exporters that label
    a GPU only by its uuid the info metric that gives its index and PCI address (`identity`), and,
    for a metric that appears only with its first event, the metric that shows it is watched
    (`watched_by`)."""

    selector: str
    scale: float = 1.0
    plus: str | None = None
    form: str = "value"
    identity: str | None = None
    watched_by: str | None = None


@dataclass(frozen=True)
class Signal:
    """A signal and where to read it: the metrics in order of preference. Each is aggregated on
    its own and the results are combined with `or`, so an engine that exposes an old and a new
    name side by side is read once, through the first."""

    metrics: tuple

    @property
    def names(self):
        return tuple(metric.selector for metric in self.metrics)


def _smi(name, **options):
    """A metric of nvidia_gpu_exporter, whose GPUs are known by uuid only."""
    return Metric(name, identity="nvidia_smi_gpu_info", **options)


def signal(*metrics, scale=1.0):
    """Signal('new_name', 'old_name'): strings are metrics of the given scale."""
    return Signal(tuple(m if isinstance(m, Metric) else Metric(m, scale) for m in metrics))


@dataclass(frozen=True)
class Preset:
    name: str
    kinds: tuple
    port: int | None
    metrics_path: str | None
    signals: dict = field(default_factory=dict)
    # Signals the user maps to their own metric names under `metrics:` (tools, engines).
    user_signals: tuple = ()
    # No /metrics endpoint: watched through a blackbox probe of `probe_path`.
    probe_path: str | None = None
    source: str = ""

    @property
    def lacks(self):
        """The signals of its kinds it cannot offer (GPU health only matters to GPU exporters)."""
        return tuple(name for name in SIGNALS if name not in self.signals and name not in self.user_signals
                     and ("gpu" in self.kinds or name not in GPU_HEALTH_SIGNALS))


def _preset(name, kinds, port, metrics_path, signals=None, user_signals=(), probe_path=None, source=""):
    return Preset(name, tuple(kinds), port, metrics_path, dict(signals or {}), tuple(user_signals), probe_path, source)


_HTTP_V1 = 'handler=~"/v1/.*"'
_OTEL_DURATION = "gen_ai_client_operation_duration_seconds"


def _otel_operation(operation):
    """The GenAI client-operation signals of one `gen_ai.operation.name`."""
    own = f'gen_ai_operation_name="{operation}"'
    return {
        "requests": signal(f"{_OTEL_DURATION}_count{{{own}}}"),
        "errors": signal(f'{_OTEL_DURATION}_count{{{own},error_type!=""}}'),
        "latency": signal(f"{_OTEL_DURATION}{{{own}}}"),
    }


PRESETS = {p.name: p for p in (
    # vLLM: the API server's HTTP counters (prometheus-fastapi-instrumentator) when they are
    # scraped, else the engine's own finished-request counter, whose finished_reason "error"
    # (vLLM 0.11 and later) is a request that failed inside the engine; "abort" is a client that
    # went away, not a failure. Current names before the names of the V0 engine.
    _preset("vllm", ["llm"], 8000, "/metrics", {
        "requests": signal(f"http_requests_total{{{_HTTP_V1}}}", "vllm:request_success_total"),
        "errors": signal(f'http_requests_total{{{_HTTP_V1},status=~"5.."}}',
                         'vllm:request_success_total{finished_reason="error"}'),
        "latency": signal("vllm:e2e_request_latency_seconds"),
        "time_to_first_token": signal("vllm:time_to_first_token_seconds"),
        "time_per_output_token": signal("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"),
        "queue_time": signal("vllm:request_queue_time_seconds", "vllm:time_in_queue_requests"),
        "token_throughput": signal("vllm:generation_tokens_total"),
        "queue_depth": signal("vllm:num_requests_waiting"),
        "requests_running": signal("vllm:num_requests_running"),
        "preemptions": signal("vllm:num_preemptions_total"),
        "kv_cache_usage": signal("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),
    }, source="vllm/v1/metrics/loggers.py, vllm/engine/metrics.py (V0)"),
    # Text Generation Inference (router/src/server.rs, backends/v3/src): failures by `err`;
    # validation and template errors are the client's request, not the server failing. No
    # time-to-first-token histogram; the per-request mean time per token stands in for TPOT.
    _preset("tgi", ["llm"], 80, "/metrics", {
        "requests": signal("tgi_request_count"),
        "errors": signal('tgi_request_failure{err!~"validation|template"}'),
        "latency": signal("tgi_request_duration"),
        "time_per_output_token": signal("tgi_request_mean_time_per_token_duration"),
        "queue_time": signal("tgi_request_queue_duration"),
        "token_throughput": signal("tgi_request_generated_tokens_sum"),
        "queue_depth": signal("tgi_queue_size"),
        "requests_running": signal("tgi_batch_current_size"),
    }, source="text-generation-inference router/src/server.rs"),
    # NVIDIA Triton (core src/metrics.cc): requests are successes plus failures (a request the
    # client cancelled is not a failure of the server); latencies are
    # cumulative microsecond counters, except the first-response histogram (milliseconds) that
    # `--metrics-config histogram_latencies=true` turns on. GPU series from its own collector.
    _preset("triton", ["llm"], 8002, "/metrics", {
        "requests": signal(Metric("nv_inference_request_success", plus="nv_inference_request_failure")),
        "errors": signal('nv_inference_request_failure{reason!="CANCELED"}'),
        "time_to_first_token": signal("nv_inference_first_response_histogram_ms", scale=0.001),
        "queue_depth": signal("nv_inference_pending_request_count"),
        "gpu_utilization": signal("nv_gpu_utilization"),
        "gpu_memory_used": signal("nv_gpu_memory_used_bytes"),
        "gpu_memory_total": signal("nv_gpu_memory_total_bytes"),
    }, source="triton-inference-server/core src/metrics.cc"),
    # llama.cpp server started with --metrics (tools/server/server.cpp): counters and gauges
    # only; the KV-cache gauge is gone from builds since mid-2025.
    _preset("llamacpp", ["llm"], 8080, "/metrics", {
        "token_throughput": signal("llamacpp:tokens_predicted_total"),
        "queue_depth": signal("llamacpp:requests_deferred"),
        "requests_running": signal("llamacpp:requests_processing"),
        "kv_cache_usage": signal("llamacpp:kv_cache_usage_ratio"),
    }, source="llama.cpp tools/server/server.cpp"),
    # SGLang (python/sglang/srt/metrics/collector.py); releases before 0.4 named the
    # inter-token histogram time_per_output_token_seconds. No failure counter.
    _preset("sglang", ["llm"], 30000, "/metrics", {
        "requests": signal("sglang:num_requests_total"),
        "latency": signal("sglang:e2e_request_latency_seconds"),
        "time_to_first_token": signal("sglang:time_to_first_token_seconds"),
        "time_per_output_token": signal("sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"),
        "queue_time": signal("sglang:queue_time_seconds"),
        "token_throughput": signal("sglang:generation_tokens_total"),
        "queue_depth": signal("sglang:num_queue_reqs"),
        "requests_running": signal("sglang:num_running_reqs"),
        "preemptions": signal("sglang:num_retracted_requests_total"),
        "kv_cache_usage": signal("sglang:token_usage"),
    }, source="sglang python/sglang/srt/metrics/collector.py"),
    # Ollama exposes no Prometheus metrics: probed through blackbox (GET /api/version).
    _preset("ollama", ["llm"], 11434, None, probe_path="/api/version", source="ollama docs/api.md"),
    # OpenTelemetry GenAI semantic conventions through a collector's Prometheus exporter (dots
    # become underscores, units become suffixes): the model calls of an agent, its tool calls
    # (gen_ai.operation.name execute_tool) and its agent invocations (invoke_agent).
    _preset("otel_genai", ["llm"], 8889, "/metrics", {
        **_otel_operation("chat"),
        "time_to_first_token": signal("gen_ai_server_time_to_first_token_seconds",
                                      "gen_ai_client_operation_time_to_first_chunk_seconds"),
        "time_per_output_token": signal("gen_ai_server_time_per_output_token_seconds",
                                        "gen_ai_client_operation_time_per_output_chunk_seconds"),
        "token_throughput": signal('gen_ai_client_token_usage_sum{gen_ai_token_type="output"}'),
    }, source="opentelemetry semantic-conventions(-genai) gen-ai metrics"),
    _preset("otel_genai_tool", ["tool"], 8889, "/metrics", _otel_operation("execute_tool"),
            source="opentelemetry semantic-conventions(-genai) gen-ai metrics"),
    _preset("otel_genai_agent", ["engine"], 8889, "/metrics", _otel_operation("invoke_agent"),
            source="opentelemetry semantic-conventions(-genai) gen-ai metrics"),
    # NVIDIA DCGM exporter (etc/default-counters.csv): utilisation in percent, memory in MiB. The
    # last Xid as a gauge; the clock-event bitmask under its DCGM 3.3 name, then the older one.
    # ECC, pending remaps, clock events and NVLink errors are commented out of the default
    # counters file: the dcgm_exporter role's counters file has them.
    _preset("dcgm", ["gpu"], 9400, "/metrics", {
        "gpu_utilization": signal("DCGM_FI_DEV_GPU_UTIL", scale=0.01),
        "gpu_memory_used": signal("DCGM_FI_DEV_FB_USED", scale=1024 * 1024),
        "gpu_memory_free": signal("DCGM_FI_DEV_FB_FREE", scale=1024 * 1024),
        "gpu_xid": signal(Metric("DCGM_FI_DEV_XID_ERRORS", form="last_xid")),
        "gpu_ecc_uncorrected": signal(Metric("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", form="count")),
        "gpu_row_remap_failure": signal("DCGM_FI_DEV_ROW_REMAP_FAILURE"),
        "gpu_row_remap_pending": signal("DCGM_FI_DEV_ROW_REMAP_PENDING"),
        "gpu_hw_slowdown": signal(Metric("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", form="clock_events"),
                                  Metric("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", form="clock_events")),
        "gpu_nvlink_errors": signal(Metric("DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", form="count",
                                           plus="DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL")),
    }, source="dcgm-exporter etc/default-counters.csv, DCGM dcgm_fields.h"),
    # utkuozdemir/nvidia_gpu_exporter (nvidia-smi based; [%] -> _ratio, [MiB] -> _bytes): GPUs by
    # uuid, with index and PCI address on nvidia_smi_gpu_info. Xids only from the NVML backend,
    # as the time of the last event per code; no NVLink error counters.
    _preset("nvidia_smi", ["gpu"], 9835, "/metrics", {
        "gpu_utilization": signal("nvidia_smi_utilization_gpu_ratio"),
        "gpu_memory_used": signal("nvidia_smi_memory_used_bytes"),
        "gpu_memory_total": signal("nvidia_smi_memory_total_bytes"),
        # Its series appear with the first Xid; the NVML backend, which watches for them, is known
        # by its return-code gauge.
        "gpu_xid": signal(_smi("nvidia_smi_xid_last_timestamp_seconds", form="xid_times", watched_by="nvidia_smi_nvml_return_code")),
        "gpu_ecc_uncorrected": signal(_smi("nvidia_smi_ecc_errors_uncorrected_volatile_total", form="count")),
        "gpu_row_remap_failure": signal(_smi("nvidia_smi_remapped_rows_failure")),
        "gpu_row_remap_pending": signal(_smi("nvidia_smi_remapped_rows_pending")),
        "gpu_hw_slowdown": signal(
            _smi("nvidia_smi_clocks_event_reasons_hw_thermal_slowdown", plus="nvidia_smi_clocks_event_reasons_hw_power_brake_slowdown"),
            _smi("nvidia_smi_clocks_throttle_reasons_hw_thermal_slowdown",
                 plus="nvidia_smi_clocks_throttle_reasons_hw_power_brake_slowdown")),
        "gpu_recovery_action": signal(_smi("nvidia_smi_gpu_recovery_action")),
    }, source="nvidia_gpu_exporter docs/METRICS.md, internal/integration/testdata"),
    # Tool APIs and task engines: the user names their own metrics under `metrics:`.
    _preset("http_api", ["tool", "vector_store"], None, "/metrics", user_signals=("requests", "errors", "latency"),
            source="user-defined"),
    _preset("task_engine", ["engine"], None, "/metrics", user_signals=("requests", "errors", "latency", "queue_depth"),
            source="user-defined (tasks total, failed, duration)"),
)}

# Components without a preset (kind custom) may map any signal themselves.
# GPU health is read in exporter-specific forms: only the GPU presets offer it.
CUSTOM = _preset("custom", list(KINDS), None, "/metrics", user_signals=tuple(n for n in SIGNALS if n not in GPU_HEALTH_SIGNALS))


def alert_names():
    """Every alert name the compiler can generate, by alert kind: each kind under the prefix of
    every component kind whose preset (or the user's own metrics) can feed it."""
    names = {}
    for preset in (*PRESETS.values(), CUSTOM):
        offered = set(preset.signals) | set(preset.user_signals)
        for kind in ("custom",) if preset is CUSTOM else preset.kinds:
            for key, row in ALERT_KINDS.items():
                if row.applies_to(kind) and set(row.signals) <= offered and (not row.any_of or offered & set(row.any_of)):
                    names.setdefault(key, set()).add(row.alert_name(kind))
    return {key: sorted(found) for key, found in names.items()}
