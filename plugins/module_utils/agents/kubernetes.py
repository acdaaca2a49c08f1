# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Manifests for the Prometheus Operator (kube-prometheus-stack): a PrometheusRule per agent and a
ServiceMonitor or PodMonitor per component that runs in the cluster."""

from __future__ import annotations

import re

from .rules import Options, agent_rules
from .conventions import PREFIX, component_labels

API_VERSION = "monitoring.coreos.com/v1"


def resource_name(*parts):
    """A DNS-1123 name: lower case, '-' for anything else, at most 63 characters."""
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return name[:63].rstrip("-")


def _metadata(name, namespace, release):
    return {"name": name, "namespace": namespace,
            "labels": {"release": release, "app.kubernetes.io/part-of": "llmagentos", "app.kubernetes.io/managed-by": "llmagentos.ops"}}


def kubernetes_manifests(agents, namespace="monitoring", release="kube-prometheus-stack", options=Options()):
    """PrometheusRule and ServiceMonitor/PodMonitor manifests. `release` is the label the
    operator's ruleSelector and serviceMonitorSelector match in kube-prometheus-stack."""
    manifests = []
    for agent in agents:
        groups = agent_rules([agent], options)["groups"]
        if groups:
            manifests.append({
                "apiVersion": API_VERSION,
                "kind": "PrometheusRule",
                "metadata": _metadata(resource_name(PREFIX, agent.name), namespace, release),
                "spec": {"groups": groups},
            })
        for component in agent.components:
            if component.kubernetes is None:
                continue
            cluster = component.kubernetes
            # Relabelings give every series the labels the rules select on.
            relabelings = [{"action": "replace", "targetLabel": label, "replacement": value}
                           for label, value in component_labels(agent, component).items()]
            endpoint = {"port": cluster.port, "path": component.metrics_path, "scheme": component.scheme,
                        "relabelings": relabelings}
            pod = cluster.monitor == "pod"
            manifests.append({
                "apiVersion": API_VERSION,
                "kind": "PodMonitor" if pod else "ServiceMonitor",
                "metadata": _metadata(resource_name(PREFIX, agent.name, component.name), namespace, release),
                "spec": {
                    "namespaceSelector": {"matchNames": [cluster.namespace]},
                    "selector": {"matchLabels": dict(cluster.selector)},
                    "podMetricsEndpoints" if pod else "endpoints": [endpoint],
                },
            })
    return manifests
