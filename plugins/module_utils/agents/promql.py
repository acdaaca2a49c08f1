# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Small, exact helpers for writing PromQL: selectors with added matchers and suffixes."""

from __future__ import annotations

import functools
import re
from collections import namedtuple

from ..regex import re2_problem

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_OPERATOR = re.compile(r"=~|!~|!=|=")
_SPACE = re.compile(r"\s*")
_STRING_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v"}


class Selector(namedtuple("Selector", "name matchers")):
    """A series selector of one metric: its name and its (label, operator, value) matchers."""

    def render(self, labels=None, suffix="", extra=()):
        """The selector with `suffix` added to the name and `labels` (equality) and `extra`
        (matchers) added, every value escaped for a PromQL string."""
        matchers_ = list(self.matchers) + [(key, "=", str(value)) for key, value in (labels or {}).items()] + list(extra)
        return f"{self.name}{suffix}{{{','.join(f'{label}{op}{_quote(value)}' for label, op, value in matchers_)}}}"


def parse_selector(text):
    """`name` or `name{label="value", other=~"regex"}` -> Selector. Exactly that: one metric
    name, matchers on other labels, strings in double, single or back quotes, regexes that
    Prometheus can compile. Raises ValueError saying what is wrong and where."""
    if not isinstance(text, str):
        raise ValueError(f"expected a metric name or selector, got {text!r}")
    position = _SPACE.match(text).end()
    name = _METRIC_NAME.match(text, position)
    if not name:
        raise ValueError(f"{text!r} does not start with a metric name")
    position = _SPACE.match(text, name.end()).end()
    matchers_ = []
    if position < len(text) and text[position] == "{":
        position = _SPACE.match(text, position + 1).end()
        while position < len(text) and text[position] != "}":
            label = _LABEL_NAME.match(text, position)
            if not label:
                raise ValueError(f"{text!r}: expected a label name at character {position + 1}")
            if label.group() == "__name__":
                raise ValueError(f"{text!r}: match the metric by its name, not by __name__")
            position = _SPACE.match(text, label.end()).end()
            operator = _OPERATOR.match(text, position)
            if not operator:
                raise ValueError(f"{text!r}: expected =, !=, =~ or !~ after {label.group()!r}")
            position = _SPACE.match(text, operator.end()).end()
            value, position = _string(text, position)
            if operator.group() in ("=~", "!~"):
                _check_regex(value, text)
            matchers_.append((label.group(), operator.group(), value))
            position = _SPACE.match(text, position).end()
            if position < len(text) and text[position] == ",":
                position = _SPACE.match(text, position + 1).end()
            elif position < len(text) and text[position] != "}":
                raise ValueError(f"{text!r}: expected , or }} at character {position + 1}")
        if position >= len(text):
            raise ValueError(f"{text!r}: the braces are not closed")
        position = _SPACE.match(text, position + 1).end()
    if position != len(text):
        raise ValueError(f"{text!r}: unexpected {text[position:]!r} after the selector; give one metric and its matchers")
    return Selector(name.group(), tuple(matchers_))


def _string(text, position):
    """A PromQL string literal at `position` -> (value, position after it)."""
    quote = text[position] if position < len(text) else ""
    if quote not in ('"', "'", "`"):
        raise ValueError(f"{text!r}: expected a quoted value at character {position + 1}")
    value, position = [], position + 1
    while position < len(text) and text[position] != quote:
        char = text[position]
        if char == "\\" and quote != "`":
            escape_char = text[position + 1:position + 2]
            if escape_char not in _STRING_ESCAPES:
                raise ValueError(f"{text!r}: unknown escape \\{escape_char} at character {position + 1}")
            value.append(_STRING_ESCAPES[escape_char])
            position += 2
            continue
        value.append(char)
        position += 1
    if position >= len(text):
        raise ValueError(f"{text!r}: a quoted value is not closed")
    return "".join(value), position + 1


def _check_regex(value, text):
    problem = re2_problem(value)
    if problem:
        raise ValueError(f"{text!r}: {problem}")


def _quote(value):
    return '"' + escaped(value) + '"'


def matchers(labels):
    """{'agent': 'a'} -> 'agent="a"' (values are escaped for PromQL strings)."""
    return ",".join(f'{key}={_quote(value)}' for key, value in labels.items())


@functools.lru_cache(maxsize=4096)
def escaped(value):
    """`value` escaped for the inside of a PromQL double-quoted string."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series(selector, labels, suffix="", extra=""):
    """The selector for `selector` narrowed to `labels` (and the matchers `extra`, a selector's
    matcher text such as 'le=~"2(\\.0+)?"'), with `suffix` added to the metric name (histogram
    base name + '_bucket'). `selector` names one metric."""
    parsed = _parsed(selector)
    added = _parsed("x{" + extra + "}").matchers if extra else ()
    return parsed.render(labels, suffix, added)


@functools.lru_cache(maxsize=4096)
def _parsed(selector):
    return parse_selector(selector)


def number(value):
    """A threshold as PromQL writes it: 0.05, 2, 1e-05."""
    return f"{value:.12g}"


def either(parts):
    """The first of the expressions that has a series (`or`), parenthesised; one stays as it is."""
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"
