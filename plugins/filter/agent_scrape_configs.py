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
  - A malformed description fails with one line per problem, each naming its field path, for
    example C(llmagentos_agents[0].components[2].slos[0].objective).
  - The description format is documented in docs/agent-description.md of the collection.
options:
  _input:
    description: The agents, as in C(llmagentos_agents).
    type: list
    elements: dict
    required: true
  groups:
    description: The inventory groups (pass C(groups)), needed when a component names a C(hosts_group).
    type: dict
  blackbox_address:
    description: host:port of the blackbox exporter that probes components without metrics.
    type: str
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

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs


def agent_scrape_configs(agents, groups=None, blackbox_address=None):
    try:
        return scrape_configs(parse_agents(agents, groups), blackbox_address)
    except DescriptionError as error:
        raise AnsibleFilterError(f"invalid agent description:\n{error}") from None


class FilterModule:
    def filters(self):
        return {"agent_scrape_configs": agent_scrape_configs}
