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

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import (
    DEFAULT_MIN_REQUEST_RATE, DEFAULT_RUNBOOK_BASE_URL, Options, agent_rules as compile_rules)
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents


def agent_rules(agents, groups=None, runbook_base_url=DEFAULT_RUNBOOK_BASE_URL, min_request_rate=DEFAULT_MIN_REQUEST_RATE):
    options = Options(runbook_base_url, float(min_request_rate))
    return compile_agents(lambda parsed: compile_rules(parsed, options), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_rules": agent_rules}
