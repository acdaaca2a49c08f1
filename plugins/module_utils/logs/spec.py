# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Reads the `logs` part of a component and proves its sample lines against the pipeline.

A sample that does not parse, or parses into a different value than it expects, is a problem of
the description like any other: it names the sample's field path, the line, the pattern that
matched (or the patterns tried) and the first field that differs.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone as fixed_timezone

from ..regex import re2_problem
from .formats import LOG_FORMATS
from .index import field_conflicts
from .logstash import LogstashValueError, steps_text
from .model import Logs
from .grok import DOTTED_FIELD, Grok, GrokError
from .redaction import (KIND_NAMES, KINDS, PROMPT_FIELDS, PROMPT_MODES, SAMPLES as REDACTION_SAMPLES, TEXT_FIELDS, Redaction,
                        own_kind, pattern_problem)
from .steps import GrokStep, ParseDate, Redact, StripAnsi, Failure, run, stored

_KEYS = ("paths", "format", "grok", "pattern_definitions", "timestamp_formats", "multiline", "timezone", "samples", "redaction")
_REDACTION_KEYS = ("disable", "patterns", "prompts", "prompt_fields", "fields")
_OWN_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
MAX_SAMPLE_LENGTH = 10_000
_MULTILINE_KEYS = ("type", "pattern", "negate", "match", "max_lines", "timeout", "count_lines")


# Go's time.ParseDuration, as Filebeat reads it (no days).
_GO_DURATION = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+\Z")


def _known_timezone(name):
    if name in ("UTC", "Etc/UTC", "Z"):
        return True
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # controller-side only
    except ImportError:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _string_list(value, path, problems, what):
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        problems.add(path, f"must be a non-empty list of {what}")
        return None
    return tuple(value)


def parse_logs(data, path, problems):
    """The Logs of one component, or None after adding problems."""
    if problems.mapping(data, path) is None:
        return None
    before = len(problems.items)
    problems.unknown_keys(data, _KEYS, path)
    paths = _string_list(data.get("paths"), f"{path}.paths", problems, "absolute file paths or globs")
    for index, item in enumerate(paths or ()):
        if not item.startswith("/"):
            problems.add(f"{path}.paths[{index}]", f"{item!r} must be an absolute path")
    preset = _format(data, path, problems)
    patterns = _string_list(data["grok"], f"{path}.grok", problems, "grok patterns") if "grok" in data else ()
    definitions = _definitions(data.get("pattern_definitions", {}), f"{path}.pattern_definitions", problems)
    main = _main_grok(preset) if preset else GrokStep("message", ())
    if patterns and main is None:
        problems.add(f"{path}.grok", f"format {preset.name!r} is not read with grok; leave format out to use your own patterns")
    elif patterns and definitions is not None:
        _check_grok(patterns, dict(main.pattern_definitions, **definitions), f"{path}.grok", problems)
    formats = ("ISO8601",)
    if "timestamp_formats" in data:
        formats = _string_list(data["timestamp_formats"], f"{path}.timestamp_formats", problems,
                               "Java date patterns such as 'yyyy-MM-dd HH:mm:ss,SSS' or ISO8601") or formats
    zone = data.get("timezone", "UTC")
    if not isinstance(zone, str) or not _known_timezone(zone):
        problems.add(f"{path}.timezone", f"{zone!r} is not a time zone name such as UTC or Europe/Berlin")
    multiline = _multiline(data.get("multiline"), f"{path}.multiline", preset, problems)
    redaction = _redaction(data.get("redaction", {}), f"{path}.redaction", problems)
    if len(problems.items) > before:
        return None
    steps = _steps(preset, patterns, definitions or {}, formats, formats if "timestamp_formats" in data else (), zone)
    steps += (Redact(redaction),)
    for field, inner in field_conflicts(steps):
        problems.add(f"{path}.grok", f"captures into {field!r}, but {inner!r} lives inside it (an object in the index); "
                                     "capture into another field")
    try:
        steps_text(steps)
    except LogstashValueError as error:
        problems.add(path, f"cannot be written into the Logstash pipeline: {error}")
    if len(problems.items) > before:
        return None
    _check_redaction(steps, redaction, f"{path}.redaction", problems)
    logs = Logs(paths, preset.name if preset else "custom", steps, multiline, zone,
                include_lines=preset.include_lines if preset else ())
    samples = _check_samples(logs, data.get("samples", []), f"{path}.samples", problems)
    # The format's samples that hold under the component's redaction (a prompt hashed or dropped
    # is not the prompt a sample expects).
    own = tuple((line, tuple(expect.items())) for line, expect in (preset.samples if preset else ())
                if sample_problem(steps, line, expect) is None)
    return dataclasses.replace(logs, samples=own + samples)


def _field_list(value, path, problems):
    if not isinstance(value, list) or not all(isinstance(item, str) and DOTTED_FIELD.match(item) for item in value):
        problems.add(path, f"must be a list of dotted field names such as gen_ai.prompt, got {value!r}")
        return ()
    return tuple(value)


def _redaction(data, path, problems):
    """The component's Redaction: every built-in kind unless disabled, then its own patterns."""
    if problems.mapping(data, path) is None:
        return None
    problems.unknown_keys(data, _REDACTION_KEYS, path)
    disabled = data.get("disable", [])
    if not isinstance(disabled, list) or not all(isinstance(name, str) for name in disabled):
        problems.add(f"{path}.disable", f"must be a list of kinds ({', '.join(KIND_NAMES)})")
        disabled = []
    for index, name in enumerate(disabled):
        if name not in KIND_NAMES:
            problems.add(f"{path}.disable[{index}]", f"unknown kind {name!r}; kinds: {', '.join(KIND_NAMES)}")
    kinds = [kind for kind in KINDS if kind.name not in disabled]
    own = data.get("patterns", {})
    if problems.mapping(own, f"{path}.patterns") is not None:
        for name, regex in own.items():
            if not isinstance(name, str) or not _OWN_KIND_NAME.match(name) or name in KIND_NAMES:
                problems.add(f"{path}.patterns", f"{name!r} must be a new kind name: lower case letters, digits and _, "
                                                 f"not one of {', '.join(KIND_NAMES)}")
                continue
            problem = pattern_problem(regex)
            if problem:
                problems.add(f"{path}.patterns.{name}", problem)
            else:
                kinds.append(own_kind(name, regex))
    mode = data.get("prompts", "keep-redacted")
    if mode not in PROMPT_MODES:
        problems.add(f"{path}.prompts", f"must be one of {', '.join(PROMPT_MODES)}, got {mode!r}")
    prompt_fields = PROMPT_FIELDS
    if "prompt_fields" in data:
        prompt_fields += _field_list(data["prompt_fields"], f"{path}.prompt_fields", problems)
    fields = TEXT_FIELDS + (_field_list(data["fields"], f"{path}.fields", problems) if "fields" in data else ())
    return Redaction(tuple(kinds), tuple(dict.fromkeys(fields)), tuple(dict.fromkeys(prompt_fields)), mode)


def _check_redaction(steps, redaction, path, problems):
    """Each kind's planted secret must reach no field of the stored event (a capture of the
    component's own grok into a field the redaction does not cover would keep it)."""
    enabled = {kind.name for kind in redaction.kinds}
    for kind, line, secret in REDACTION_SAMPLES:
        if secret is None or kind not in enabled:
            continue
        event = stored(steps, line)
        kept = sorted(field for field, value in event.items() if secret in str(value))
        if kept:
            problems.add(path, f"the {kind} sample {line!r} would be stored with {secret!r} in {', '.join(kept)}; "
                               "add those fields to redaction.fields")


def _format(data, path, problems):
    name = data.get("format")
    if name is None:
        if "grok" not in data:
            problems.add(path, f"give a format (one of {', '.join(LOG_FORMATS)}) or your own grok patterns")
        return None
    if not isinstance(name, str) or name not in LOG_FORMATS:
        problems.add(f"{path}.format", f"unknown log format {name!r}; known formats: {', '.join(LOG_FORMATS)}")
        return None
    return LOG_FORMATS[name]


def _definitions(value, path, problems):
    if not isinstance(value, dict) or not all(isinstance(key, str) and key.isidentifier() and isinstance(regex, str)
                                              for key, regex in value.items()):
        problems.add(path, "must map pattern names (letters, digits, _) to regular expressions")
        return None
    return value


def _check_grok(patterns, definitions, path, problems):
    for index, pattern in enumerate(patterns):
        try:
            Grok([pattern], definitions)
        except GrokError as error:
            problems.add(f"{path}[{index}]", str(error))


def _multiline(value, path, preset, problems):
    if value is None or value == {}:
        return (("type", "pattern"), ("pattern", preset.line_start), ("negate", True), ("match", "after")) \
            if preset is not None and preset.line_start else None
    if value is False:
        return None
    if not isinstance(value, dict):
        problems.add(path, "must be Filebeat multiline settings (pattern, negate, match...) or false")
        return None
    problems.unknown_keys(value, _MULTILINE_KEYS, path)
    kind = value.get("type", "pattern")
    if not isinstance(kind, str) or kind not in ("pattern", "count", "while_pattern"):
        problems.add(f"{path}.type", f"must be pattern, count or while_pattern, got {kind!r}")
    if kind != "count" and not isinstance(value.get("pattern"), str):
        problems.add(f"{path}.pattern", "is required: the regular expression of a line that starts (or continues) an event")
    elif isinstance(value.get("pattern"), str):
        problem = re2_problem(value["pattern"])
        if problem:
            problems.add(f"{path}.pattern", problem)
    if value.get("match", "after") not in ("after", "before"):
        problems.add(f"{path}.match", f"must be after or before, got {value.get('match')!r}")
    if not isinstance(value.get("negate", False), bool):
        problems.add(f"{path}.negate", f"must be true or false, got {value.get('negate')!r}")
    for key in ("max_lines", "count_lines"):
        if key in value and (isinstance(value[key], bool) or not isinstance(value[key], int) or value[key] < 1):
            problems.add(f"{path}.{key}", f"must be a positive whole number, got {value[key]!r}")
    if "timeout" in value and (not isinstance(value["timeout"], str) or not _GO_DURATION.match(value["timeout"])):
        problems.add(f"{path}.timeout", f"must be a duration such as 5s or 1m30s, got {value['timeout']!r}")
    return tuple(sorted(dict(value, type=kind).items()))


def _steps(preset, patterns, definitions, formats, user_formats, zone):
    """The pipeline steps; `user_formats` are the description's timestamp_formats, tried before a
    preset's own (or added for a preset that reads no time)."""
    if preset is None:
        steps = (StripAnsi(), GrokStep("message", patterns, tuple(sorted(definitions.items()))), ParseDate(formats))
    else:
        steps = preset.steps
        if patterns:
            steps = _prepend_patterns(steps, patterns, definitions)
        if user_formats and not any(isinstance(step, ParseDate) for step in steps):
            steps += (ParseDate(user_formats),)
        elif user_formats:
            steps = tuple(dataclasses.replace(step, formats=tuple(dict.fromkeys(user_formats + step.formats)))
                          if isinstance(step, ParseDate) else step for step in steps)
    return tuple(dataclasses.replace(step, timezone=zone) if isinstance(step, ParseDate) else step for step in steps)


def _main_grok(preset):
    return next((step for step in preset.steps if isinstance(step, GrokStep) and step.required), None)


def _prepend_patterns(steps, patterns, definitions):
    """The user's patterns are tried before the preset's own, in its main grok step."""
    result, done = [], False
    for step in steps:
        if isinstance(step, GrokStep) and step.required and not done:
            merged = dict(step.pattern_definitions)
            merged.update(definitions)
            step = dataclasses.replace(step, patterns=tuple(patterns) + step.patterns,
                                       pattern_definitions=tuple(sorted(merged.items())))
            done = True
        result.append(step)
    return tuple(result)


def _check_samples(logs, samples, path, problems):
    """The samples that parse as they expect, as (line, expect) pairs; the others are problems."""
    if not isinstance(samples, list):
        problems.add(path, f"must be a list of {{line, expect}} mappings, got {type(samples).__name__}")
        return ()
    now = datetime.now(fixed_timezone.utc)
    proven = []
    for index, sample in enumerate(samples):
        sample_path = f"{path}[{index}]"
        if not isinstance(sample, dict) or not isinstance(sample.get("line"), str) or \
                not isinstance(sample.get("expect", {}), dict) or set(sample) - {"line", "expect"}:
            problems.add(sample_path, "must be a mapping with line (a log line) and expect (field: value)")
            continue
        if len(sample["line"]) > MAX_SAMPLE_LENGTH:
            problems.add(f"{sample_path}.line", f"is longer than {MAX_SAMPLE_LENGTH:,} characters; give a real log line")
            continue
        message = sample_problem(logs.steps, sample["line"], sample.get("expect", {}), now)
        if message:
            problems.add(sample_path, message)
        else:
            proven.append((sample["line"], tuple(sample.get("expect", {}).items())))
    return tuple(proven)


def sample_problem(steps, line, expect, now=None):
    """Why `line` does not parse into `expect` through `steps`, or None when it does."""
    shown = repr(line) if len(line) <= 200 else repr(line[:200]) + f"... ({len(line):,} characters)"
    try:
        event, pattern = run(steps, line, now)
    except Failure as failure:
        if isinstance(failure.step, GrokStep):
            tried = "; ".join(repr(pattern) for pattern in failure.step.patterns)
            return f"line {shown} matches none of the patterns: {tried}"
        return f"line {shown}: {failure}"
    for field, expected in expect.items():
        actual = event.get(field)
        if actual != expected or isinstance(actual, bool) != isinstance(expected, bool):
            got = "is missing" if field not in event else f"is {actual!r}"
            how = f"matched pattern {pattern!r}" if pattern else "was parsed"
            return (f"line {shown} {how}, but field {field} {got}, expected {expected!r}"
                    f" (fields parsed: {', '.join(sorted(event))})")
    return None
