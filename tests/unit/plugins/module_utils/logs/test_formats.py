"""Log-format presets against real-looking lines of each engine: samples, partial lines and
garbage, year-less timestamps, durations and the multiline rule Filebeat gets."""

import re
from datetime import datetime, timezone

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.formats import LOG_FORMATS
from ansible_collections.llmagentos.ops.plugins.module_utils.regex import re2_problem
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.spec import sample_problem
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.steps import (
    Failure, ParseDate, Redact, parse_duration_ns, parse_timestamp, run)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
SAMPLES = [(fmt.name, line, expect) for fmt in LOG_FORMATS.values() for line, expect in fmt.samples]


@pytest.mark.parametrize("name, line, expect", SAMPLES, ids=[f"{name}-{i}" for i, (name, *_rest) in enumerate(SAMPLES)])
def test_every_preset_reads_its_samples(name, line, expect):
    """Through the pipeline a component gets, the default redaction last."""
    assert sample_problem(LOG_FORMATS[name].steps + (Redact(),), line, expect, NOW) is None


def test_every_preset_has_samples_and_every_sample_proves_fields():
    for fmt in LOG_FORMATS.values():
        assert len(fmt.samples) >= 2, fmt.name
        assert all(expect for _line, expect in fmt.samples), fmt.name


# Lines a preset must not read: the wrong engine's format, truncated lines, binary garbage.
GARBAGE = ["", "\x00\x01\x02 binary", "}{ not json", "INFO", "2024-05-07", "[GIN] 2024/07/26 - 10:00:00 |"]


@pytest.mark.parametrize("name", list(LOG_FORMATS))
@pytest.mark.parametrize("line", GARBAGE)
def test_garbage_and_partial_lines_are_failures_not_silent_events(name, line):
    with pytest.raises(Failure):
        run(LOG_FORMATS[name].steps, line, NOW)


@pytest.mark.parametrize("name, line", [
    ("vllm", "INFO 08-17 02:59:34 loggers.py"),           # cut before the origin
    ("tgi", "2024-05-07T09:12:44.123456Z  INFO"),         # cut before the target
    ("triton", "I0517 08:12:34.567890 1 grpc_server.cc"),  # no line number
    ("ollama", "time=2024-07-26T10:00:00.123Z level=INFO"),
    ("celery", "[2024-05-07 09:12:44,123: INFO/Main"),
    ("sglang", "[2024-11-20 10:00:00 TP0"),
    ("python", "09:12:44 - agent - INFO - x"),
    ("tgi_json", '{"timestamp": "2024-05-07T09:12:44Z", "level": "INFO"'),
])
def test_cut_lines_fail(name, line):
    with pytest.raises(Failure):
        run(LOG_FORMATS[name].steps, line, NOW)


def test_llamacpp_reads_any_module_line_but_not_free_text():
    with pytest.raises(Failure):
        run(LOG_FORMATS["llamacpp"].steps, "Segmentation fault (core dumped)", NOW)


def test_a_year_less_timestamp_gets_the_ingest_year_or_the_previous_one():
    steps = LOG_FORMATS["vllm"].steps
    line = "INFO {} [api_server.py:1] x"
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=timezone.utc)
    assert run(steps, line.format("12-31 23:59:58"), new_year)[0]["@timestamp"] == "2026-12-31T23:59:58.000Z"
    assert run(steps, line.format("01-01 00:04:00"), new_year)[0]["@timestamp"] == "2027-01-01T00:04:00.000Z"
    # A clock a few hours ahead of the reader is not taken for last year.
    assert run(steps, line.format("11-24 09:00:00"), NOW)[0]["@timestamp"] == "2026-11-24T09:00:00.000Z"


def test_glog_timestamps_have_no_year_either():
    event, _pattern = run(LOG_FORMATS["triton"].steps, "W1231 23:00:00.000001 7 x.cc:1] late", datetime(2027, 1, 2, tzinfo=timezone.utc))
    assert event["@timestamp"] == "2026-12-31T23:00:00.000Z"


def test_timezone_applies_to_timestamps_without_offset():
    assert parse_timestamp("2026-07-01 12:00:00,000", ("yyyy-MM-dd HH:mm:ss,SSS",), "Europe/Berlin", NOW) == \
        datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
    assert parse_timestamp("2026-07-01T12:00:00+05:00", ("ISO8601",), "Europe/Berlin", NOW) == \
        datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc)


def test_iso8601_wants_the_t_as_joda_and_elasticsearch_do():
    assert parse_timestamp("2026-07-01 12:00:00", ("ISO8601",), "UTC", NOW) is None
    assert ParseDate(("MM-dd HH:mm:ss",)).year_missing and not ParseDate(("ISO8601",)).year_missing
    # A step mixing both keeps the rollover, so the year-less lines still get the right year.
    assert ParseDate(("yyyy-MM-dd HH:mm:ss", "MM-dd HH:mm:ss")).year_missing


@pytest.mark.parametrize("text, nanoseconds", [
    ("1.234567ms", 1234567), ("51.2µs", 51200), ("51.2us", 51200), ("2.210946345s", 2210946345), ("100ns", 100),
    ("1m3.5s", 63500000000), ("1h0m0s", 3600000000000), ("47.49 ms", 47490000), ("2.504s", 2504000000),
])
def test_go_rust_and_spaced_durations_become_nanoseconds(text, nanoseconds):
    assert parse_duration_ns(text) == nanoseconds


@pytest.mark.parametrize("text", ["", "fast", "12", "1.5 minutes", "ms", "5 s s", None])
def test_what_is_not_a_duration_is_refused(text):
    assert parse_duration_ns(text) is None


def test_multiline_rules_start_events_on_first_lines_and_join_continuations():
    for fmt in LOG_FORMATS.values():
        if fmt.line_start is None:
            continue
        start = re.compile(fmt.line_start)
        for line, _expect in fmt.samples:
            first, *continuation = line.split("\n")
            assert start.search(first), (fmt.name, first)
            assert not any(start.search(rest) for rest in continuation), (fmt.name, continuation)
    traceback = ["Traceback (most recent call last):", '  File "x.py", line 1, in <module>', "RuntimeError: boom"]
    assert not any(re.search(LOG_FORMATS["vllm"].line_start, line) for line in traceback)


@pytest.mark.parametrize("line", [
    "Nov 23 09:12:44 gpu-node-1 kernel: NVRM: GPU at PCI:0000:3b:00: GPU-6f4f8a1c-0c4e-11ef-9a13-0242ac120002",
    "Nov 23 09:12:44 gpu-node-1 kernel: NVRM: Xid (PCI:0000:3b:00): ",
    "Nov 23 09:12:44 gpu-node-1 kernel: NVRM: Xid (PCI:zz): 79, GPU has fallen off the bus.",
    "Nov 23 09:12:44 gpu-node-1 kernel: EXT4-fs (md127p3): re-mounted r/w.",
])
def test_nvidia_xid_reads_xid_lines_only(line):
    with pytest.raises(Failure):
        run(LOG_FORMATS["nvidia_xid"].steps, line, NOW)


def test_nvidia_xid_keeps_only_its_lines_in_filebeat_with_an_re2_expression():
    include = LOG_FORMATS["nvidia_xid"].include_lines
    assert include and all(re2_problem(expression) is None for expression in include)
    kept = [line for line in ("kernel: NVRM: Xid (PCI:0000:3b:00): 79, GPU has fallen off the bus.",
                              "kernel: NVRM: loading NVIDIA UNIX Open Kernel Module 570.158.01",
                              "kernel: EXT4-fs (md127p3): re-mounted r/w.")
            if any(re.search(expression, line) for expression in include)]
    assert kept == ["kernel: NVRM: Xid (PCI:0000:3b:00): 79, GPU has fallen off the bus."]
    assert all(not fmt.include_lines for name, fmt in LOG_FORMATS.items() if name != "nvidia_xid")


def test_a_one_or_two_digit_day_reads_like_syslog_prints_it():
    formats = ("MMM dd HH:mm:ss", "MMM  d HH:mm:ss")
    assert parse_timestamp("Nov  3 10:15:42", formats, "UTC", NOW) == datetime(2026, 11, 3, 10, 15, 42, tzinfo=timezone.utc)
    assert parse_timestamp("Nov 13 10:15:42", formats, "UTC", NOW) == datetime(2026, 11, 13, 10, 15, 42, tzinfo=timezone.utc)
    assert parse_timestamp("13 Nov 10:15:42", formats, "UTC", NOW) is None
