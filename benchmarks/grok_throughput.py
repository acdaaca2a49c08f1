"""Benchmark, not a test: grok throughput of the generated log-format patterns on a 100,000-line
mixed log (every preset's sample lines with their numbers, ids and times varied), against a naive
%{GREEDYDATA}/%{DATA}-heavy pattern set that captures the same fields; then the worst time per
line on adversarial lines built to make patterns backtrack (long near-misses, deep nesting).
Both run in the collection's grok engine (Python `re`); Joni in Logstash/Elasticsearch backtracks
the same way, so the ratio carries over even if the absolute numbers do not. Last, the redaction
every pipeline ends with (logs/redaction.py): its throughput on the mixed log, and its time per line
on near-miss lines of growing length, which must grow linearly.
Run through `make bench`; paste the output into docs/benchmarks.md."""

import multiprocessing
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.formats import LOG_FORMATS  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import Grok  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.redaction import KINDS, redact_text  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.steps import ANSI_ESCAPE, GrokStep  # noqa: E402

LINES = 100_000
LIMIT_SECONDS = 60
# What people write first: DATA between literals, GREEDYDATA at the end, nothing anchored.
NAIVE = {
    "vllm": [r"%{DATA:process}%{LOGLEVEL:log.level} %{DATA:timestamp} %{DATA:file}:%{DATA:line}\] %{GREEDYDATA:message}",
             r"%{DATA:process}%{LOGLEVEL:log.level}:%{DATA}%{DATA:client} - \"%{DATA:request}\" %{DATA:status} %{GREEDYDATA}"],
    "uvicorn": [r"%{LOGLEVEL:log.level}:%{DATA}%{DATA:client} - \"%{DATA:request}\" %{DATA:status} %{GREEDYDATA}",
                r"%{LOGLEVEL:log.level}:%{GREEDYDATA:message}"],
    "tgi": [r"%{DATA:timestamp} %{DATA:log.level} %{DATA:spans}: %{DATA:log.logger}: %{DATA:file}: %{GREEDYDATA:message}",
            r"%{DATA:timestamp} %{DATA:log.level} %{DATA:log.logger}: %{GREEDYDATA:message}"],
    "llamacpp": [r"%{DATA:phase} time = %{DATA:ms} ms / %{DATA:tokens} %{GREEDYDATA}",
                 r"%{DATA:elapsed} %{DATA:level} %{DATA:log.logger} %{DATA:function}: %{GREEDYDATA:message}",
                 r"%{DATA:log.logger} %{DATA:function}: %{GREEDYDATA:message}"],
    "ollama": [r"\[GIN\] %{DATA:timestamp} \| %{DATA:status} \| %{DATA:duration} \| %{DATA:client} \| %{DATA:method} %{GREEDYDATA:url}",
               r"time=%{DATA:timestamp} level=%{DATA:log.level} source=%{DATA:source} msg=%{GREEDYDATA:message}"],
    "triton": [r"%{DATA:level}%{DATA:timestamp} %{DATA:thread} %{DATA:file}:%{DATA:line}\] %{GREEDYDATA:message}"],
    "sglang": [r"\[%{DATA:timestamp}\] %{GREEDYDATA:message}"],
    "python": [r"%{DATA:timestamp} - %{DATA:log.logger} - %{DATA:log.level} - %{GREEDYDATA:message}",
               r"%{DATA:timestamp} %{DATA:log.level} %{DATA:log.logger}: %{GREEDYDATA:message}",
               r"\[%{DATA:timestamp}\] %{DATA:log.level} in %{DATA:log.logger}: %{GREEDYDATA:message}",
               r"%{DATA:log.level}:%{DATA:log.logger}:%{GREEDYDATA:message}"],
    "celery": [r"\[%{DATA:timestamp}: %{DATA:log.level}/%{DATA:process}\] %{GREEDYDATA:message}"],
}


def generated_grok(fmt):
    step = next(step for step in fmt.steps if isinstance(step, GrokStep) and step.required)
    return Grok(step.patterns, dict(step.pattern_definitions))


def mixed_log(rng):
    """Every preset's sample lines (first line of multiline ones, colour codes stripped as the
    pipelines do before grok), shuffled."""
    samples = [(name, re.sub(ANSI_ESCAPE, "", line.split("\n")[0])) for name, fmt in LOG_FORMATS.items() if name in NAIVE
               for line, _expect in fmt.samples]
    return [rng.choice(samples) for _line in range(LINES)]


def throughput(log, groks):
    start = time.perf_counter()
    matched = sum(groks[name].match(line) is not None for name, line in log)
    return len(log) / (time.perf_counter() - start), matched


def adversarial_lines(repeat):
    """Near-misses: the start of a real line, then `repeat` runs of what the next token almost is."""
    return {
        "vllm": ["INFO 08-17 02:59:34 " + "[loggers.py:1" * repeat, "(APIServer pid=1) " * repeat + "INFO",
                 "INFO:     " + "1.1.1.1:1 - " * repeat],
        "uvicorn": ['INFO:     127.0.0.1:1 - "' + "GET / HTTP/1.1 " * repeat],
        "tgi": ["2024-05-07T09:12:44.123456Z  INFO " + "a{b: c}:" * repeat + " x",
                "2024-05-07T09:12:44.123456Z  INFO " + "}: a::b: " * repeat],
        "llamacpp": ["prompt eval time = " + "1.0 ms / " * repeat, "srv " + " " * (10 * repeat) + "x"],
        "ollama": ["[GIN] 2024/07/26 - 10:00:00 | 200 | " + "1ms | " * repeat,
                   'time=2024-07-26T10:00:00.123Z level=INFO source=a.go:1 msg="' + '\\"' * repeat],
        "triton": ["I0517 08:12:34.567890 1 " + "a:1 " * repeat],
        "sglang": ["[2024-11-20 10:00:00" + " TP0" * repeat],
        "python": ["2024-05-07 09:12:44,123 - " + "a - " * repeat, "INFO:" + "a:" * repeat],
        "celery": ["[2024-05-07 09:12:44,123: INFO/" + "a/" * repeat],
    }


def worst_time(groks, lines):
    worst = (0.0, "")
    for name, candidates in lines.items():
        for line in candidates:
            start = time.perf_counter()
            groks[name].match(line)
            worst = max(worst, (time.perf_counter() - start, name))
    return worst


def main():
    rng = random.Random(20261124)
    log = mixed_log(rng)
    generated = {name: generated_grok(LOG_FORMATS[name]) for name in NAIVE}
    naive = {name: Grok(patterns) for name, patterns in NAIVE.items()}
    print(f"mixed log: {len(log)} lines from {len(NAIVE)} formats (json formats are not grok-parsed)")
    for label, groks in (("generated", generated), ("naive GREEDYDATA/DATA", naive)):
        rate, matched = throughput(log, groks)
        print(f"  {label:<22} {rate:>10,.0f} lines/s   matched {matched}/{len(log)}")
    print(f"adversarial lines: worst single line per length, given up after {LIMIT_SECONDS} s "
          "(linear cost: a 4x longer line costs about 4x)")
    for label, groks in (("generated", generated), ("naive GREEDYDATA/DATA", naive)):
        cells = []
        for repeat in (5, 10, 25, 100, 400, 1600):
            outcome = bounded_worst_time(groks, repeat)
            if outcome is None:
                cells.append(f"x{repeat}: > {LIMIT_SECONDS} s")
                break
            cells.append(f"x{repeat}: {outcome[0] * 1000:.1f} ms ({outcome[1]})")
        print(f"  {label:<22} " + "   ".join(cells))
    redaction_report(log)


# Near-misses of each redaction rule: runs of what a secret starts with, never completing one.
REDACTION_NEAR_MISSES = ("user.name.", "4111 ", "+44 2", "eyJhbGciOi.", "Bearer ", "ff:", "10.0.", "DE89 3704 ", "sk-")


def redaction_report(log):
    start = time.perf_counter()
    for _name, line in log:
        redact_text(line, KINDS, set())
    print(f"redaction of the mixed log: {len(log) / (time.perf_counter() - start):,.0f} lines/s")
    cells = []
    for length in (1_000, 10_000, 100_000):
        worst = 0.0
        for seed in REDACTION_NEAR_MISSES:
            line = (seed * (length // len(seed) + 1))[:length]
            started = time.perf_counter()
            redact_text(line, KINDS, set())
            worst = max(worst, time.perf_counter() - started)
        cells.append(f"{length:,} chars: {worst * 1000:.1f} ms")
    print("  worst near-miss line: " + "   ".join(cells))


def bounded_worst_time(groks, repeat):
    """worst_time in a child process, since a backtracking regex cannot be interrupted; None
    when it runs past LIMIT_SECONDS."""
    results = multiprocessing.Queue()
    child = multiprocessing.Process(target=lambda: results.put(worst_time(groks, adversarial_lines(repeat))))
    child.start()
    child.join(LIMIT_SECONDS)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return results.get()


if __name__ == "__main__":
    main()
