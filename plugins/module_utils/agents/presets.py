# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The presets catalog: what each LLM server, GPU exporter and generic component exposes.

Each preset names the signals it offers with the engine's real metric names, and the signals it
lacks, so a description that asks for a missing signal fails at compile time instead of
producing an alert that can never fire. Metric names are PromQL selectors; `{__name__=~"a|b"}`
matches a metric under its current and its deprecated name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .conventions import KINDS, SIGNALS

CATALOG_VERSION = "2026.11.1"


@dataclass(frozen=True)
class Signal:
    """A signal as PromQL: `selector` is a series selector without the component's own labels;
    histograms name the series without _bucket/_sum/_count. `scale` turns the metric's unit into
    the signal's (Triton reports microseconds, the collection works in seconds)."""

    selector: str
    scale: float = 1.0


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
        return tuple(name for name in SIGNALS if name not in self.signals and name not in self.user_signals)


def _preset(name, kinds, port, metrics_path, signals=None, user_signals=(), probe_path=None, source=""):
    return Preset(name, tuple(kinds), port, metrics_path, dict(signals or {}), tuple(user_signals), probe_path, source)


PRESETS = {p.name: p for p in (
    # vLLM V1 engine metrics (vllm/v1/metrics/loggers.py, docs.vllm.ai "Production Metrics");
    # HTTP status comes from the API server's prometheus-fastapi-instrumentator. Deprecated
    # names (gpu_cache_usage_perc, time_per_output_token_seconds) are still matched.
    _preset("vllm", ["llm"], 8000, "/metrics", {
        "requests": Signal('http_requests_total{handler=~"/v1/.*"}'),
        "errors": Signal('http_requests_total{handler=~"/v1/.*",status=~"5.."}'),
        "latency": Signal("vllm:e2e_request_latency_seconds"),
        "time_to_first_token": Signal("vllm:time_to_first_token_seconds"),
        "time_per_output_token": Signal('{__name__=~"vllm:(inter_token_latency|time_per_output_token)_seconds"}'),
        "token_throughput": Signal("vllm:generation_tokens_total"),
        "queue_depth": Signal("vllm:num_requests_waiting"),
        "kv_cache_usage": Signal('{__name__=~"vllm:(kv|gpu)_cache_usage_perc"}'),
    }, source="vllm/v1/metrics/loggers.py"),
    # Text Generation Inference (router/src/server.rs, docs "Metrics"). TGI has no
    # time-to-first-token histogram; its per-token mean time stands in for TPOT.
    _preset("tgi", ["llm"], 80, "/metrics", {
        "requests": Signal("tgi_request_count"),
        "errors": Signal("tgi_request_failure"),
        "latency": Signal("tgi_request_duration"),
        "time_per_output_token": Signal("tgi_request_mean_time_per_token_duration"),
        "token_throughput": Signal("tgi_request_generated_tokens_sum"),
        "queue_depth": Signal("tgi_queue_size"),
    }, source="text-generation-inference router/src/server.rs"),
    # NVIDIA Triton (docs user_guide/metrics.md): latencies are cumulative microsecond counters,
    # not histograms, so latency alerts use averages; GPU series come from its own exporter.
    _preset("triton", ["llm"], 8002, "/metrics", {
        "requests": Signal("nv_inference_count"),
        "errors": Signal("nv_inference_request_failure"),
        "queue_depth": Signal("nv_inference_pending_request_count"),
        "gpu_utilization": Signal("nv_gpu_utilization"),
        "gpu_memory_used": Signal("nv_gpu_memory_used_bytes"),
        "gpu_memory_total": Signal("nv_gpu_memory_total_bytes"),
    }, source="triton-inference-server docs/user_guide/metrics.md"),
    # llama.cpp server started with --metrics (tools/server/server.cpp): gauges and counters only.
    _preset("llamacpp", ["llm"], 8080, "/metrics", {
        "token_throughput": Signal("llamacpp:tokens_predicted_total"),
        "queue_depth": Signal("llamacpp:requests_deferred"),
        "kv_cache_usage": Signal("llamacpp:kv_cache_usage_ratio"),
    }, source="llama.cpp tools/server/server.cpp"),
    # SGLang (python/sglang/srt/metrics/collector.py); older releases named the inter-token
    # histogram time_per_output_token_seconds.
    _preset("sglang", ["llm"], 30000, "/metrics", {
        "latency": Signal("sglang:e2e_request_latency_seconds"),
        "time_to_first_token": Signal("sglang:time_to_first_token_seconds"),
        "time_per_output_token": Signal('{__name__=~"sglang:(inter_token_latency|time_per_output_token)_seconds"}'),
        "token_throughput": Signal("sglang:generation_tokens_total"),
        "queue_depth": Signal("sglang:num_queue_reqs"),
        "kv_cache_usage": Signal("sglang:token_usage"),
    }, source="sglang python/sglang/srt/metrics/collector.py"),
    # Ollama exposes no Prometheus metrics: probed through blackbox (GET /api/version).
    _preset("ollama", ["llm"], 11434, None, probe_path="/api/version", source="ollama docs/api.md"),
    # OpenTelemetry GenAI semantic conventions, exported by a collector's Prometheus exporter
    # (dots become underscores, units become suffixes).
    _preset("otel_genai", ["llm"], 8889, "/metrics", {
        "requests": Signal("gen_ai_client_operation_duration_seconds_count"),
        "errors": Signal('gen_ai_client_operation_duration_seconds_count{error_type!=""}'),
        "latency": Signal("gen_ai_client_operation_duration_seconds"),
        "time_to_first_token": Signal("gen_ai_server_time_to_first_token_seconds"),
        "time_per_output_token": Signal("gen_ai_server_time_per_output_token_seconds"),
        "token_throughput": Signal('gen_ai_client_token_usage_sum{gen_ai_token_type="output"}'),
    }, source="opentelemetry semantic-conventions docs/gen-ai/gen-ai-metrics.md"),
    # NVIDIA DCGM exporter (etc/default-counters.csv): utilisation in percent, memory in MiB.
    _preset("dcgm", ["gpu"], 9400, "/metrics", {
        "gpu_utilization": Signal("DCGM_FI_DEV_GPU_UTIL", scale=0.01),
        "gpu_memory_used": Signal("DCGM_FI_DEV_FB_USED", scale=1024 * 1024),
        "gpu_memory_free": Signal("DCGM_FI_DEV_FB_FREE", scale=1024 * 1024),
    }, source="dcgm-exporter etc/default-counters.csv"),
    # utkuozdemir/nvidia_gpu_exporter (nvidia-smi based).
    _preset("nvidia_smi", ["gpu"], 9835, "/metrics", {
        "gpu_utilization": Signal("nvidia_smi_utilization_gpu_ratio"),
        "gpu_memory_used": Signal("nvidia_smi_memory_used_bytes"),
        "gpu_memory_total": Signal("nvidia_smi_memory_total_bytes"),
    }, source="nvidia_gpu_exporter README"),
    # Tool APIs and task engines: the user names their own metrics under `metrics:`.
    _preset("http_api", ["tool", "vector_store"], None, "/metrics", user_signals=("requests", "errors", "latency"),
            source="user-defined"),
    _preset("task_engine", ["engine"], None, "/metrics", user_signals=("requests", "errors", "latency", "queue_depth"),
            source="user-defined (tasks total, failed, duration)"),
)}

# Components without a preset (kind custom) may map any signal themselves.
CUSTOM = _preset("custom", list(KINDS), None, "/metrics", user_signals=tuple(SIGNALS))
