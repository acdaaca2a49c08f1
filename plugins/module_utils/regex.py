# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Regular expressions that Go programs (Prometheus, Alertmanager, Filebeat) will compile."""

from __future__ import annotations

import re

# What Go's RE2 lacks and Python has: look-arounds, back-references, atomic groups and possessive
# quantifiers.
_NOT_RE2 = re.compile(r"\(\?[=!>]|\(\?<[=!]|\(\?P=|\\[1-9]|(?<!\\)[*+?}]\+")


def re2_problem(regex):
    """Why a Go program could not compile `regex`, or None."""
    if not isinstance(regex, str):
        return f"expected a regular expression, got {regex!r}"
    if _NOT_RE2.search(regex):
        return (f"{regex!r} uses look-arounds, back-references, atomic groups or possessive quantifiers, "
                "which Go's regular expressions do not have")
    try:
        re.compile(regex)
    except (re.error, OverflowError, RecursionError) as error:
        return f"{regex!r} is not a valid regular expression: {error}"
    return None
