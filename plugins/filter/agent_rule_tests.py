# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: promtool unit tests for the generated alerts."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_rule_tests
short_description: promtool unit tests for the alerts agent_rules generates
version_added: 0.1.0
description:
  - Returns a C(promtool test rules) file (as a dict) with, for every alert of the description,
    a case where it fires, one where it stays quiet, and for alerts gated on traffic one where
    traffic is below the minimum.
  - Give it the same C(runbook_base_url) and C(min_request_rate) as C(llmagentos.ops.agent_rules).
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.rules
options:
  rule_files:
    description: Paths, relative to the test file, of the rule files holding the output of agent_rules.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Write the tests beside the rules and run them
  ansible.builtin.copy:
    content: "{{ llmagentos_agents | llmagentos.ops.agent_rule_tests(rule_files=['agents.yml'], groups=groups) | to_nice_yaml }}"
    dest: /etc/prometheus/tests/agents_test.yml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: A promtool test file with C(rule_files), C(evaluation_interval) and C(tests).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents, rule_options


def agent_rule_tests(agents, rule_files, groups=None, **rule_settings):
    if not isinstance(rule_files, list) or not rule_files or not all(isinstance(path, str) and path for path in rule_files):
        raise AnsibleFilterError("agent_rule_tests: rule_files must be a non-empty list of paths")
    options = rule_options("agent_rule_tests", **rule_settings)
    return compile_agents(lambda parsed: rule_tests(parsed, rule_files, options), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_rule_tests": agent_rule_tests}
