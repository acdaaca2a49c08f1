# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Elasticsearch ingest pipelines, one per component with logs: the format's steps as processors
(a.b field syntax), and an on_failure handler that keeps the event, records error.message and
tags it, so a line no pattern reads is stored rather than lost."""

from __future__ import annotations

from .grok import with_field_style
from .steps import (TEMPORARY_FIELDS, ANSI_ESCAPE, GrokStep, KeyValue, MapValues, ParseDate, ParseDuration, ParseJson,
                    Rename, StripAnsi)

FAILURE_TAG = "llmagentos_parse_failure"
# Same logfmt split as the Logstash kv filter: a space that starts the next key=.
LOGFMT_FIELD_SPLIT = r" (?=[A-Za-z_][\w.-]*=)"

# A year-less timestamp read more than a day in the future belongs to the previous year.
YEAR_ROLLOVER_SCRIPT = (
    "ZonedDateTime parsed = ZonedDateTime.parse(ctx['@timestamp']);"
    " ZonedDateTime ingested = ZonedDateTime.parse(ctx._tmp.ingest_time);"
    " if (parsed.isAfter(ingested.plusDays(1))) {"
    " ctx['@timestamp'] = parsed.minusYears(1).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME); }"
)
# Go (1m3.5s), Rust (295µs) and "47.49 ms" durations to integer nanoseconds.
DURATION_SCRIPT = (
    "def value = ctx; for (def key : params.source) { value = value instanceof Map ? value.get(key) : null; }"
    " if (value == null) { return; }"
    " Matcher m = /^(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+(?:\\.\\d+)?) ?(ns|us|µs|μs|ms|s))?$/.matcher(value.toString().trim());"
    " if (!m.matches() || (m.group(1) == null && m.group(2) == null && m.group(3) == null)) {"
    " throw new IllegalArgumentException('not a duration: ' + value); }"
    " double nanos = 0;"
    " if (m.group(1) != null) { nanos += Long.parseLong(m.group(1)) * 3600e9; }"
    " if (m.group(2) != null) { nanos += Long.parseLong(m.group(2)) * 60e9; }"
    " if (m.group(3) != null) { nanos += Double.parseDouble(m.group(3)) * params.units.get(m.group(4)); }"
    " def target = ctx; int last = params.target.size() - 1;"
    " for (int i = 0; i < last; ++i) { String key = params.target.get(i);"
    " if (!(target.get(key) instanceof Map)) { target.put(key, new HashMap()); } target = target.get(key); }"
    " target.put(params.target.get(last), Math.round(nanos));"
)


def _access(field):
    """Painless expression for a dotted field, null-safe at every level."""
    first, *rest = field.split(".")
    return f"ctx['{first}']" + "".join(f"?.{part}" if part.isidentifier() else f"?.get('{part}')" for part in rest)


def _exists(field):
    return f"{_access(field)} != null"


def _strip_ansi(step):
    return [{"gsub": {"field": step.field, "pattern": ANSI_ESCAPE, "replacement": "", "ignore_missing": True}}]


def _json(step):
    options = {"target_field": step.target} if step.target else {"add_to_root": True}
    return [{"json": dict({"field": step.field}, **options)}]


def _grok(step):
    # The ECS edition of the pattern library, as the collection's grok engine and Logstash 8+ use.
    processor = {
        "field": step.field,
        "patterns": [with_field_style(pattern, "dotted") for pattern in step.patterns],
        "ecs_compatibility": "v1",
    }
    if step.pattern_definitions:
        processor["pattern_definitions"] = {name: with_field_style(regex, "dotted")
                                            for name, regex in step.pattern_definitions}
    if not step.required:
        processor.update(ignore_missing=True, ignore_failure=True)
    return [{"grok": processor}]


def _kv(step):
    return [{"kv": {"field": step.field, "target_field": step.target, "field_split": LOGFMT_FIELD_SPLIT,
                    "value_split": "=", "trim_value": '"', "ignore_missing": True}}]


def _rename(step):
    # set + remove rather than rename: rename refuses to replace an existing field (message).
    processors = []
    for source, destination in step.pairs:
        processors.append({"set": {"field": destination, "copy_from": source, "if": _exists(source)}})
        processors.append({"remove": {"field": source, "ignore_missing": True}})
    return processors


def _map(step):
    processors = [{"set": {"field": step.target, "value": word, "if": f"{_access(step.field)} == '{code}'"}}
                  for code, word in step.mapping]
    processors.append({"set": {"field": step.target, "copy_from": step.field, "override": False, "if": _exists(step.field)}})
    return processors


def _date(step):
    processors = [{"date": {"field": step.field, "target_field": "@timestamp", "formats": list(step.formats),
                            "timezone": step.timezone, "if": _exists(step.field)}}]
    if step.year_missing:
        processors += [
            {"set": {"field": "_tmp.ingest_time", "value": "{{{_ingest.timestamp}}}", "if": _exists(step.field)}},
            {"script": {"lang": "painless", "source": YEAR_ROLLOVER_SCRIPT, "if": _exists(step.field)}},
        ]
    return processors


def _duration(step):
    return [{"script": {"lang": "painless", "source": DURATION_SCRIPT, "if": _exists(step.field), "params": {
        "source": step.field.split("."), "target": step.target.split("."),
        "units": {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1000000, "s": 1000000000}}}}]


_RENDERERS = {StripAnsi: _strip_ansi, ParseJson: _json, GrokStep: _grok, KeyValue: _kv, Rename: _rename,
              MapValues: _map, ParseDate: _date, ParseDuration: _duration}


def ingest_pipeline(source):
    labels = [{"set": {"field": "service.name", "value": source.agent}},
              {"set": {"field": "labels.agent", "value": source.agent}},
              {"set": {"field": "labels.component", "value": source.component}}]
    if source.environment:
        labels.append({"set": {"field": "service.environment", "value": source.environment}})
    processors = list(labels)
    for step in source.logs.steps:
        processors += _RENDERERS[type(step)](step)
    cleanup = {"remove": {"field": list(TEMPORARY_FIELDS), "ignore_missing": True}}
    return {
        "description": f"llmagentos.ops: logs of {source.agent}/{source.component} ({source.logs.format_name} format)",
        "_meta": {"managed_by": "llmagentos.ops", "log_format": source.logs.format_name},
        "processors": processors + [cleanup],
        "on_failure": [
            {"set": {"field": "error.message", "value": "{{{_ingest.on_failure_processor_type}}}: {{{_ingest.on_failure_message}}}"}},
            {"set": {"field": "event.kind", "value": "pipeline_error"}},
            {"append": {"field": "tags", "value": [FAILURE_TAG]}},
            cleanup,
        ],
    }


def ingest_pipelines(sources):
    """{pipeline id: pipeline body} for every log source."""
    return {source.pipeline_id: ingest_pipeline(source) for source in sources}


def pipeline_samples(sources):
    """{pipeline id: [{line, expect}]}: every sample a source's pipeline was proven against, for
    the elasticsearch_ingest_pipeline module to run through Elasticsearch's own _simulate."""
    return {source.pipeline_id: [{"line": line, "expect": dict(expect)} for line, expect in source.logs.samples]
            for source in sources}
