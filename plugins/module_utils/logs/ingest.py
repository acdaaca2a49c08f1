# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Elasticsearch ingest pipelines, one per component with logs: the format's steps as processors
(a.b field syntax), and an on_failure handler that keeps the event, records error.message and
tags it, so a line no pattern reads is stored rather than lost."""

from __future__ import annotations

from .grok import with_field_style
from .model import DATASET
from .redaction import CHECKS, DATA_CLASS_FIELD, PROMPT_DATA_CLASS, REDACTED_FIELD, SAMPLES as REDACTION_SAMPLES
from .steps import (FAILURE_TAG, TEMPORARY_FIELDS, ANSI_ESCAPE, GrokStep, KeyValue, MapValues, ParseDate, ParseDuration,
                    ParseJson, Redact, Rename, StripAnsi, stored)

REDACTION_TAG = "llmagentos-redaction"
REDACTION_FAILURE_TAG = "llmagentos_redaction_failure"
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


# The checks of redaction.CHECKS in Painless, reading the matched text `s`.
_PAINLESS_CHECKS = {
    "luhn": """boolean luhn(String s) {
  int total = 0; boolean twice = false;
  for (int i = s.length() - 1; i >= 0; --i) {
    int c = s.charAt(i);
    if (c < 48 || c > 57) { continue; }
    int d = (c - 48) * (twice ? 2 : 1);
    total += d > 9 ? d - 9 : d; twice = !twice;
  }
  return total % 10 == 0;
}""",
    "iban": """boolean iban(String s) {
  String t = s.replace(' ', '');
  if (t.length() < 15 || t.length() > 34) { return false; }
  String r = t.substring(4) + t.substring(0, 4);
  int rest = 0;
  for (int i = 0; i < r.length(); ++i) {
    int c = r.charAt(i);
    rest = c >= 65 ? (rest * 100 + c - 55) % 97 : (rest * 10 + c - 48) % 97;
  }
  return rest == 1;
}""",
    "ipv4": """boolean ipv4(String s) { return !s.startsWith('127.') && !s.equals('0.0.0.0'); }""",
    "ipv6": """boolean ipv6(String s) {
  int compressed = s.indexOf('::');
  if (compressed >= 0 && s.indexOf('::', compressed + 1) >= 0) { return false; }
  int groups = 0; boolean digit = false; boolean inside = false;
  for (int i = 0; i < s.length(); ++i) {
    int c = s.charAt(i);
    if (c == 58) { inside = false; continue; }
    if (!inside) { groups++; inside = true; }
    if (c >= 48 && c <= 57) { digit = true; }
  }
  if (compressed >= 0 ? groups > 7 : groups != 8) { return false; }
  return digit && !s.equals('::1') && !s.equals('0:0:0:0:0:0:0:1');
}""",
}
if set(_PAINLESS_CHECKS) != set(CHECKS):
    raise AssertionError("every check of redaction.CHECKS needs its Painless twin")

# Walks a field's value (a string, or the strings inside a list or an object), finds the holder
# of a field given as a path (or as one dotted key at the root, as a JSON line may have it).
_PAINLESS_BODY = """
def walk(def v, Set found) {
  if (v instanceof String) { return redact((String) v, found); }
  if (v instanceof List) { for (int i = 0; i < v.size(); ++i) { v.set(i, walk(v.get(i), found)); } return v; }
  if (v instanceof Map) { for (def k : new ArrayList(v.keySet())) { v.put(k, walk(v.get(k), found)); } return v; }
  return v;
}
def holder(Map root, def field) {
  if (root.containsKey(field.dotted)) { return root; }
  def node = root;
  for (int i = 0; i < field.path.size() - 1; ++i) { node = node instanceof Map ? node.get(field.path.get(i)) : null; }
  return node instanceof Map ? node : null;
}
String leaf(Map root, def field) {
  return root.containsKey(field.dotted) ? field.dotted : field.path.get(field.path.size() - 1);
}
Set found = new TreeSet();
boolean prompt = false;
for (def field : params.prompt_fields) {
  def h = holder(ctx, field); String k = leaf(ctx, field);
  if (h == null || h.get(k) == null) { continue; }
  prompt = true;
  if (params.prompt_mode == 'keep-redacted') { continue; }
  def raw = h.remove(k);
  if (raw instanceof String && raw.length() > 0 && ctx.message instanceof String) {
    ctx.message = ctx.message.replace(raw, params.prompt_placeholder);
  }
  if (params.prompt_mode == 'hash' && raw instanceof String) { h.put(k, raw.sha256()); }
}
for (def field : params.fields) {
  def h = holder(ctx, field); String k = leaf(ctx, field);
  if (h != null && h.get(k) != null) { h.put(k, walk(h.get(k), found)); }
}
if (!found.isEmpty() || prompt) {
  if (!(ctx.llmagentos instanceof Map)) { ctx.llmagentos = new HashMap(); }
  if (!found.isEmpty()) { ctx.llmagentos.redacted = new ArrayList(found); }
  if (prompt) { ctx.llmagentos.data_class = params.data_class; }
}
"""


def _painless_regex(regex):
    """A Painless regex literal: the Java pattern between slashes, its own slashes escaped."""
    return "/" + regex.replace("/", "\\/") + "/"


def redaction_script(redaction):
    """The Painless source of `redaction`. Painless compiles regular expressions only from
    literals, so each rule is a function of the script; checks are written as functions too."""
    checks = sorted({rule.check for kind in redaction.kinds for rule in kind.rules if rule.check})
    functions = [_PAINLESS_CHECKS[name] for name in checks]
    calls = []
    for kind_index, kind in enumerate(redaction.kinds):
        for rule_index, rule in enumerate(kind.rules):
            name = f"rule{kind_index}_{rule_index}"
            accept = f"if (!{rule.check}(m.group(2))) {{ continue; }} " if rule.check else ""
            functions.append(
                f"String {name}(String t, Set found) {{\n"
                f"  def m = {_painless_regex(rule.regex)}.matcher(t); StringBuilder out = null; int last = 0;\n"
                f"  while (m.find()) {{ {accept}if (out == null) {{ out = new StringBuilder(); }}\n"
                f"    out.append(t.substring(last, m.start(2))).append('{kind.placeholder}'); last = m.end(2); }}\n"
                f"  if (out == null) {{ return t; }}\n"
                f"  found.add('{kind.name}'); return out.append(t.substring(last)).toString();\n}}")
            calls.append(f"t = {name}(t, found);")
    functions.append("String redact(String t, Set found) { " + " ".join(calls) + " return t; }")
    return "\n".join(functions) + _PAINLESS_BODY


def _fields(fields):
    return [{"path": field.split("."), "dotted": field} for field in fields]


def _redact(step):
    redaction = step.redaction
    removed = list(dict.fromkeys(redaction.fields + redaction.prompt_fields))
    # The kinds' regular expressions are the script's literals; they stay in params for readers.
    params = dict(redaction.settings(), fields=_fields(redaction.redacted_fields),
                  prompt_fields=_fields(redaction.prompt_fields))
    # Fails closed: a text the script could not redact is not stored.
    on_failure = [{"remove": {"field": removed, "ignore_missing": True}},
                  {"append": {"field": "tags", "value": [REDACTION_FAILURE_TAG]}}]
    return [{"script": {"lang": "painless", "tag": REDACTION_TAG, "source": redaction_script(redaction), "params": params,
                        "on_failure": on_failure}}]


def _route(prompt_dataset):
    """Events that carried a prompt go to their own data stream; reroute ends the pipeline, so it
    comes after the cleanup."""
    return {"reroute": {"dataset": prompt_dataset, "if": f"{_access(DATA_CLASS_FIELD)} == '{PROMPT_DATA_CLASS}'"}}


_RENDERERS = {StripAnsi: _strip_ansi, ParseJson: _json, GrokStep: _grok, KeyValue: _kv, Rename: _rename,
              MapValues: _map, ParseDate: _date, ParseDuration: _duration}


def prompts_dataset(dataset):
    """The dataset of the events that carried a prompt, kept apart and for a shorter time."""
    return f"{dataset}.prompts"


def ingest_pipeline(source, dataset=DATASET):
    labels = [{"set": {"field": "service.name", "value": source.agent}},
              {"set": {"field": "labels.agent", "value": source.agent}},
              {"set": {"field": "labels.component", "value": source.component}}]
    if source.environment:
        labels.append({"set": {"field": "service.environment", "value": source.environment}})
    processors = list(labels)
    privacy = []
    for step in source.logs.steps:
        if isinstance(step, Redact):
            privacy = _redact(step)
        else:
            processors += _RENDERERS[type(step)](step)
    cleanup = {"remove": {"field": list(TEMPORARY_FIELDS), "ignore_missing": True}}
    route = [_route(prompts_dataset(dataset))] if privacy else []
    return {
        "description": f"llmagentos.ops: logs of {source.agent}/{source.component} ({source.logs.format_name} format)",
        "_meta": {"managed_by": "llmagentos.ops", "log_format": source.logs.format_name},
        "processors": processors + privacy + [cleanup] + route,
        # A line no step could read is stored, redacted like any other (the failure's message
        # quotes the line).
        "on_failure": [
            {"set": {"field": "error.message", "value": "{{{_ingest.on_failure_processor_type}}}: {{{_ingest.on_failure_message}}}"}},
            {"set": {"field": "event.kind", "value": "pipeline_error"}},
            {"append": {"field": "tags", "value": [FAILURE_TAG]}},
        ] + privacy + [cleanup] + route,
    }


def ingest_pipelines(sources, dataset=DATASET):
    """{pipeline id: pipeline body} for every log source."""
    return {source.pipeline_id: ingest_pipeline(source, dataset) for source in sources}


def _redaction_samples(steps):
    """The redaction's planted secrets and look-alikes, with the message, the kinds and the tags the
    compiler stores for them."""
    samples = []
    for _kind, line, _secret in REDACTION_SAMPLES:
        event = stored(steps, line)
        samples.append({"line": line, "expect": {field: event[field] for field in ("message", REDACTED_FIELD, "tags")
                                                 if field in event}})
    return samples


def pipeline_samples(sources):
    """{pipeline id: [{line, expect}]}: every sample a source's pipeline was proven against, and
    the redaction's planted secrets, for the elasticsearch_ingest_pipeline module to run through
    Elasticsearch's own _simulate."""
    return {source.pipeline_id: [{"line": line, "expect": dict(expect)} for line, expect in source.logs.samples]
            + _redaction_samples(source.logs.steps) for source in sources}
