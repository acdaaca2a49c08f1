# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The steps of a log pipeline, independent of where it runs.

A log format is a tuple of steps. `ingest.py` renders them as Elasticsearch ingest processors,
`logstash.py` as Logstash filters, and `run()` here applies them to a line in Python, which is how
sample lines are checked at compile time. Events are flat dicts keyed by dotted ECS names.
Temporary fields live under `_tmp` and in `timestamp`; the last step of every pipeline removes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as fixed_timezone

from .grok import Grok
from .redaction import Redaction, flatten, redact_event

TEMPORARY_FIELDS = ("_tmp", "timestamp")
FAILURE_TAG = "llmagentos_parse_failure"
ANSI_ESCAPE = r"\x1b\[[0-9;]*[A-Za-z]"

# Go (1h2m3.5s) and Rust (2.21s, 295µs) duration strings, and "47.49 ms".
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?![s]))?(?:(\d+(?:\.\d+)?) ?(ns|us|µs|μs|ms|s))?\Z")
DURATION_UNITS_NS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1000000, "s": 1000000000}


@dataclass(frozen=True)
class StripAnsi:
    """Removes terminal colour codes from the message."""

    field: str = "message"


@dataclass(frozen=True)
class ParseJson:
    """Parses a JSON message into the event root (target None) or under `target`."""

    field: str = "message"
    target: str | None = None


@dataclass(frozen=True)
class GrokStep:
    """`required`: no match tags the event as a parse failure; otherwise the step is optional
    (used to pull details out of a message already split by an earlier grok)."""

    field: str
    patterns: tuple
    pattern_definitions: tuple = ()
    required: bool = True


@dataclass(frozen=True)
class KeyValue:
    """logfmt (`key=value key="quoted value"`) from `field` into fields under `target`."""

    field: str
    target: str


@dataclass(frozen=True)
class Rename:
    """(source, destination) pairs; missing sources are skipped."""

    pairs: tuple


@dataclass(frozen=True)
class MapValues:
    """Replaces a coded value (glog's I/W/E/F) with a word; unknown codes are left as they are."""

    field: str
    target: str
    mapping: tuple


@dataclass(frozen=True)
class ParseDate:
    """`timestamp` -> @timestamp. `formats` are Java/Joda patterns (or ISO8601); when they carry
    no year, the year of the ingest time is used, or the previous year when that would put the
    event more than a day in the future (a December line read in January)."""

    formats: tuple
    timezone: str = "UTC"
    field: str = "timestamp"

    @property
    def year_missing(self):
        """Some format has no year; the rollover rule then applies to every timestamp of the step
        (a time more than a day ahead is a year-less one from last year, or a broken clock)."""
        return any(fmt != "ISO8601" and "y" not in fmt for fmt in self.formats)


@dataclass(frozen=True)
class ParseDuration:
    """A duration string (Go, Rust or "47.49 ms") in `field` -> integer nanoseconds in `target`."""

    field: str
    target: str


@dataclass(frozen=True)
class Redact:
    """Redacts the event (logs/redaction.py); the last step of every pipeline, and run on a
    parse failure too, so nothing reaches the store unredacted."""

    redaction: Redaction = Redaction()


def parse_duration_ns(text):
    """'1m2.5s' -> 62500000000; None when `text` is not a duration."""
    found = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not found or not any(found.groups()):
        return None
    hours, minutes, amount, unit = found.groups()
    if amount is not None and unit is None:
        return None
    total = (int(hours or 0) * 3600 + int(minutes or 0) * 60) * 10 ** 9
    if amount is not None:
        total += round(float(amount) * DURATION_UNITS_NS[unit])
    return total


# Java/Joda pattern letters -> strptime (d: a day of one or two digits, as syslog's "Dec  2");
# fractions of a second are handled apart.
_JAVA_TOKENS = {"yyyy": "%Y", "MMM": "%b", "MM": "%m", "dd": "%d", "d": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_JAVA_TOKEN = re.compile("|".join(sorted(_JAVA_TOKENS, key=len, reverse=True)))


def _java_to_strptime(fmt):
    fraction = re.search(r"[.,]?S+", fmt)
    head = fmt[:fraction.start()] if fraction else fmt
    return _JAVA_TOKEN.sub(lambda found: _JAVA_TOKENS[found.group(0)], head), fraction is not None


def parse_timestamp(text, formats, tz_name, now):
    """Reads `text` as the date processor / date filter would, with the year rollover of
    ParseDate; None when no format fits."""
    zone = fixed_timezone.utc if tz_name in ("UTC", "Z", "Etc/UTC") else _zone(tz_name)
    for fmt in formats:
        parsed = _parse_one(text, fmt, zone, now)
        if parsed is not None:
            if ParseDate(tuple(formats)).year_missing and parsed > now + timedelta(days=1):
                parsed = parsed.replace(year=parsed.year - 1)
            return parsed.astimezone(fixed_timezone.utc)
    return None


def _zone(name):
    from zoneinfo import ZoneInfo  # controller-side only; Python 3.9+
    return ZoneInfo(name)


def _parse_one(text, fmt, zone, now):
    if fmt == "ISO8601":
        # Joda's and Elasticsearch's ISO8601 parsers want the T between date and time.
        if len(text) > 10 and text[10] != "T":
            return None
        try:
            parsed = datetime.fromisoformat(text.replace(",", "."))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    head, has_fraction = _java_to_strptime(fmt)
    if has_fraction:
        head += ".%f"
        text = re.sub(r"[.,](\d+)$", lambda found: "." + found.group(1)[:6], text)
    year_missing = "%Y" not in head
    try:
        parsed = datetime.strptime(text if not year_missing else f"{now.year} {text}",
                                   head if not year_missing else f"%Y {head}")
    except ValueError:
        return None
    return parsed.replace(tzinfo=zone)


def _logfmt(text):
    pairs = {}
    for found in re.finditer(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)', text):
        value = found.group(2)
        pairs[found.group(1)] = value[1:-1] if value.startswith('"') else value
    return pairs


class Failure(Exception):
    """A required step could not read the event; `step` is the step, `event` what was parsed
    before it."""

    def __init__(self, step, detail):
        super().__init__(detail)
        self.step = step
        self.event = {}


def _drop_temporary(event):
    for name in list(event):
        if name.split(".", maxsplit=1)[0] in TEMPORARY_FIELDS:
            del event[name]


def run(steps, line, now=None):
    """Applies `steps` to `line` and returns (event, grok pattern that matched or None).
    Raises Failure when a required step fails, as the pipelines' failure handling would tag it."""
    now = now or datetime.now(fixed_timezone.utc)
    event = {"message": line}
    matched = None
    for step in steps:
        handler = _RUNNERS[type(step)]
        try:
            outcome = handler(step, event, now)
        except Failure as failure:
            failure.event = event
            raise
        if isinstance(step, GrokStep) and step.required:
            matched = outcome
    _drop_temporary(event)
    return event, matched


def stored(steps, line, now=None):
    """The event as the pipelines store it: parsed; or, when a required step fails, what was
    parsed before, tagged, with the failure in error.message, and redacted all the same."""
    try:
        return run(steps, line, now)[0]
    except Failure as failure:
        event, reason = failure.event, str(failure)
    _drop_temporary(event)
    event["error.message"] = reason
    event["event.kind"] = "pipeline_error"
    event["tags"] = [FAILURE_TAG]
    for step in steps:
        if isinstance(step, Redact):
            redact_event(event, step.redaction)
    return event


def _run_strip_ansi(step, event, now):
    if isinstance(event.get(step.field), str):
        event[step.field] = re.sub(ANSI_ESCAPE, "", event[step.field])


def _run_json(step, event, now):
    try:
        document = json.loads(event[step.field])
    except (KeyError, TypeError, ValueError) as error:
        raise Failure(step, f"not JSON: {error}") from None
    except RecursionError:
        raise Failure(step, "not JSON this pipeline reads: nested deeper than Python can follow") from None
    if not isinstance(document, dict):
        raise Failure(step, "JSON is not an object")
    flat = {}
    flatten(document, step.target or "", flat)
    event.update(flat)


def _run_grok(step, event, now):
    value = event.get(step.field)
    result = _compiled_grok(step).match(value) if isinstance(value, str) else None
    if result is None:
        if step.required:
            raise Failure(step, "no pattern matched")
        return None
    event.update(result[1])
    return step.patterns[result[0]]


_GROK_CACHE = {}


def _compiled_grok(step):
    key = (step.patterns, step.pattern_definitions)
    if key not in _GROK_CACHE:
        _GROK_CACHE[key] = Grok(step.patterns, dict(step.pattern_definitions))
    return _GROK_CACHE[key]


def _run_kv(step, event, now):
    if isinstance(event.get(step.field), str):
        for key, value in _logfmt(event[step.field]).items():
            event[f"{step.target}.{key}"] = value


def _run_rename(step, event, now):
    for source, destination in step.pairs:
        if source in event:
            event[destination] = event.pop(source)


def _run_map(step, event, now):
    if step.field in event:
        value = event.pop(step.field)
        event[step.target] = dict(step.mapping).get(value, value)


def _run_date(step, event, now):
    if step.field not in event:
        return
    parsed = parse_timestamp(str(event[step.field]), step.formats, step.timezone, now)
    if parsed is None:
        raise Failure(step, f"{event[step.field]!r} fits none of the formats {', '.join(step.formats)}")
    event["@timestamp"] = parsed.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run_duration(step, event, now):
    if step.field in event:
        nanoseconds = parse_duration_ns(str(event[step.field]))
        if nanoseconds is None:
            raise Failure(step, f"{event[step.field]!r} is not a duration")
        event[step.target] = nanoseconds


def _run_redact(step, event, now):
    redact_event(event, step.redaction)


_RUNNERS = {
    StripAnsi: _run_strip_ansi, ParseJson: _run_json, GrokStep: _run_grok, KeyValue: _run_kv,
    Rename: _run_rename, MapValues: _run_map, ParseDate: _run_date, ParseDuration: _run_duration,
    Redact: _run_redact,
}
