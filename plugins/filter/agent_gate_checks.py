# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: the rollout health gate of one host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_gate_checks
short_description: Health checks of the agent components on one host, for the prometheus_gate module
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns the C(checks) of
    M(llmagentos.ops.prometheus_gate) for every target of a component that runs on the given
    host - the gate a rolling update passes after it touched that host.
  - For each target, C(<agent>/<component> up) (C(probe) for components probed through
    blackbox_exporter) must be 1, and, for components with C(requests) and C(errors) signals,
    C(<agent>/<component> error ratio) - errors over requests of that target alone, over
    C(window) - must stay at or below the threshold of the component's C(error_rate) alert, or
    C(max_error_ratio) where it has none. A target that served no request in the window passes
    the error check.
  - Returns an empty list when no component runs on the host.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  host_names:
    description:
      - Names under which the host appears in the components' targets - the inventory name
        (what C(hosts_group) targets use) and any address static C(targets) use.
    type: list
    elements: str
    required: true
  window:
    description: Range of the rate() each error check reads; at least four scrape intervals.
    type: str
    default: 1m
  max_error_ratio:
    description: Limit of the error check for components without an C(error_rate) alert, as 5% or 0.05.
    type: raw
    default: 0.05
"""

EXAMPLES = r"""
- name: Gate on the health of the host's agent components
  llmagentos.ops.prometheus_gate:
    url: http://prometheus.example.internal:9090
    checks: >-
      {{ llmagentos_agents | llmagentos.ops.agent_gate_checks(groups=groups,
         host_names=[inventory_hostname, ansible_host | default(inventory_hostname)]) }}
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: prometheus_gate checks (name, query, min or max, if_empty), up before error ratio for each target.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.gates import gate_checks
from ansible_collections.llmagentos.ops.plugins.module_utils.units import parse_duration, parse_ratio
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents


def agent_gate_checks(agents, host_names, groups=None, window="1m", max_error_ratio=0.05):
    if not isinstance(host_names, (list, tuple)) or not all(isinstance(name, str) for name in host_names):
        raise AnsibleFilterError(f"agent_gate_checks: host_names must be a list of host names, got {host_names!r}")
    try:
        window_seconds = parse_duration(window)
    except ValueError as error:
        raise AnsibleFilterError(f"agent_gate_checks: window: {error}") from None
    try:
        limit = parse_ratio(max_error_ratio)
    except ValueError as error:
        raise AnsibleFilterError(f"agent_gate_checks: max_error_ratio: {error}") from None
    return compile_agents(lambda parsed: gate_checks(parsed, host_names, window_seconds, limit), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_gate_checks": agent_gate_checks}
