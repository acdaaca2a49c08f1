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
from re import _constants as sre_constants, _parser as sre_parser  # pylint: disable=no-name-in-module
from typing import NamedTuple

from .patterns import BUILTIN_PATTERNS

_REFERENCE = re.compile(r"%\{(?P<name>\w+)(?::(?P<field>[^:}]+))?(?::(?P<type>[^:}]+))?\}")
# Onigurama named groups, but not the look-behinds (?<= and (?<!.
_NAMED_GROUP = re.compile(r"\(\?<(?P<field>[A-Za-z_@][^>=!]*)>")
# Named groups and back-references only Python understands.
_PYTHON_ONLY = re.compile(r"\(\?P[<=>]")
_BRACKETED = re.compile(r"^(?:\[[^\[\]]+\])+\Z")
DOTTED_FIELD = re.compile(r"^[A-Za-z_@][\w@-]*(?:\.[\w@-]+)*\Z")
TYPES = ("int", "float")
_MAX_DEPTH = 64
# Longest regular expression a pattern may expand to: definitions that refer to each other twice
# per level double at every level, and would otherwise never finish expanding.
MAX_EXPANDED = 100_000
# Characters a nested quantifier's inner repeat is checked against.
_UNIVERSE = [chr(code) for code in range(256)] + ["\u00e9", "\u4e2d", "\u2028"]
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)


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
    if DOTTED_FIELD.match(name):
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
        self.patterns = tuple(patterns)
        definitions = tuple(sorted((pattern_definitions or {}).items()))
        self._compiled = [_compiled(pattern, definitions) for pattern in self.patterns]

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


class _PatternCompiler:
    """Expands and compiles one pattern against the built-in library and `definitions`."""

    def __init__(self, definitions):
        self.library = dict(BUILTIN_PATTERNS)
        self.library.update(definitions)
        self._budget = MAX_EXPANDED

    def compile(self, pattern):
        if not isinstance(pattern, str) or not pattern:
            raise GrokError(f"pattern must be a non-empty string, got {pattern!r}")
        captures = []
        regex = self._expand(pattern, captures, ())
        try:
            parsed = sre_parser.parse(regex)
            compiled = re.compile(regex)
        except (re.error, OverflowError, RecursionError) as error:
            raise GrokError(f"pattern {pattern!r} is not a valid regular expression: {error}") from None
        danger = _ambiguous_repeat(parsed.data if hasattr(parsed, "data") else list(parsed))
        if danger:
            raise GrokError(f"pattern {pattern!r} can take exponential time on a line that does not match: {danger}; "
                            "make the inner repetition unable to match what the outer one repeats, or use an atomic group (?>...)")
        return compiled, captures

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
        expanded = _REFERENCE.sub(reference, text)
        self._budget -= len(expanded)
        if self._budget < 0:
            raise GrokError(f"pattern definitions expand to more than {MAX_EXPANDED:,} characters"
                            + (f" (through {' -> '.join(stack)})" if stack else "")
                            + "; a definition that uses another several times, at several levels, doubles at each")
        return expanded


@functools.lru_cache(maxsize=512)
def _compiled(pattern, definitions):
    """(regex, captures) of `pattern`; cached, since the validator, the outputs and the sample
    checks compile the same patterns many times, and checking a pattern means parsing it."""
    if not isinstance(pattern, str):
        raise GrokError(f"pattern must be a non-empty string, got {pattern!r}")
    return _PatternCompiler(dict(definitions)).compile(pattern)


def _chars(item):
    """The characters of _UNIVERSE that a single-character item matches, or None when the item
    is not a single-character matcher."""
    op, av = item
    if op is sre_constants.LITERAL:
        return {chr(av)} if av < 0x110000 else set()
    if op is sre_constants.NOT_LITERAL:
        return {char for char in _UNIVERSE if ord(char) != av}
    if op is sre_constants.ANY:
        return {char for char in _UNIVERSE if char != "\n"}
    if op is sre_constants.IN:
        return {char for char in _UNIVERSE if _in_set(char, av)}
    if op is sre_constants.SUBPATTERN and len(av[-1]) == 1:
        return _chars(list(av[-1])[0])
    return None


_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: str.isdigit, sre_constants.CATEGORY_SPACE: str.isspace,
    sre_constants.CATEGORY_WORD: lambda char: char.isalnum() or char == "_",
}


def _in_set(char, members):
    negate, found = False, False
    for op, av in members:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            found = found or ord(char) == av
        elif op is sre_constants.RANGE:
            found = found or av[0] <= ord(char) <= av[1]
        elif op is sre_constants.CATEGORY:
            name = str(av)
            test = next((function for category, function in _CATEGORIES.items() if str(category) == name.replace("NOT_", "")), None)
            if test is not None:
                found = found or (test(char) != name.startswith("CATEGORY_NOT"))
    return found != negate


def _fits(items, chars):
    """Whether `items` can match a non-empty string of `chars` alone: every element that must
    match something can match one of them."""
    for op, av in items:
        if op in _REPEATS:
            if av[0] > 0 and not _fits(av[2], chars):
                return False
        elif op is sre_constants.SUBPATTERN:
            if not _fits(av[-1], chars):
                return False
        elif op is sre_constants.BRANCH:
            if not any(_fits(branch, chars) for branch in av[1]):
                return False
        elif op is sre_constants.ATOMIC_GROUP or op is sre_constants.POSSESSIVE_REPEAT:
            return False
        elif op is sre_constants.AT and av is sre_constants.AT_BOUNDARY and all(c.isalnum() or c == "_" for c in chars):
            return False  # a word boundary cannot fall between two word characters
        else:
            matched = _chars((op, av))
            if matched is not None and not matched & chars:
                return False
    return True


def _unbounded_inner(items, path=()):
    """The unbounded repeats inside `items`, not behind an atomic group, each with the item lists
    on the way to it (all of which must fit the repeated characters for it to matter)."""
    path = (*path, items)
    for op, av in items:
        if op in _REPEATS:
            if av[1] == sre_constants.MAXREPEAT:
                yield av, path
            yield from _unbounded_inner(av[2], path)
        elif op is sre_constants.SUBPATTERN:
            yield from _unbounded_inner(av[-1], path)
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                yield from _unbounded_inner(branch, path)


def _overlapping_branches(items):
    """Whether a required alternation of `items` has two branches that can match the same text
    starting with the same character, such as (a|aa)."""
    for op, av in items:
        if op is sre_constants.SUBPATTERN:
            if _overlapping_branches(av[-1]):
                return True
        elif op is sre_constants.BRANCH:
            starts = [(_chars(list(branch)[0]) if len(branch) else None, branch) for branch in av[1]]
            for index, (first, branch) in enumerate(starts):
                for other_first, other in starts[index + 1:]:
                    common = (first or set()) & (other_first or set())
                    if common and _fits(branch, common) and _fits(other, common):
                        return True
    return False


def _ambiguous_repeat(items):
    """A description of the first repeat of a repeat that can split the same text in many ways,
    such as (a+)+ or (\\w+\\s?)+, or None. Atomic groups and possessive repeats are safe."""
    for op, av in items:
        if op in _REPEATS:
            if av[1] == sre_constants.MAXREPEAT:
                for inner, path in _unbounded_inner(av[2]):
                    inner_items = list(inner[2])
                    chars = _chars(inner_items[0]) if len(inner_items) == 1 else None
                    if chars and all(_fits(container, chars) for container in path):
                        return "a repetition inside a repetition that can match the same characters"
                if _overlapping_branches(av[2]):
                    return "a repeated alternation whose branches can match the same characters"
            found = _ambiguous_repeat(av[2])
        elif op is sre_constants.SUBPATTERN:
            found = _ambiguous_repeat(av[-1])
        elif op is sre_constants.BRANCH:
            found = next((result for result in map(_ambiguous_repeat, av[1]) if result), None)
        else:
            found = None
        if found:
            return found
    return None


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
