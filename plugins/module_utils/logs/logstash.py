# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""One Logstash pipeline for every agent's logs: beats input, one branch per component (chosen by
the labels Filebeat sets) with the format's steps as filters ([a][b] field syntax), and an
Elasticsearch data stream output. Failures are tagged and the event kept, as in the ingest pipelines."""

from __future__ import annotations

import json

from .grok import Grok, bracketed, with_field_style
from .ingest import FAILURE_TAG, LOGFMT_FIELD_SPLIT, REDACTION_FAILURE_TAG, prompts_dataset
from .model import DATASET
from .redaction import DATA_CLASS_FIELD, PROMPT_DATA_CLASS, REDACTED_FIELD
from .steps import (TEMPORARY_FIELDS, ANSI_ESCAPE, GrokStep, KeyValue, MapValues, ParseDate, ParseDuration, ParseJson,
                    Redact, Rename, StripAnsi)

# Where the logstash role installs roles/logstash/files/llmagentos_redact.rb.
REDACTION_SCRIPT = "/etc/logstash/llmagentos_redact.rb"
# The ids of the filters that count redactions start with it (the statistics writer of
# roles/common/files/elastic_stats_textfile.py reads them).
REDACTION_COUNTER_PREFIX = "llmagentos-redacted"

# Logstash's own default is 30 s per event; Elasticsearch's grok watchdog stops at 1 s.
GROK_TIMEOUT_MILLIS = 1000
# Same rule as the ingest pipelines' year rollover script.
YEAR_ROLLOVER_RUBY = (
    "t = event.get('@timestamp').time.utc; "
    "if t > Time.now.utc + 86400 then "
    "event.set('@timestamp', LogStash::Timestamp.new(Time.utc(t.year - 1, t.month, t.day, t.hour, t.min, t.sec + t.subsec))) end"
)
DURATION_RUBY = (
    "v = event.get('{source}').to_s.strip; "
    "m = /\\A(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+(?:\\.\\d+)?) ?(ns|us|µs|μs|ms|s))?\\z/.match(v); "
    "if m.nil? || (m[1].nil? && m[2].nil? && m[3].nil?) then event.tag('{tag}') else "
    "units = {{ 'ns' => 1, 'us' => 1e3, 'µs' => 1e3, 'μs' => 1e3, 'ms' => 1e6, 's' => 1e9 }}; "
    "nanos = m[1].to_i * 3600e9 + m[2].to_i * 60e9 + (m[3].nil? ? 0 : m[3].to_f * units[m[4]]); "
    "event.set('{target}', nanos.round) end"
)


class LogstashValueError(ValueError):
    """A value that a Logstash configuration string cannot hold."""


def quote(text):
    """A Logstash double-quoted string; without config.support_escapes backslashes are kept as
    written, so a regular expression needs only its double quotes escaped. A backslash just
    before the closing quote would escape it, so text ending in one cannot be written."""
    text = str(text)
    if text.endswith("\\"):
        raise LogstashValueError(f"{text!r} ends with a backslash, which a Logstash string cannot end with")
    return '"' + text.replace('"', '\\"') + '"'


def regex_text(regex):
    """`regex` without escaped double quotes (\\" means " in a regular expression): in a Logstash
    string \\" is the only escape there is, so an escaped quote would come out as \\\\". A final
    escaped backslash becomes the class [\\\\], which matches the same and ends the string cleanly."""
    if regex.endswith("\\\\") and (len(regex) - len(regex.rstrip("\\"))) % 2 == 0:
        regex = regex[:-2] + "[\\\\]"
    out, index = [], 0
    while index < len(regex):
        if regex[index] == "\\" and index + 1 < len(regex):
            out.append('"' if regex[index + 1] == '"' else regex[index:index + 2])
            index += 2
        else:
            out.append(regex[index])
            index += 1
    return "".join(out)


def _array(items):
    return "[" + ", ".join(quote(item) for item in items) + "]"


def _hash(pairs, indent):
    pad = " " * indent
    return "{\n" + "".join(f"{pad}  {quote(key)} => {quote(value)}\n" for key, value in pairs) + pad + "}"


def _block(name, options, indent):
    pad = " " * indent
    body = "".join(f"{pad}  {key} => {value}\n" for key, value in options)
    return f"{pad}{name} {{\n{body}{pad}}}\n"


def _inside(condition, block, indent):
    pad = " " * indent
    inner = "".join(f"{pad}  {line}\n" if line else "\n" for line in block.rstrip("\n").split("\n"))
    return f"{pad}if {condition} {{\n{inner}{pad}}}\n"


def _when(field, block, indent):
    return _inside(bracketed(field), block, indent)


def _strip_ansi(step, indent):
    return _block("mutate", [("gsub", _array([bracketed(step.field), ANSI_ESCAPE, ""]))], indent)


def _json(step, indent):
    options = [("source", quote(bracketed(step.field)))]
    if step.target:
        options.append(("target", quote(bracketed(step.target))))
    options.append(("tag_on_failure", _array(["_jsonparsefailure", FAILURE_TAG])))
    return _block("json", options, indent)


def _grok(step, original_indent):
    indent = original_indent if step.required else 0
    patterns = [regex_text(with_field_style(pattern, "bracketed")) for pattern in step.patterns]
    captured = Grok(step.patterns, dict(step.pattern_definitions)).fields()
    options = [("match", "{ " + quote(bracketed(step.field)) + " => " + _array(patterns) + " }")]
    if step.pattern_definitions:
        options.append(("pattern_definitions", _hash(
            [(name, regex_text(with_field_style(regex, "bracketed"))) for name, regex in step.pattern_definitions],
            indent + 2)))
    # Without overwrite, a capture into an existing field (message) would make it an array.
    options.append(("overwrite", _array(bracketed(field) for field in captured)))
    options.append(("tag_on_failure", _array(["_grokparsefailure", FAILURE_TAG] if step.required else [])))
    # An event that takes longer is tagged _groktimeout and kept: no line can hold a worker.
    options.append(("timeout_millis", str(GROK_TIMEOUT_MILLIS)))
    # The ECS edition of the pattern library whatever the pipeline's ecs_compatibility says.
    options.append(("ecs_compatibility", quote("v8")))
    block = _block("grok", options, indent)
    return block if step.required else _when(step.field, block, original_indent)


def _kv(step, indent):
    return _when(step.field, _block("kv", [
        ("source", quote(bracketed(step.field))), ("target", quote(bracketed(step.target))),
        ("field_split_pattern", quote(LOGFMT_FIELD_SPLIT)), ("value_split", quote("=")),
        ("trim_value", quote('"')),
    ], 0), indent)


def _rename(step, indent):
    pairs = [(bracketed(source), bracketed(destination)) for source, destination in step.pairs]
    return _block("mutate", [("rename", _hash(pairs, indent + 2))], indent)


def _map(step, indent):
    return _when(step.field, _block("translate", [
        ("source", quote(bracketed(step.field))), ("target", quote(bracketed(step.target))),
        ("dictionary", _hash(step.mapping, 2)), ("fallback", quote("%{" + bracketed(step.field) + "}")),
    ], 0), indent)


def _date(step, indent):
    block = _block("date", [
        ("match", _array([bracketed(step.field)] + list(step.formats))), ("timezone", quote(step.timezone)),
        ("target", quote("@timestamp")), ("tag_on_failure", _array(["_dateparsefailure", FAILURE_TAG])),
    ], 0)
    if step.year_missing:
        block += _block("ruby", [("code", quote(YEAR_ROLLOVER_RUBY))], 0)
    return _when(step.field, block, indent)


def _duration(step, indent):
    code = DURATION_RUBY.format(source=bracketed(step.field), target=bracketed(step.target), tag=FAILURE_TAG)
    return _when(step.field, _block("ruby", [("code", quote(code))], 0), indent)


def _plain_regex(regex):
    """`regex` with its double quotes, escaped dollar signs and escaped backslashes written \\x22,
    \\x24 and \\x5c, which Java, Ruby and Python read alike: in JSON inside a Logstash string a
    quote would need escapes Logstash reads its own way, and ${...} would be taken for an
    environment variable (a bare $, an anchor, is not in the grammar)."""
    out, index = [], 0
    while index < len(regex):
        if regex[index] == "\\" and index + 1 < len(regex):
            escaped = regex[index + 1]
            out.append({'"': "\\x22", "$": "\\x24", "\\": "\\x5c"}.get(escaped, "\\" + escaped))
            index += 2
        else:
            out.append("\\x22" if regex[index] == '"' else regex[index])
            index += 1
    return "".join(out)


def ruby_settings(redaction):
    """The JSON the redaction script reads from its script_params."""
    settings = redaction.settings()
    for kind in settings["kinds"]:
        for rule in kind["rules"]:
            rule["regex"] = _plain_regex(rule["regex"])
    return json.dumps(settings, separators=(",", ":"))


def redaction_counter_id(agent, component, kind):
    """The id of the filter that counts a component's events with secrets of `kind`: Logstash's
    node stats report its events, which the logstash role's statistics writer exports as
    logstash_redacted_events_total{agent, component, kind}."""
    return f"{REDACTION_COUNTER_PREFIX}/{agent}/{component}/{kind}"


def _redact(step, indent, source, script, dataset):
    """The redaction script run on every event, failed parses included; a no-op filter per kind
    counts the events it redacted; events that carried a prompt go to their own data stream (the
    output routes by [data_stream][dataset])."""
    text = _block("ruby", [
        ("id", quote(f"{source.pipeline_id}-redaction")), ("path", quote(script)),
        ("script_params", _hash([("settings", ruby_settings(step.redaction))], indent + 2)),
        ("tag_on_exception", quote(REDACTION_FAILURE_TAG)),
    ], indent)
    for kind in step.redaction.kinds:
        counter = _block("mutate", [("id", quote(redaction_counter_id(source.agent, source.component, kind.name)))], 0)
        text += _inside(f"{quote(kind.name)} in {bracketed(REDACTED_FIELD)}", counter, indent)
    route = _block("mutate", [("replace", _hash([("[data_stream][dataset]", prompts_dataset(dataset))], 2))], 0)
    return text + _inside(f"{bracketed(DATA_CLASS_FIELD)} == {quote(PROMPT_DATA_CLASS)}", route, indent)


_RENDERERS = {StripAnsi: _strip_ansi, ParseJson: _json, GrokStep: _grok, KeyValue: _kv, Rename: _rename,
              MapValues: _map, ParseDate: _date, ParseDuration: _duration}


def _source_filters(source, indent, script, dataset):
    labels = [("[service][name]", source.agent)]
    if source.environment:
        labels.append(("[service][environment]", source.environment))
    text = _block("mutate", [("replace", _hash(labels, indent + 2))], indent)
    text += steps_text(source.logs.steps, indent)
    text += _block("mutate", [("remove_field", _array(bracketed(field) for field in TEMPORARY_FIELDS))], indent)
    for step in source.logs.steps:
        if isinstance(step, Redact):
            text += _redact(step, indent, source, script, dataset)
    return text


def steps_text(steps, indent=4):
    """The parsing filters of `steps` (redaction is added per source). Raises LogstashValueError
    for a value no Logstash string can hold, so the description's validator can report it at its
    field."""
    return "".join(_RENDERERS[type(step)](step, indent) for step in steps if not isinstance(step, Redact))


def logstash_pipeline(sources, elasticsearch_hosts, beats_port=5044, beats_ssl=None, elasticsearch_ssl_ca=None,
                      api_key_variable="LLMAGENTOS_ES_API_KEY", dataset=DATASET, beats_ssl_client_ca=None,
                      redaction_script=REDACTION_SCRIPT):
    """The pipeline configuration text. `beats_ssl` is (certificate path, key path) or None;
    with `beats_ssl_client_ca`, only shippers whose certificate that CA signed are let in. The API
    key comes from the Logstash keystore entry `api_key_variable`; `redaction_script` is where the
    redaction script lies on the Logstash host."""
    if isinstance(beats_port, bool) or not isinstance(beats_port, int) or not 0 < beats_port < 65536:
        raise LogstashValueError(f"beats_port must be a port number from 1 to 65535, got {beats_port!r}")
    beats = [("port", str(beats_port))]
    if beats_ssl:
        beats += [("ssl_enabled", "true"), ("ssl_certificate", quote(beats_ssl[0])), ("ssl_key", quote(beats_ssl[1]))]
        if beats_ssl_client_ca:
            beats += [("ssl_client_authentication", quote("required")),
                      ("ssl_certificate_authorities", _array([beats_ssl_client_ca]))]
    text = "# Generated by llmagentos.ops from llmagentos_agents; edit the description, not this file.\n"
    text += "input {\n" + _block("beats", beats, 2) + "}\n\nfilter {\n"
    for index, source in enumerate(sources):
        keyword = "if" if index == 0 else "} else if"
        try:
            text += (f"  {keyword} [labels][agent] == {quote(source.agent)} and [labels][component] == {quote(source.component)} {{\n"
                     + _source_filters(source, 4, redaction_script, dataset))
        except LogstashValueError as error:
            raise LogstashValueError(f"the logs of {source.agent}/{source.component}: {error}") from None
    if sources:
        text += "  }\n"
    output = [("hosts", _array(elasticsearch_hosts)), ("data_stream", quote("true")), ("data_stream_type", quote("logs")),
              ("data_stream_dataset", quote(dataset)), ("api_key", quote("${" + api_key_variable + "}"))]
    if elasticsearch_ssl_ca:
        output += [("ssl_enabled", "true"), ("ssl_certificate_authorities", _array([elasticsearch_ssl_ca]))]
    text += "}\n\noutput {\n" + _block("elasticsearch", output, 2) + "}\n"
    return text
