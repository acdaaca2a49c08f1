# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Prometheus scrape jobs for agent components."""

from __future__ import annotations

from .conventions import VARIABLE, component_labels, job_name
from .errors import DescriptionError


def scrape_configs(agents, blackbox_address=None, blackbox_client=None, preset_clients=None):
    """One job per component with a metrics endpoint; a blackbox probe job for components
    that have none (Ollama). `blackbox_address` is the host:port of the exporter that probes,
    `blackbox_client` how Prometheus reaches it (scheme, basic_auth, tls_config), and
    `preset_clients` how it reaches the components of a preset (the GPU exporters the
    collection's roles run with TLS and a password), by preset name."""
    preset_clients = preset_clients or {}
    jobs = []
    for agent_index, agent in enumerate(agents):
        for component_index, component in enumerate(agent.components):
            labels = component_labels(agent, component)
            if not component.targets:
                continue  # runs in Kubernetes only: scraped through its ServiceMonitor/PodMonitor
            if component.probe_path is None:
                jobs.append({
                    "job_name": job_name(agent, component),
                    "metrics_path": component.metrics_path,
                    "scheme": component.scheme,
                    **preset_clients.get(component.preset, {}),
                    "static_configs": [{"targets": list(component.targets), "labels": labels}],
                })
                continue
            if not blackbox_address:
                raise DescriptionError([(
                    f"{VARIABLE}[{agent_index}].components[{component_index}]",
                    f"preset {component.preset!r} has no metrics endpoint and is probed through blackbox_exporter: "
                    "pass blackbox_address='host:port' to the filter",
                )])
            jobs.append({
                **(blackbox_client or {}),
                "job_name": job_name(agent, component, "/probe"),
                "metrics_path": "/probe",
                "params": {"module": ["http_2xx"]},
                "static_configs": [{
                    "targets": [f"{component.scheme}://{target}{component.probe_path}" for target in component.targets],
                    "labels": labels,
                }],
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"source_labels": ["__param_target"], "target_label": "instance"},
                    {"target_label": "__address__", "replacement": blackbox_address},
                ],
            })
    return jobs
