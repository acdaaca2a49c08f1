# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filebeat filestream inputs, one per component with logs: its paths, its multiline rule, the
labels every event carries, the data stream it belongs to, and (when Filebeat writes straight to
Elasticsearch) the ingest pipeline that parses it."""

from __future__ import annotations

from .ingest import pipeline_id

DATASET = "llmagentos.agents"


def _target_host(target):
    return target.rsplit(":", 1)[0].strip("[]")


def filebeat_inputs(agents, output="elasticsearch", dataset=DATASET, hosts=None):
    """`hosts`: names and addresses of one host; only the components with a target there are
    kept (a Filebeat tails the files of its own host). None keeps every component."""
    inputs = []
    for agent in agents:
        for component in agent.components:
            if component.logs is None:
                continue
            if hosts is not None and not any(_target_host(target) in hosts for target in component.targets):
                continue
            fields = {
                "service": {"name": agent.name},
                "labels": {"agent": agent.name, "component": component.name},
                "data_stream": {"type": "logs", "dataset": dataset, "namespace": agent.environment or "default"},
            }
            if agent.environment:
                fields["service"]["environment"] = agent.environment
            entry = {
                "type": "filestream",
                "id": pipeline_id(agent, component),
                "paths": list(component.logs.paths),
                "fields_under_root": True,
                "fields": fields,
            }
            if component.logs.multiline:
                entry["parsers"] = [{"multiline": dict(component.logs.multiline)}]
            if output == "elasticsearch":
                entry["pipeline"] = pipeline_id(agent, component)
            inputs.append(entry)
    return inputs
