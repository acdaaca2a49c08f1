# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: Prometheus recording and alert rules."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_rules
short_description: Prometheus recording and alert rules for the components of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns a Prometheus rule file as a dict
    (a mapping with a C(groups) list), ready for C(prometheus_rules) of the prometheus role.
  - Per agent, a recording group turns each signal of each component into one series named
    C(llmagentos:<signal>:<aggregation>) (request and error rates, error ratio, latency quantiles,
    token throughput, queue depth, KV-cache and GPU utilisation), and an alerting group holds the
    threshold alerts of the description. Ratio, quantile and throughput alerts fire only while the
    component serves at least O(min_request_rate) requests per second.
  - Every alert carries the labels C(agent), C(component), C(kind), C(severity) (and C(team),
    C(env)) and the annotations C(summary), C(description), C(runbook_url).
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.rules
"""

EXAMPLES = r"""
- name: Load the agents' rules into Prometheus
  ansible.builtin.include_role:
    name: llmagentos.ops.prometheus
  vars:
    prometheus_rules:
      llmagentos-agents: "{{ llmagentos_agents | llmagentos.ops.agent_rules(groups=groups) }}"
"""

RETURN = r"""
_value:
  description: A Prometheus rule file, a mapping with a C(groups) list.
  type: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import agent_rules as compile_rules
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents, rule_options


def agent_rules(agents, groups=None, **rule_settings):
    options = rule_options("agent_rules", **rule_settings)
    return compile_agents(lambda parsed: compile_rules(parsed, options), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_rules": agent_rules}
