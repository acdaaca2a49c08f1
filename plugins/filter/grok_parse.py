# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the collection's grok engine: a grok debugger inside the play."""

from __future__ import annotations

DOCUMENTATION = r"""
name: grok_parse
short_description: Parse a line with grok patterns, as Logstash and Elasticsearch would
version_added: 0.1.0
description:
  - Expands the standard grok pattern library (the base patterns Logstash and Elasticsearch
    ship) and returns the fields captured by the first pattern that matches the line, as a flat
    dict keyed by dotted ECS names; C(None) when no pattern matches.
  - Captures are C(%{PATTERN:field}), C(%{PATTERN:field:int}) or C(:float), and C((?<field>regex));
    field names may be dotted (C(log.level)) or bracketed (C([log][level])). The search is not
    anchored; start a pattern with C(\\A) to anchor it. Empty captures are left out.
options:
  _input:
    description: The log line.
    type: str
    required: true
  patterns:
    description: One pattern or a list of patterns, tried in order.
    type: raw
    required: true
  pattern_definitions:
    description: Extra named patterns, C(NAME) to regular expression; they may use other patterns.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Check a pattern against a vLLM line
  ansible.builtin.assert:
    that:
      - fields['log.level'] == 'INFO'
      - fields['log.origin.file.line'] == 310
  vars:
    line: "INFO 08-17 02:59:34 [loggers.py:310] Engine 000: Avg prompt throughput: 5.7 tokens/s"
    fields: >-
      {{ line | llmagentos.ops.grok_parse('%{LOGLEVEL:log.level} %{DATA} \[%{NOTSPACE:log.origin.file.name}:%{INT:log.origin.file.line:int}\]') }}
"""

RETURN = r"""
_value:
  description: Captured fields keyed by dotted names, with int/float conversions applied; null when nothing matched.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import GrokError, grok_parse as parse
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.spec import MAX_SAMPLE_LENGTH


def grok_parse(line, patterns, pattern_definitions=None):
    if not isinstance(line, str):
        raise AnsibleFilterError(f"grok_parse: the input must be a string (a log line), got {type(line).__name__}")
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, (list, tuple)) or not patterns:
        raise AnsibleFilterError("grok_parse: patterns must be a pattern or a non-empty list of patterns")
    if pattern_definitions is not None and (not isinstance(pattern_definitions, dict) or not all(
            isinstance(name, str) and isinstance(regex, str) for name, regex in pattern_definitions.items())):
        raise AnsibleFilterError("grok_parse: pattern_definitions must be a mapping of NAME to regular expression")
    if len(line) > MAX_SAMPLE_LENGTH:
        raise AnsibleFilterError(f"grok_parse: the line is {len(line):,} characters long; at most {MAX_SAMPLE_LENGTH:,} are read")
    try:
        return parse(line, [str(pattern) for pattern in patterns], pattern_definitions)
    except GrokError as error:
        raise AnsibleFilterError(f"grok_parse: {error}") from None


class FilterModule:
    def filters(self):
        return {"grok_parse": grok_parse}
