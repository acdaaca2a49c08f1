# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: Prometheus Operator manifests."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_kubernetes_manifests
short_description: PrometheusRule, ServiceMonitor and PodMonitor manifests for LLM agents
version_added: 0.1.0
description:
  - For users of the Prometheus Operator (kube-prometheus-stack). Returns a list of manifests, for
    kubernetes.core.k8s or for C(kubectl apply) after C(to_nice_yaml).
  - One C(PrometheusRule) per agent holds the same groups as M(llmagentos.ops.agent_rules) would.
  - Every component with a C(kubernetes) block gets a C(ServiceMonitor) (or a C(PodMonitor) with
    C(monitor=pod)) whose relabelings add the labels C(agent), C(component), C(kind), C(env),
    C(team) and the component's own labels, so the rules match its series.
  - All manifests carry the label C(release=<release>), which kube-prometheus-stack's rule and
    monitor selectors require.
extends_documentation_fragment:
  - llmagentos.ops.agents
  - llmagentos.ops.agents.rules
options:
  namespace:
    description: Namespace of the manifests (where the operator looks for them).
    type: str
    default: monitoring
  release:
    description: Helm release name of kube-prometheus-stack, set as the C(release) label.
    type: str
    default: kube-prometheus-stack
"""

EXAMPLES = r"""
- name: Write the agents' manifests for kubectl apply
  ansible.builtin.copy:
    content: "{{ llmagentos_agents | llmagentos.ops.agent_kubernetes_manifests(release='prom') | map('to_nice_yaml') | join('---\n') }}"
    dest: /srv/gitops/monitoring/llmagentos.yml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: Kubernetes manifests (PrometheusRule, ServiceMonitor, PodMonitor).
  type: list
  elements: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.kubernetes import kubernetes_manifests
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents, rule_options


def agent_kubernetes_manifests(agents, groups=None, namespace="monitoring", release="kube-prometheus-stack",
                               **rule_settings):
    options = rule_options("agent_kubernetes_manifests", **rule_settings)
    return compile_agents(lambda parsed: kubernetes_manifests(parsed, namespace, release, options), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_kubernetes_manifests": agent_kubernetes_manifests}
