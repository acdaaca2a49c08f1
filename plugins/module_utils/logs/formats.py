# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Log-format presets: how each LLM server, tool and engine really prints its log lines, as
pipeline steps, with the sample lines they are proven against.

Field names are ECS (`log.level`, `process.pid`, `http.response.status_code`, `event.duration` in
nanoseconds, `error.message`), `gen_ai.*` where a line carries a request id or token counts, and
`llm.*` for an engine's periodic statistics (the same names for every engine, so one dashboard
reads them all). Patterns start with \\A, not ^: Joni reads ^ as "start of any line", and a
multiline event (a Python traceback) must be matched from its first line only.

`line_start` is the regular expression (RE2, for Filebeat) that begins a new event; lines that do
not match it are continuation lines joined to the event before them. `include_lines` (RE2) keeps
only the lines of a shared file that belong to the format (the kernel log's NVIDIA lines).
"""

from __future__ import annotations

from dataclasses import dataclass

from .steps import GrokStep, KeyValue, MapValues, ParseDate, ParseDuration, ParseJson, Rename, StripAnsi

# Python's level names, optionally preceded by colour codes (vLLM, SGLang, uvicorn).
_PY_LINE_START = (r"^(?:\x1b\[[0-9;]*m)*(?:\([A-Za-z_][A-Za-z0-9_]*(?: rank=\d+)? pid=\d+\)(?:\x1b\[[0-9;]*m)* )?"
                  r"(?:\x1b\[[0-9;]*m)*(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)[ :]")
_GLOG_LEVELS = (("I", "INFO"), ("W", "WARNING"), ("E", "ERROR"), ("F", "FATAL"))
_LLAMA_LEVELS = (("D", "DEBUG"), ("I", "INFO"), ("N", "NOTICE"), ("W", "WARNING"), ("E", "ERROR"))

# An HTTP access line as uvicorn prints it (FastAPI servers: vLLM, SGLang, most tool APIs).
_UVICORN_ACCESS = (r'%{LOGLEVEL:log.level}:\s+\[?%{IP:source.address}\]?:%{INT:source.port:int} - '
                   r'"%{WORD:http.request.method} %{NOTSPACE:url.original} HTTP/%{NUMBER:http.version}" '
                   r'%{INT:http.response.status_code:int}')


@dataclass(frozen=True)
class LogFormat:
    name: str
    summary: str
    steps: tuple
    line_start: str | None
    # (line, {field: expected value}) pairs; every preset is proven against its own samples.
    samples: tuple
    include_lines: tuple = ()


def _date(*formats):
    return ParseDate(tuple(formats))


_VLLM_DEFINITIONS = (
    ("VLLM_PROCESS", r"\(%{VLLM_PROCESS_NAME:process.name}(?: rank=%{INT})? pid=%{INT:process.pid:int}\)"),
    ("VLLM_PROCESS_NAME", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("VLLM_TIME", r"%{MONTHNUM2}-%{MONTHDAY} %{TIME}"),
    ("VLLM_ORIGIN", r"\[?%{VLLM_FILE:log.origin.file.name}:%{INT:log.origin.file.line:int}\]"),
    ("VLLM_FILE", r"[\w./-]+\.py"),
    ("VLLM_REQUEST_ID", r"[\w-]+"),
    ("VLLM_PROMPT", r"'(?:[^'\\]|\\[\s\S])*'|\"(?:[^\"\\]|\\[\s\S])*\""),
)
_VLLM_DETAILS = GrokStep("message", (
    # V1 engine (vllm/v1/metrics/loggers.py) and V0 (vllm/engine/metrics.py, Pending/Swapped).
    r"\A(?:Engine %{INT}: )?(?:Avg prompt throughput: %{NUMBER:llm.prompt_throughput:float} tokens/s, )?"
    r"Avg generation throughput: %{NUMBER:llm.generation_throughput:float} tokens/s, "
    r"Running: %{INT:llm.requests.running:int} reqs, (?:Swapped: %{INT:llm.requests.swapped:int} reqs, )?"
    r"(?:Waiting|Pending): %{INT:llm.requests.waiting:int} reqs, "
    r"GPU KV cache usage: %{NUMBER:llm.kv_cache.usage_pct:float}%",
    # With --enable-log-requests: the prompt as Python's repr (vllm/entrypoints/logger.py).
    r"\AReceived request %{VLLM_REQUEST_ID:gen_ai.response.id}:(?: prompt: (?:%{VLLM_PROMPT:gen_ai.prompt}|None),)?"
    r"(?:.*?max_tokens=%{INT:gen_ai.request.max_tokens:int})?",
    r"\A(?:Added|Finished|Aborted) request %{VLLM_REQUEST_ID:gen_ai.response.id}",
    r"\AError in [\w ]+ for %{VLLM_REQUEST_ID:gen_ai.response.id}: %{GREEDYDATA:error.message}",
), _VLLM_DEFINITIONS, required=False)

VLLM = LogFormat(
    "vllm", "vLLM: its own lines (with or without the (APIServer pid=N) prefix, colour codes, the V0 "
    "'file.py:N]' origin) and uvicorn's access lines; statistics lines into llm.* numbers",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A(?:%{VLLM_PROCESS} )?%{LOGLEVEL:log.level} %{VLLM_TIME:timestamp} %{VLLM_ORIGIN} %{MULTILINE:message}",
            r"\A(?:%{VLLM_PROCESS} )?" + _UVICORN_ACCESS,
        ), _VLLM_DEFINITIONS + (("MULTILINE", r"[\s\S]*"),)),
        _VLLM_DETAILS,
        _date("MM-dd HH:mm:ss"),
    ),
    _PY_LINE_START,
    (
        ("INFO 08-17 02:59:34 [loggers.py:123] Engine 000: Avg prompt throughput: 5.7 tokens/s, Avg generation "
         "throughput: 12.3 tokens/s, Running: 2 reqs, Waiting: 1 reqs, GPU KV cache usage: 1.4%, Prefix cache hit rate: 0.0%",
         {"log.level": "INFO", "log.origin.file.name": "loggers.py", "log.origin.file.line": 123,
          "llm.prompt_throughput": 5.7, "llm.generation_throughput": 12.3, "llm.requests.running": 2,
          "llm.requests.waiting": 1, "llm.kv_cache.usage_pct": 1.4}),
        ("\x1b[1;36m(APIServer pid=41)\x1b[0;0m INFO 11-23 10:15:02 [api_server.py:1880] Starting vLLM API server 0 on "
         "http://0.0.0.0:8000",
         {"process.name": "APIServer", "process.pid": 41, "log.level": "INFO",
          "message": "Starting vLLM API server 0 on http://0.0.0.0:8000"}),
        ("(EngineCore_DP0 pid=97) ERROR 11-23 10:16:40 [core.py:710] EngineCore encountered a fatal error.",
         {"process.name": "EngineCore_DP0", "process.pid": 97, "log.level": "ERROR", "log.origin.file.name": "core.py"}),
        ("(VllmWorker rank=1 pid=120) WARNING 11-23 10:16:41 [v1/worker/gpu_worker.py:88] Falling back",
         {"process.name": "VllmWorker", "process.pid": 120, "log.origin.file.name": "v1/worker/gpu_worker.py"}),
        ("INFO 05-28 06:36:13 metrics.py:341] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 8.3 tokens/s, "
         "Running: 1 reqs, Swapped: 0 reqs, Pending: 3 reqs, GPU KV cache usage: 0.1%, CPU KV cache usage: 0.0%.",
         {"log.origin.file.name": "metrics.py", "llm.requests.waiting": 3, "llm.requests.swapped": 0,
          "llm.generation_throughput": 8.3, "llm.kv_cache.usage_pct": 0.1}),
        ("INFO 11-23 10:17:00 [logger.py:43] Received request chatcmpl-7f3a9c: prompt: 'Hi', params: SamplingParams(n=1, "
         "temperature=0.7, max_tokens=512), prompt_token_ids: None, lora_request: None.",
         {"gen_ai.response.id": "chatcmpl-7f3a9c", "gen_ai.request.max_tokens": 512, "gen_ai.prompt": "'Hi'",
          "llmagentos.data_class": "prompt"}),
        ('(APIServer pid=41) INFO:     10.0.3.7:52312 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
         {"process.pid": 41, "log.level": "INFO", "source.address": "<IP>", "source.port": 52312,
          "http.request.method": "POST", "url.original": "/v1/chat/completions", "http.response.status_code": 200}),
        ("ERROR 11-23 10:18:02 [serving_chat.py:1012] Error in chat completion stream generator for chatcmpl-1: "
         "CUDA out of memory\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nRuntimeError: boom",
         {"log.level": "ERROR", "gen_ai.response.id": "chatcmpl-1",
          "message": "Error in chat completion stream generator for chatcmpl-1: CUDA out of memory\n"
                     "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nRuntimeError: boom"}),
    ),
)

UVICORN = LogFormat(
    "uvicorn", "uvicorn's default access and server lines (FastAPI tool APIs)",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A" + _UVICORN_ACCESS,
            r"\A%{LOGLEVEL:log.level}:\s+%{MULTILINE:message}",
        ), (("MULTILINE", r"[\s\S]*"),)),
    ),
    _PY_LINE_START,
    (
        ('INFO:     127.0.0.1:40312 - "GET /v1/search?q=gpu HTTP/1.1" 503 Service Unavailable',
         {"log.level": "INFO", "source.address": "127.0.0.1", "url.original": "/v1/search?q=gpu",
          "http.response.status_code": 503, "http.version": "1.1"}),
        ('INFO:     [::1]:40312 - "GET / HTTP/1.1" 200 OK', {"source.address": "::1", "source.port": 40312}),
        ("INFO:     Application startup complete.", {"log.level": "INFO", "message": "Application startup complete."}),
    ),
)

_TGI_DEFINITIONS = (
    ("TGI_TARGET", r"[a-z_][a-z0-9_]*(?:::[a-z0-9_]+)*"),
    ("TGI_FILE", r"[\w./-]+\.rs"),
    # Span fields hold braces of their own (GenerateParameters { .. }); matched by balanced, mutually
    # exclusive classes to a depth of three, so a line full of braces cannot make the search backtrack.
    ("TGI_FIELDS_INNER", r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"),
    ("TGI_FIELDS", r"\{[^{}]*(?:%{TGI_FIELDS_INNER}[^{}]*)*\}"),
    ("TGI_SPAN", r"[a-z_][\w-]*(?:%{TGI_FIELDS})?"),
    ("TGI_SPANS", r"%{TGI_SPAN}(?::%{TGI_SPAN})*"),
)
_TGI_SPAN_DETAILS = GrokStep("_tmp.spans", (
    r'total_time="%{TGI_VALUE:_tmp.total_time}"(?: validation_time="%{TGI_VALUE}")? queue_time="%{TGI_VALUE:_tmp.queue_time}"'
    r' inference_time="%{TGI_VALUE:_tmp.inference_time}" time_per_token="%{TGI_VALUE:_tmp.time_per_token}"',
), (("TGI_VALUE", r'[^"]*'),), required=False)
_TGI_DURATIONS = (
    ParseDuration("_tmp.total_time", "event.duration"),
    ParseDuration("_tmp.queue_time", "llm.queue_duration"),
    ParseDuration("_tmp.inference_time", "llm.inference_duration"),
    ParseDuration("_tmp.time_per_token", "llm.time_per_output_token"),
)
TGI = LogFormat(
    "tgi", "Text Generation Inference, text mode: tracing lines with span fields (total_time, queue_time...) "
    "into nanosecond durations",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A%{TIMESTAMP_ISO8601:timestamp}\s+%{LOGLEVEL:log.level} (?:%{TGI_SPANS:_tmp.spans}: )?%{TGI_TARGET:log.logger}: "
            r"(?:%{TGI_FILE:log.origin.file.name}:%{INT:log.origin.file.line:int}: )?%{GREEDYDATA:message}",
        ), _TGI_DEFINITIONS),
        _TGI_SPAN_DETAILS,
        *_TGI_DURATIONS,
        _date("ISO8601"),
    ),
    r"^(?:\x1b\[[0-9;]*m)*\d{4}-\d{2}-\d{2}T",
    (
        ('2024-05-07T09:13:01.554731Z  INFO compat_generate{default_return_full_text=true compute_type=Extension('
         'ComputeType("1-nvidia-a10g"))}:generate{parameters=GenerateParameters { best_of: None, temperature: None, '
         'max_new_tokens: Some(20), stop: [] } total_time="2.210946345s" validation_time="295.106µs" '
         'queue_time="48.278µs" inference_time="2.210603082s" time_per_token="22.10603ms" seed="None"}: '
         'text_generation_router::server: router/src/server.rs:322: Success',
         {"@timestamp": "2024-05-07T09:13:01.554Z", "log.level": "INFO", "log.logger": "text_generation_router::server",
          "log.origin.file.name": "router/src/server.rs", "log.origin.file.line": 322, "message": "Success",
          "event.duration": 2210946345, "llm.queue_duration": 48278, "llm.time_per_output_token": 22106030}),
        ("2024-05-07T09:12:44.123456Z  INFO text_generation_launcher: Starting shard rank=0",
         {"log.logger": "text_generation_launcher", "message": "Starting shard rank=0"}),
        ("\x1b[2m2024-05-07T09:12:50.000001Z\x1b[0m \x1b[33m WARN\x1b[0m \x1b[2mtext_generation_router\x1b[0m\x1b[2m:\x1b[0m "
         "\x1b[2mrouter/src/main.rs\x1b[0m\x1b[2m:\x1b[0m\x1b[2m180:\x1b[0m Could not find a fast tokenizer",
         {"log.level": "WARN", "log.logger": "text_generation_router", "message": "Could not find a fast tokenizer"}),
    ),
)

TGI_JSON = LogFormat(
    "tgi_json", "Text Generation Inference with --json-output (tracing-subscriber JSON, flattened or not)",
    (
        ParseJson("message", "_tmp.json"),
        Rename((("_tmp.json.timestamp", "timestamp"), ("_tmp.json.level", "log.level"),
                ("_tmp.json.message", "message"), ("_tmp.json.fields.message", "message"),
                ("_tmp.json.target", "log.logger"), ("_tmp.json.filename", "log.origin.file.name"),
                ("_tmp.json.line_number", "log.origin.file.line"))),
        ParseDuration("_tmp.json.span.total_time", "event.duration"),
        ParseDuration("_tmp.json.span.queue_time", "llm.queue_duration"),
        ParseDuration("_tmp.json.span.inference_time", "llm.inference_duration"),
        ParseDuration("_tmp.json.span.time_per_token", "llm.time_per_output_token"),
        _date("ISO8601"),
    ),
    r"^\{",
    (
        ('{"timestamp":"2024-05-07T09:13:01.554731Z","level":"INFO","message":"Success","target":'
         '"text_generation_router::server","filename":"router/src/server.rs","line_number":322,"span":{"total_time":'
         '"1.5s","queue_time":"120µs","inference_time":"1.49s","time_per_token":"14.9ms","name":"generate"}}',
         {"@timestamp": "2024-05-07T09:13:01.554Z", "log.level": "INFO", "message": "Success",
          "log.logger": "text_generation_router::server", "log.origin.file.line": 322, "event.duration": 1500000000,
          "llm.queue_duration": 120000, "llm.time_per_output_token": 14900000}),
        ('{"timestamp":"2024-05-07T09:12:44.1Z","level":"WARN","fields":{"message":"No safetensors"},"target":"text_generation_launcher"}',
         {"log.level": "WARN", "message": "No safetensors", "log.logger": "text_generation_launcher"}),
    ),
)

_LLAMA_DEFINITIONS = (
    ("LLAMA_ELAPSED", r"\d+\.\d{2}\.\d{3}\.\d{3}"),
    ("LLAMA_LEVEL", r"[DINWE]"),
    ("LLAMA_MODULE", r"[a-z_]+"),
    ("LLAMA_FUNCTION", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("LLAMA_PHASE", r"prompt eval|eval|total"),
    ("LLAMA_MILLISECONDS", r"%{NUMBER} ms"),
)
LLAMACPP = LogFormat(
    "llamacpp", "llama.cpp server (llama-server): 'module function: message' lines with or without the "
    "elapsed-time/level prefix (the time is relative to start, so the read time is kept), request lines, "
    "and the print_timing lines into llm.timing.* numbers",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A\s*%{LLAMA_PHASE:llm.timing.phase} time =\s+%{LLAMA_MILLISECONDS:_tmp.duration} /\s+"
            r"%{INT:llm.timing.tokens:int} (?:tokens|runs)(?: \(\s*%{NUMBER:llm.timing.ms_per_token:float} ms per token,"
            r"\s+%{NUMBER:llm.timing.tokens_per_second:float} tokens per second\))?",
            r"\A(?:%{LLAMA_ELAPSED} )?(?:%{LLAMA_LEVEL:_tmp.level} )?%{LLAMA_MODULE:log.logger}\s+"
            r"%{LLAMA_FUNCTION:log.origin.function}: %{GREEDYDATA:message}",
        ), _LLAMA_DEFINITIONS),
        GrokStep("message", (
            r"\Arequest: %{WORD:http.request.method} %{NOTSPACE:url.original} %{IP:source.address} "
            r"%{INT:http.response.status_code:int}",
            r"\Aid\s+%{INT:llm.slot:int} \| task %{INT:llm.task:int} \|",
        ), required=False),
        MapValues("_tmp.level", "log.level", _LLAMA_LEVELS),
        ParseDuration("_tmp.duration", "event.duration"),
    ),
    None,
    (
        ("0.01.531.123 I srv  log_server_r: request: POST /v1/chat/completions 127.0.0.1 200",
         {"log.level": "INFO", "log.logger": "srv", "log.origin.function": "log_server_r", "http.request.method": "POST",
          "url.original": "/v1/chat/completions", "source.address": "127.0.0.1", "http.response.status_code": 200}),
        ("slot launch_slot_: id  0 | task 12 | processing task",
         {"log.logger": "slot", "log.origin.function": "launch_slot_", "llm.slot": 0, "llm.task": 12}),
        ("prompt eval time =      47.49 ms /    11 tokens (    4.32 ms per token,   231.63 tokens per second)",
         {"llm.timing.phase": "prompt eval", "llm.timing.tokens": 11, "llm.timing.ms_per_token": 4.32,
          "llm.timing.tokens_per_second": 231.63, "event.duration": 47490000}),
        ("       eval time =     480.41 ms /    32 tokens (   15.01 ms per token,    66.61 tokens per second)",
         {"llm.timing.phase": "eval", "llm.timing.tokens": 32, "event.duration": 480410000}),
        ("      total time =     527.90 ms /    43 tokens", {"llm.timing.phase": "total", "llm.timing.tokens": 43}),
        ("0.00.035.060 W srv  load_model: the model has no chat template", {"log.level": "WARNING"}),
    ),
)

_OLLAMA_DEFINITIONS = (
    ("GIN_TIME", r"%{YEAR}/%{MONTHNUM2}/%{MONTHDAY} - %{TIME}"),
    ("GO_DURATION", r"[0-9hms.µnu]+"),
    ("GO_SOURCE", r"[\w./-]+\.go"),
    ("LOGFMT_QUOTED", r'(?:[^"\\]|\\.)*'),
)
OLLAMA = LogFormat(
    "ollama", "Ollama: slog logfmt lines (time= level= source= msg=, the other keys under ollama.*) and GIN access "
    "lines, whose µs/ms/s durations become event.duration in nanoseconds",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A\[GIN\] %{GIN_TIME:timestamp} \|\s*%{INT:http.response.status_code:int} \|\s*%{GO_DURATION:_tmp.duration} \|"
            r'\s*%{IPORHOST:source.address} \|\s*%{WORD:http.request.method}\s+"%{DATA:url.original}"',
            r"\Atime=%{TIMESTAMP_ISO8601:timestamp} level=%{LOGLEVEL:log.level} source=%{GO_SOURCE:log.origin.file.name}:"
            r'%{INT:log.origin.file.line:int} msg=(?:"%{LOGFMT_QUOTED:message}"|%{NOTSPACE:message})(?: %{GREEDYDATA:_tmp.kv})?',
        ), _OLLAMA_DEFINITIONS),
        KeyValue("_tmp.kv", "ollama"),
        ParseDuration("_tmp.duration", "event.duration"),
        _date("ISO8601", "yyyy/MM/dd - HH:mm:ss"),
    ),
    r"^(?:time=|\[GIN\])",
    (
        ('[GIN] 2024/07/26 - 10:00:00 | 200 |    1.234567ms |       127.0.0.1 | POST     "/api/chat"',
         {"@timestamp": "2024-07-26T10:00:00.000Z", "http.response.status_code": 200, "event.duration": 1234567,
          "source.address": "127.0.0.1", "http.request.method": "POST", "url.original": "/api/chat"}),
        ('[GIN] 2024/07/26 - 10:00:01 | 200 |      51.2µs |       127.0.0.1 | HEAD     "/"', {"event.duration": 51200}),
        ('[GIN] 2024/07/26 - 10:00:05 | 500 |          1m3.5s |      10.0.0.9 | POST     "/api/generate"',
         {"event.duration": 63500000000, "http.response.status_code": 500}),
        ('time=2024-07-26T10:00:00.123+02:00 level=INFO source=server.go:611 msg="llama runner started in 2.01 seconds"',
         {"@timestamp": "2024-07-26T08:00:00.123Z", "log.level": "INFO", "log.origin.file.name": "server.go",
          "log.origin.file.line": 611, "message": "llama runner started in 2.01 seconds"}),
        ('time=2024-07-26T10:00:02.000Z level=WARN source=sched.go:137 msg="gpu VRAM usage didn\'t recover" '
         'model=/root/.ollama/models/blobs/sha256-8eeb seconds="5.0 s"',
         {"log.level": "WARN", "ollama.model": "/root/.ollama/models/blobs/sha256-8eeb", "ollama.seconds": "5.0 s"}),
    ),
)

_TRITON_DEFINITIONS = (
    ("GLOG_LEVEL", r"[IWEF]"),
    ("GLOG_TIME", r"%{MONTHNUM2}%{MONTHDAY} %{HOUR}:%{MINUTE}:%{SECOND}"),
    ("GLOG_FILE", r"[\w./-]+"),
)
TRITON = LogFormat(
    "triton", "Triton Inference Server: glog prefix (I0517 08:12:34.567890 1 file.cc:123]) and --log-format ISO8601",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A%{GLOG_LEVEL:_tmp.level}%{GLOG_TIME:timestamp}\s+%{INT:process.thread.id:int} "
            r"%{GLOG_FILE:log.origin.file.name}:%{INT:log.origin.file.line:int}\] %{GREEDYDATA:message}",
            r"\A%{TIMESTAMP_ISO8601:timestamp} %{GLOG_LEVEL:_tmp.level} %{INT:process.thread.id:int} "
            r"%{GLOG_FILE:log.origin.file.name}:%{INT:log.origin.file.line:int}\] %{GREEDYDATA:message}",
        ), _TRITON_DEFINITIONS),
        MapValues("_tmp.level", "log.level", _GLOG_LEVELS),
        _date("ISO8601", "MMdd HH:mm:ss.SSSSSS"),
    ),
    r"^(?:[IWEF]\d{4} |\d{4}-\d{2}-\d{2}T)",
    (
        ("I0517 08:12:34.567890 1 grpc_server.cc:2466] Started GRPCInferenceService at 0.0.0.0:8001",
         {"log.level": "INFO", "process.thread.id": 1, "log.origin.file.name": "grpc_server.cc",
          "log.origin.file.line": 2466, "message": "Started GRPCInferenceService at 0.0.0.0:8001"}),
        ("E0517 08:12:35.000100 117 model_lifecycle.cc:630] failed to load 'llama' version 1: Internal: no GPU",
         {"log.level": "ERROR", "process.thread.id": 117}),
        ("2024-05-17T08:12:34Z W 1 pinned_memory_manager.cc:237] Unable to allocate pinned system memory",
         {"@timestamp": "2024-05-17T08:12:34.000Z", "log.level": "WARNING"}),
    ),
)

_SGLANG_DEFINITIONS = (("SGLANG_RANKS", r"(?:DP|TP|PP|EP)\d+(?: (?:DP|TP|PP|EP)\d+)*"),)
SGLANG = LogFormat(
    "sglang", "SGLang: '[time TPn] message' lines; prefill and decode batch lines into llm.* numbers; uvicorn access lines",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A\[%{TIMESTAMP_ISO8601:timestamp}(?: %{SGLANG_RANKS:sglang.ranks})?\] (?:" + _UVICORN_ACCESS + r"|%{MULTILINE:message})",
        ), _SGLANG_DEFINITIONS + (("MULTILINE", r"[\s\S]*"),)),
        GrokStep("message", (
            r"\ADecode batch[.,] #running-req: %{INT:llm.requests.running:int}, #token: %{INT:llm.kv_cache.tokens:int}, "
            r"token usage: %{NUMBER:llm.kv_cache.usage_ratio:float},(?: [^,]*,)*? gen throughput \(token/s\): "
            r"%{NUMBER:llm.generation_throughput:float}, #queue-req: %{INT:llm.requests.waiting:int}",
            r"\APrefill batch[.,] #new-seq: %{INT:llm.prefill.sequences:int}, #new-token: %{INT:llm.prefill.tokens:int}, "
            r"#cached-token: %{INT:llm.prefill.cached_tokens:int},(?: [^,]*,)*? #queue-req: %{INT:llm.requests.waiting:int}",
        ), required=False),
        _date("yyyy-MM-dd HH:mm:ss", "ISO8601"),
    ),
    r"^(?:\x1b\[[0-9;]*m)*\[\d{4}-\d{2}-\d{2} ",
    (
        ("[2024-11-20 10:00:00 TP0] Decode batch. #running-req: 3, #token: 912, token usage: 0.04, cuda graph: True, "
         "gen throughput (token/s): 133.12, #queue-req: 2, ",
         {"@timestamp": "2024-11-20T10:00:00.000Z", "sglang.ranks": "TP0", "llm.requests.running": 3,
          "llm.kv_cache.tokens": 912, "llm.kv_cache.usage_ratio": 0.04, "llm.generation_throughput": 133.12,
          "llm.requests.waiting": 2}),
        ("[2024-11-20 10:00:01 DP0 TP1] Prefill batch. #new-seq: 1, #new-token: 7, #cached-token: 0, token usage: 0.00, "
         "#running-req: 0, #queue-req: 0, ",
         {"llm.prefill.sequences": 1, "llm.prefill.tokens": 7, "llm.prefill.cached_tokens": 0, "llm.requests.waiting": 0}),
        ('[2024-11-20 10:00:02] INFO:     127.0.0.1:40000 - "POST /generate HTTP/1.1" 200 OK',
         {"log.level": "INFO", "http.response.status_code": 200, "url.original": "/generate"}),
        ("[2024-11-20 10:00:03] The server is fired up and ready to roll!",
         {"message": "The server is fired up and ready to roll!"}),
    ),
)

_PYTHON_DEFINITIONS = (("PY_LOGGER", r"[\w.-]+"), ("MULTILINE", r"[\s\S]*"))
PYTHON = LogFormat(
    "python", "Python logging in its common layouts: 'time - logger - LEVEL - message', 'time LEVEL logger: message', "
    "'[time] LEVEL in module: message' (Flask) and basicConfig's 'LEVEL:logger:message'; tracebacks kept with their line",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A%{TIMESTAMP_ISO8601:timestamp} - %{PY_LOGGER:log.logger} - %{LOGLEVEL:log.level} - %{MULTILINE:message}",
            r"\A%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level}\s+(?:\[%{PY_LOGGER:log.logger}\]|%{PY_LOGGER:log.logger}:) %{MULTILINE:message}",
            r"\A\[%{TIMESTAMP_ISO8601:timestamp}\] %{LOGLEVEL:log.level} in %{PY_LOGGER:log.logger}: %{MULTILINE:message}",
            r"\A%{LOGLEVEL:log.level}:%{PY_LOGGER:log.logger}:%{MULTILINE:message}",
        ), _PYTHON_DEFINITIONS),
        _date("yyyy-MM-dd HH:mm:ss,SSS", "yyyy-MM-dd HH:mm:ss.SSS", "ISO8601"),
    ),
    r"^(?:\x1b\[[0-9;]*m)*(?:\[?\d{4}-\d{2}-\d{2}|(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):)",
    (
        ("2024-05-07 09:12:44,123 - agent.tools - WARNING - retrying search",
         {"@timestamp": "2024-05-07T09:12:44.123Z", "log.logger": "agent.tools", "log.level": "WARNING",
          "message": "retrying search"}),
        ("2024-05-07 09:12:45,001 ERROR agent.planner: step failed\nTraceback (most recent call last):\nKeyError: 'x'",
         {"log.level": "ERROR", "log.logger": "agent.planner",
          "message": "step failed\nTraceback (most recent call last):\nKeyError: 'x'"}),
        ("[2024-05-07 09:12:46,500] INFO in app: ready", {"log.logger": "app", "message": "ready"}),
        ("WARNING:root:disk almost full", {"log.level": "WARNING", "log.logger": "root", "message": "disk almost full"}),
    ),
)

CELERY = LogFormat(
    "celery", "Celery workers (agent task engines): '[time: LEVEL/Process] message'; task results with their "
    "name, id, run time and error",
    (
        StripAnsi(),
        GrokStep("message", (
            r"\A\[%{TIMESTAMP_ISO8601:timestamp}: %{LOGLEVEL:log.level}/%{NOTSPACE:process.name}\] %{MULTILINE:message}",
        ), (("MULTILINE", r"[\s\S]*"),)),
        GrokStep("message", (
            r"\ATask %{NOTSPACE:celery.task.name}\[%{NOTSPACE:celery.task.id}\] succeeded in %{CELERY_SECONDS:_tmp.duration}",
            r"\ATask %{NOTSPACE:celery.task.name}\[%{NOTSPACE:celery.task.id}\] (?:raised unexpected|retry): %{GREEDYDATA:error.message}",
        ), (("CELERY_SECONDS", r"%{NUMBER}s"),), required=False),
        ParseDuration("_tmp.duration", "event.duration"),
        _date("yyyy-MM-dd HH:mm:ss,SSS", "ISO8601"),
    ),
    r"^\[\d{4}-\d{2}-\d{2} ",
    (
        ("[2024-05-07 09:12:44,123: INFO/ForkPoolWorker-2] Task agent.run_task[0f5e2a4c-1d7b-4f0e-9a59-2f6d4e8b7c1a] "
         "succeeded in 2.504s: None",
         {"@timestamp": "2024-05-07T09:12:44.123Z", "log.level": "INFO", "process.name": "ForkPoolWorker-2",
          "celery.task.name": "agent.run_task", "celery.task.id": "0f5e2a4c-1d7b-4f0e-9a59-2f6d4e8b7c1a",
          "event.duration": 2504000000}),
        ("[2024-05-07 09:12:45,000: ERROR/ForkPoolWorker-1] Task agent.run_task[1] raised unexpected: TimeoutError('tool')",
         {"log.level": "ERROR", "error.message": "TimeoutError('tool')"}),
    ),
)

JSON = LogFormat(
    "json", "one JSON object per line: ECS JSON as it is; level/msg/time keys of other JSON loggers moved to ECS",
    (
        ParseJson("message"),
        Rename((("level", "log.level"), ("levelname", "log.level"), ("msg", "message"), ("time", "timestamp"),
                ("asctime", "timestamp"))),
        _date("ISO8601", "yyyy-MM-dd HH:mm:ss,SSS"),
    ),
    r"^\{",
    (
        ('{"@timestamp": "2024-05-07T09:12:44.123Z", "log.level": "error", "message": "POST /v1/search 503", '
         '"http.response.status_code": 503, "event.duration": 120000000, "trace.id": "4bf92f35"}',
         {"@timestamp": "2024-05-07T09:12:44.123Z", "log.level": "error", "http.response.status_code": 503,
          "event.duration": 120000000, "trace.id": "4bf92f35"}),
        ('{"time": "2024-05-07T09:12:44+00:00", "level": "info", "msg": "tool ready", "tool": {"name": "search"}}',
         {"@timestamp": "2024-05-07T09:12:44.000Z", "log.level": "info", "message": "tool ready", "tool.name": "search"}),
    ),
)

# The NVIDIA driver's Xid lines in the kernel log (dmesg, /var/log/kern.log or syslog, in the
# traditional or the RFC 3339 timestamp of rsyslog): the GPU's PCI address, the Xid code (catalogue:
# docs.nvidia.com/deploy/xid-errors), the process when the driver knows it, and its description.
_XID_DEFINITIONS = (
    ("XID_SYSLOG_TIME", r"(?:%{TIMESTAMP_ISO8601}|%{SYSLOGTIMESTAMP})"),
    ("XID_PCI", r"[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\.[0-7])?"),
    ("XID_PROCESS", r"[^,]+"),
)
NVIDIA_XID = LogFormat(
    "nvidia_xid", "NVIDIA driver Xid lines of the kernel log (point paths at kern.log or syslog; other lines are "
    "left out): GPU PCI address, Xid code, process and description",
    (
        GrokStep("message", (
            r"\A(?:%{XID_SYSLOG_TIME:timestamp} %{SYSLOGHOST:host.hostname} kernel: )?(?:\[\s*%{NUMBER}\] )?"
            r"NVRM: Xid \(PCI:%{XID_PCI:nvidia.gpu.pci_bus_id}\): %{INT:nvidia.xid.code:int}"
            r"(?:, pid=(?:%{INT:process.pid:int}|'?<unknown>'?))?(?:, name=(?:<unknown>|%{XID_PROCESS:process.name}))?"
            r"(?:, %{GREEDYDATA:error.message})?",
        ), _XID_DEFINITIONS),
        _date("ISO8601", "MMM dd HH:mm:ss", "MMM  d HH:mm:ss"),
    ),
    None,
    (
        ("Nov  3 10:15:42 gpu-node-1 kernel: [ 8843.217004] NVRM: Xid (PCI:0000:3b:00): 79, pid=24311, name=python3, "
         "GPU has fallen off the bus.",
         {"@timestamp": "2026-11-03T10:15:42.000Z", "host.hostname": "gpu-node-1", "nvidia.gpu.pci_bus_id": "0000:3b:00",
          "nvidia.xid.code": 79, "process.pid": 24311, "process.name": "python3",
          "error.message": "GPU has fallen off the bus."}),
        ("2026-11-23T04:01:17.052311+00:00 gpu-node-2 kernel: NVRM: Xid (PCI:0000:b5:00.0): 48, pid='<unknown>', "
         "name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at "
         "partition 1, subpartition 0.",
         {"@timestamp": "2026-11-23T04:01:17.052Z", "nvidia.gpu.pci_bus_id": "0000:b5:00.0", "nvidia.xid.code": 48,
          "error.message": "An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at "
                           "partition 1, subpartition 0."}),
        ("[16450076.435584] NVRM: Xid (PCI:0000:19:00): 62, 32260b5e 000154b0 00000000 2026da96 202b5626",
         {"nvidia.gpu.pci_bus_id": "0000:19:00", "nvidia.xid.code": 62,
          "error.message": "32260b5e 000154b0 00000000 2026da96 202b5626"}),
        ("Nov 23 09:12:44 gpu-node-1 kernel: NVRM: Xid (PCI:0000:00:1e): 13, pid=1823, name=vllm-worker, "
         "Graphics SM Warp Exception on (GPC 0, TPC 1, SM 0): Out Of Range Address",
         {"nvidia.xid.code": 13, "process.name": "vllm-worker", "process.pid": 1823}),
    ),
    include_lines=(r"NVRM: Xid \(PCI:",),
)

LOG_FORMATS = {fmt.name: fmt for fmt in (VLLM, UVICORN, TGI, TGI_JSON, LLAMACPP, OLLAMA, TRITON, SGLANG, PYTHON, CELERY, JSON,
                                         NVIDIA_XID)}
