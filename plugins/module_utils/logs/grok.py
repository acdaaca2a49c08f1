# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""A grok engine that reads patterns the way Logstash's grok filter and Elasticsearch's grok
processor do, so pipelines can be checked before they reach either.

- `%{NAME}` expands a pattern without capturing; `%{NAME:field}` captures into `field`;
  `%{NAME:field:int}` / `:float` converts the value. `(?<field>regex)` captures too.
- Field names are ECS names in either syntax, `log.level` or `[log][level]`; results are keyed by
  the dotted form.
- The search is unanchored, patterns are tried in order and the first match wins; captures that
  matched nothing or an empty string are left out (Logstash's keep_empty_captures: false).

Needs Python 3.11 or later (atomic groups, as in the standard library patterns).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .patterns import BUILTIN_PATTERNS

_REFERENCE = re.compile(r"%\{(?P<name>\w+)(?::(?P<field>[^:}]+))?(?::(?P<type>[^:}]+))?\}")
# Onigurama named groups, but not the look-behinds (?<= and (?<!.
_NAMED_GROUP = re.compile(r"\(\?<(?P<field>[A-Za-z_@][^>=!]*)>")
# Named groups and back-references only Python understands.
_PYTHON_ONLY = re.compile(r"\(\?P[<=>]")
_BRACKETED = re.compile(r"^(?:\[[^\[\]]+\])+\Z")
_DOTTED = re.compile(r"^[A-Za-z_@][\w@-]*(?:\.[\w@-]+)*\Z")
TYPES = ("int", "float")
_MAX_DEPTH = 64


class Capture(NamedTuple):
    group: str
    field: str
    type_name: str | None


class GrokError(ValueError):
    """A pattern that cannot be compiled: unknown name, cycle, bad field name or bad regex."""


def field_path(name):
    """`[log][level]` or `log.level` -> ('log', 'level'). Raises GrokError for anything else."""
    if _BRACKETED.match(name):
        return tuple(name[1:-1].split("]["))
    if _DOTTED.match(name):
        return tuple(name.split("."))
    raise GrokError(f"field name {name!r} is neither dotted (log.level) nor bracketed ([log][level])")


def dotted(name):
    return ".".join(field_path(name))


def bracketed(name):
    return "".join(f"[{part}]" for part in field_path(name))


def _convert(value, type_name):
    try:
        return int(value) if type_name == "int" else float(value)
    except ValueError:
        return value


class Grok:
    """Compiled patterns. `match(text)` returns (index of the pattern that matched, fields) or None."""

    def __init__(self, patterns, pattern_definitions=None):
        if isinstance(patterns, str):
            patterns = [patterns]
        if not patterns:
            raise GrokError("give at least one pattern")
        self.library = dict(BUILTIN_PATTERNS)
        self.library.update(pattern_definitions or {})
        self.patterns = tuple(patterns)
        self._compiled = [self._compile(pattern) for pattern in self.patterns]

    def _compile(self, pattern):
        if not isinstance(pattern, str) or not pattern:
            raise GrokError(f"pattern must be a non-empty string, got {pattern!r}")
        captures = []
        regex = self._expand(pattern, captures, ())
        try:
            return re.compile(regex), captures
        except re.error as error:
            raise GrokError(f"pattern {pattern!r} is not a valid regular expression: {error}") from None

    def _capture(self, field, type_name, captures):
        if type_name is not None and type_name not in TYPES:
            raise GrokError(f"type {type_name!r} of field {field!r} is not supported; use int or float")
        group = f"g{len(captures)}"
        captures.append(Capture(group, dotted(field), type_name))
        return group

    def _expand(self, text, captures, stack):
        if len(stack) > _MAX_DEPTH:
            raise GrokError(f"patterns nest deeper than {_MAX_DEPTH}: {' -> '.join(stack)}")
        if _PYTHON_ONLY.search(text):
            where = f"%{{{stack[-1]}}}" if stack else "pattern"
            raise GrokError(f"{where} {text!r} uses Python's (?P...) syntax, which Logstash and Elasticsearch "
                            "do not read; capture with %{PATTERN:field} or (?<field>regex)")

        def named_group(match):
            return f"(?P<{self._capture(match.group('field'), None, captures)}>"

        def reference(match):
            name, field, type_name = match.group("name", "field", "type")
            if name in stack:
                raise GrokError(f"pattern {name} refers to itself: {' -> '.join(stack + (name,))}")
            if name not in self.library:
                raise GrokError(f"unknown pattern %{{{name}}}; define it in pattern_definitions")
            if field is None:
                return f"(?:{self._expand(self.library[name], captures, stack + (name,))})"
            group = self._capture(field, type_name, captures)
            return f"(?P<{group}>{self._expand(self.library[name], captures, stack + (name,))})"

        # Onigurama's \z is Python's \Z; Python's \Z has no Onigurama twin worth translating.
        text = _NAMED_GROUP.sub(named_group, text).replace(r"\z", r"\Z")
        return _REFERENCE.sub(reference, text)

    def match(self, text):
        for index, (regex, captures) in enumerate(self._compiled):
            found = regex.search(text)
            if found is None:
                continue
            fields = {}
            for capture in captures:
                value = found.group(capture.group)
                if value is None or value == "" or capture.field in fields:
                    continue
                fields[capture.field] = _convert(value, capture.type_name) if capture.type_name else value
            return index, fields
        return None

    def fields(self):
        """Every field a match can produce, with its type (None for strings)."""
        seen = {}
        for compiled in self._compiled:
            for capture in compiled[1]:
                seen.setdefault(capture.field, capture.type_name)
        return seen


def grok_parse(line, patterns, pattern_definitions=None):
    """The captured fields of the first pattern that matches `line`, keyed by dotted ECS names,
    or None when no pattern matches."""
    result = _cached(tuple(patterns), tuple(sorted((pattern_definitions or {}).items()))).match(line)
    return None if result is None else result[1]


@functools.lru_cache(maxsize=64)
def _cached(patterns, pattern_definitions):
    return Grok(patterns, dict(pattern_definitions))


def with_field_style(pattern, style):
    """`pattern` with every captured field name written `dotted` (Elasticsearch: log.level) or
    `bracketed` (Logstash: [log][level]); pattern names and types are kept."""
    rename = dotted if style == "dotted" else bracketed

    def reference(match):
        name, field, type_name = match.group("name", "field", "type")
        if field is None:
            return match.group(0)
        return "%{" + name + ":" + rename(field) + (":" + type_name if type_name else "") + "}"

    return _REFERENCE.sub(reference, pattern)
