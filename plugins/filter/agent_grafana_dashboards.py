# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Grafana dashboards compiled from the agent description."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_grafana_dashboards
short_description: Grafana dashboards of the LLM agents, one per agent and one for the fleet
version_added: 0.2.0
description:
  - Validates an C(llmagentos_agents) description and returns Grafana dashboard JSON models (schema version 41, that of Grafana 11.6;
    later releases migrate it on load), the fleet dashboard first, then one per agent, each with a stable C(uid)
    (C(llmagentos-fleet), C(llmagentos-<agent>)), C(title), C(tags) (C(llmagentos), C(agent:<name>), C(team:<team>),
    C(env:<environment>)) and C(panels).
  - "An agent's dashboard: an overview row (alerts firing, each SLO's attainment and error budget left over 3d,
    requests and error ratio by component, targets up), a row per component with a panel per signal its preset
    offers (request rate, error ratio, latency, time to first token and per output token, queue time at p50, p95,
    p99 and any quantile an alert asks for, tokens/s, queue, requests running, preemptions, KV-cache), GPU and host
    resources, and the agent's error log lines when a component describes its logs."
  - Panels read the compiler's recording rules (C(llmagentos:*)), the same series the alerts compare, and draw the
    thresholds of the alerts that compare them. Template variables C(env), C(instance) and (fleet) C(agent).
  - "The fleet dashboard: every SLO's attainment, error budget left and 1h burn rate in one table, burn rates over
    time, alerts firing by agent, requests by agent."
options:
  prometheus_uid:
    description: The uid of the Prometheus datasource the panels query.
    type: str
    default: llmagentos-prometheus
  logs_uid:
    description: The uid of the Elasticsearch datasource of the agents' logs; empty for no logs panel.
    type: str
    default: llmagentos-logs
  log_dataset:
    description: The data stream dataset of the agents' logs (C(logs-<dataset>-<environment>)), named in the logs panel.
    type: str
    default: llmagentos.agents
extends_documentation_fragment:
  - llmagentos.ops.agents
"""

EXAMPLES = r"""
- name: Provision the agents' dashboards
  ansible.builtin.include_role:
    name: llmagentos.ops.grafana
  vars:
    grafana_dashboards: "{{ llmagentos_agents | llmagentos.ops.agent_grafana_dashboards(groups=groups) }}"

- name: The uid of every dashboard
  ansible.builtin.debug:
    msg: "{{ llmagentos_agents | llmagentos.ops.agent_grafana_dashboards | map(attribute='uid') }}"
"""

RETURN = r"""
_value:
  description: Grafana dashboard JSON models, the fleet dashboard first.
  type: list
  elements: dict
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import Options, agent_dashboards
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents, dataset_option

_UID = re.compile(r"^[A-Za-z0-9_-]{0,40}\Z")


def _uid(option, value, may_be_empty):
    if value is None:
        value = ""
    if not isinstance(value, str) or not _UID.match(value) or not (value or may_be_empty):
        raise AnsibleFilterError(f"agent_grafana_dashboards: {option} must be a Grafana datasource uid (up to 40 letters, digits, "
                                 f"'-' and '_'), got {value!r}")
    return value


def agent_grafana_dashboards(agents, groups=None, prometheus_uid=Options.prometheus_uid, logs_uid=Options.logs_uid,
                             log_dataset=Options.log_dataset):
    options = Options(_uid("prometheus_uid", prometheus_uid, False), _uid("logs_uid", logs_uid, True),
                      dataset_option("agent_grafana_dashboards", log_dataset))
    return compile_agents(lambda parsed: agent_dashboards(parsed, options), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_grafana_dashboards": agent_grafana_dashboards}
