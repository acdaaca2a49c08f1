# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Small, exact helpers for writing PromQL: selectors with added matchers and suffixes."""

from __future__ import annotations

import functools
import re

_SELECTOR = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<matchers>.*)\})?$")


def matchers(labels):
    """{'agent': 'a'} -> 'agent="a"' (values are escaped for PromQL strings)."""
    return ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())


@functools.lru_cache(maxsize=4096)
def _escape(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series(selector, labels, suffix="", extra=""):
    """The selector for `selector` narrowed to `labels` (and the raw matchers `extra`), with
    `suffix` added to the metric name (histogram base name + '_bucket'). `selector` is `name`
    or `name{...}`: one metric, never a regex over names."""
    match = _SELECTOR.match(selector.strip())
    if not match:
        raise ValueError(f"not a series selector of one metric: {selector!r}")
    name, existing = match.group("name") + suffix, match.group("matchers") or ""
    parts = [part for part in (existing.strip().rstrip(","), matchers(labels), extra) if part]
    return f"{name}{{{','.join(parts)}}}"


def number(value):
    """A threshold as PromQL writes it: 0.05, 2, 1e-05."""
    return f"{value:.12g}"
