# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: everything the monitoring core needs, from one read."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_monitoring_outputs
short_description: Scrape jobs, rules, rule tests and routing of LLM agents, compiled once
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description once and returns what
    M(llmagentos.ops.agent_scrape_configs), M(llmagentos.ops.agent_rules),
    M(llmagentos.ops.agent_rule_tests) and M(llmagentos.ops.agent_alertmanager_routes) return,
    under one mapping, so a play reads and checks the description a single time. The
    C(agent_monitoring) role uses it.
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.scrape
  - llmagentos.ops.agents.rules
  - llmagentos.ops.agents.routes
options:
  rule_files:
    description: Paths of the rule files the rule tests load (the file that will hold C(rules)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Compile the agents for Prometheus and Alertmanager
  ansible.builtin.set_fact:
    agent_outputs: >-
      {{ llmagentos_agents | llmagentos.ops.agent_monitoring_outputs(groups=groups, rule_files=['llmagentos_agents.yml'],
         blackbox_address='blackbox-1:9115') }}
"""

RETURN = r"""
_value:
  description: The outputs of the four filters, by name.
  type: dict
  contains:
    scrape_configs:
      description: As M(llmagentos.ops.agent_scrape_configs) returns them.
      type: list
      elements: dict
    rules:
      description: As M(llmagentos.ops.agent_rules) returns them.
      type: dict
    rule_tests:
      description: As M(llmagentos.ops.agent_rule_tests) returns them.
      type: dict
    routing:
      description: As M(llmagentos.ops.agent_alertmanager_routes) returns it (C(routes), C(inhibit_rules), C(tests)).
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import (
    DEFAULT_CRITICAL_RECEIVER, DEFAULT_TEAM_RECEIVER, alertmanager_routes)
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import (
    blackbox, blackbox_client as blackbox_client_option, compile_agents, preset_clients as preset_clients_option, receivers, remediation_routing,
    rule_options)


def agent_monitoring_outputs(agents, rule_files, groups=None, blackbox_address=None, blackbox_client=None, preset_clients=None,
                             team_receiver=DEFAULT_TEAM_RECEIVER, critical_receiver=DEFAULT_CRITICAL_RECEIVER,
                             remediation_receiver="", remediation_notifies_team=False, **rule_settings):
    if not isinstance(rule_files, list) or not rule_files or not all(isinstance(path, str) and path for path in rule_files):
        raise AnsibleFilterError("agent_monitoring_outputs: rule_files must be a non-empty list of paths")
    options = rule_options("agent_monitoring_outputs", **rule_settings)
    team_receiver, critical_receiver = receivers("agent_monitoring_outputs", team_receiver, critical_receiver)
    remediation = remediation_routing("agent_monitoring_outputs", remediation_receiver, remediation_notifies_team)
    blackbox_address = blackbox("agent_monitoring_outputs", blackbox_address)
    client = blackbox_client_option("agent_monitoring_outputs", blackbox_client)
    clients = preset_clients_option("agent_monitoring_outputs", preset_clients)
    return compile_agents(lambda parsed: {
        "scrape_configs": scrape_configs(parsed, blackbox_address, client, clients),
        "rules": agent_rules(parsed, options),
        "rule_tests": rule_tests(parsed, rule_files, options),
        "routing": alertmanager_routes(parsed, team_receiver, critical_receiver, *remediation),
    }, agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_monitoring_outputs": agent_monitoring_outputs}
