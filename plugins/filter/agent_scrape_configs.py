# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: scrape jobs for every agent component."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_scrape_configs
short_description: Prometheus scrape jobs for the components of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns one Prometheus scrape job per
    component. Every series of a component carries the labels C(agent), C(component) and
    C(kind), plus C(env) and C(team) when the agent sets them and the component's own C(labels).
  - Components whose preset has no metrics endpoint (C(ollama)) become a blackbox probe job.
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.scrape
"""

EXAMPLES = r"""
- name: Add the agents' scrape jobs to Prometheus
  ansible.builtin.include_role:
    name: llmagentos.ops.prometheus
  vars:
    prometheus_scrape_configs_extra: "{{ llmagentos_agents | llmagentos.ops.agent_scrape_configs(groups=groups) }}"
"""

RETURN = r"""
_value:
  description: Prometheus scrape_configs entries, one per component, named llmagentos/AGENT/COMPONENT.
  type: list
  elements: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import (
    blackbox, blackbox_client as blackbox_client_option, compile_agents, preset_clients as preset_clients_option)


def agent_scrape_configs(agents, groups=None, blackbox_address=None, blackbox_client=None, preset_clients=None):
    address = blackbox("agent_scrape_configs", blackbox_address)
    client = blackbox_client_option("agent_scrape_configs", blackbox_client)
    clients = preset_clients_option("agent_scrape_configs", preset_clients)
    return compile_agents(lambda parsed: scrape_configs(parsed, address, client, clients), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_scrape_configs": agent_scrape_configs}
