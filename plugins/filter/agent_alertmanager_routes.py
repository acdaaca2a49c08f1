# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: Alertmanager routes and inhibit rules."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_alertmanager_routes
short_description: Alertmanager routes and inhibit rules for the alerts of LLM agents
version_added: 0.1.0
description:
  - Returns a mapping with C(routes), to put under C(alertmanager_route.routes),
    C(inhibit_rules), to add to C(alertmanager_inhibit_rules), and C(tests), the routing each
    team's alerts must get (for C(alertmanager_route_tests)).
  - Alerts of the agents of a team go to O(team_receiver); critical ones to O(critical_receiver).
    Alerts of agents without a team stay on the parent route. Define the named receivers in
    C(alertmanager_receivers); C(amtool check-config) rejects a route to an undefined one.
  - While a component is down (C(AgentComponentDown)), its other alerts are inhibited.
  - With O(remediation_receiver), the alerts a component's C(remediation) acts on are routed to it first, each
    component's alert on its own route, grouped by instance too and repeated every minute while it fires.
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.routes
"""

EXAMPLES = r"""
- name: Route the agents' alerts
  ansible.builtin.include_role:
    name: llmagentos.ops.alertmanager
  vars:
    agent_routing: "{{ llmagentos_agents | llmagentos.ops.agent_alertmanager_routes(groups=groups) }}"
    alertmanager_routes_extra: "{{ agent_routing.routes }}"
    alertmanager_inhibit_rules_extra: "{{ agent_routing.inhibit_rules }}"
    alertmanager_route_tests: "{{ agent_routing.tests }}"
"""

RETURN = r"""
_value:
  description: A mapping with C(routes) and C(inhibit_rules), in Alertmanager's format, and C(tests).
  type: dict
  contains:
    routes:
      description: The remediation routes first, then one route per team, with a nested route for critical alerts.
      type: list
      elements: dict
    inhibit_rules:
      description: A component's C(AgentComponentDown) inhibits its other alerts.
      type: list
      elements: dict
    tests:
      description: Labels of a team's alerts (C(labels)) and the receivers they must reach (C(receivers)).
      type: list
      elements: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import (
    DEFAULT_CRITICAL_RECEIVER, DEFAULT_TEAM_RECEIVER, alertmanager_routes)
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents, receivers, remediation_routing


def agent_alertmanager_routes(agents, groups=None, team_receiver=DEFAULT_TEAM_RECEIVER, critical_receiver=DEFAULT_CRITICAL_RECEIVER,
                              remediation_receiver="", remediation_notifies_team=False):
    team_receiver, critical_receiver = receivers("agent_alertmanager_routes", team_receiver, critical_receiver)
    remediation = remediation_routing("agent_alertmanager_routes", remediation_receiver, remediation_notifies_team)
    return compile_agents(lambda parsed: alertmanager_routes(parsed, team_receiver, critical_receiver, *remediation), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_alertmanager_routes": agent_alertmanager_routes}
