# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Small, exact helpers for writing PromQL: selectors with added matchers and suffixes."""

from __future__ import annotations

import re

_SELECTOR = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{(?P<matchers>.*)\})?$")
_NAME_REGEX = re.compile(r'__name__\s*=~\s*"(?P<regex>(?:[^"\\]|\\.)*)"')


def matchers(labels):
    """{'agent': 'a'} -> 'agent="a"' (values are escaped for PromQL strings)."""
    return ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())


def _escape(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series(selector, labels, suffix="", extra=""):
    """The selector for `selector` narrowed to `labels` (and the raw matchers `extra`), with
    `suffix` added to the metric name (histogram base name + '_bucket'). Works for `name`,
    `name{...}` and `{__name__=~"..."}`."""
    match = _SELECTOR.match(selector.strip())
    if not match:
        raise ValueError(f"not a series selector: {selector!r}")
    name, existing = match.group("name") or "", match.group("matchers") or ""
    if suffix and name:
        name += suffix
    elif suffix:
        existing, count = _NAME_REGEX.subn(lambda m: f'__name__=~"(?:{m.group("regex")}){suffix}"', existing)
        if count != 1:
            raise ValueError(f"cannot add {suffix!r} to {selector!r}: it has no metric name")
    parts = [part for part in (existing.strip().rstrip(","), matchers(labels), extra) if part]
    return f"{name}{{{','.join(parts)}}}"


def number(value):
    """A threshold as PromQL writes it: 0.05, 2, 1e-05."""
    return f"{value:.12g}"
