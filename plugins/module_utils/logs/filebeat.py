# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filebeat filestream inputs, one per component with logs: its paths, its multiline rule, the
labels every event carries, the data stream it belongs to, and (when Filebeat writes straight to
Elasticsearch) the ingest pipeline that parses it."""

from __future__ import annotations

from .model import DATASET


def _target_host(target):
    return target.rsplit(":", 1)[0].strip("[]")


def filebeat_inputs(sources, output="elasticsearch", dataset=DATASET, hosts=None):
    """`hosts`: names and addresses of one host; only the sources with a target there are kept
    (a Filebeat tails the files of its own host). None keeps every source."""
    inputs = []
    for source in sources:
        if hosts is not None and not any(_target_host(target) in hosts for target in source.targets):
            continue
        fields = {
            "service": {"name": source.agent},
            "labels": {"agent": source.agent, "component": source.component},
            "data_stream": {"type": "logs", "dataset": dataset, "namespace": source.environment or "default"},
        }
        if source.environment:
            fields["service"]["environment"] = source.environment
        entry = {
            "type": "filestream",
            "id": source.pipeline_id,
            "paths": list(source.logs.paths),
            "fields_under_root": True,
            "fields": fields,
        }
        if source.logs.include_lines:
            entry["include_lines"] = list(source.logs.include_lines)
        if source.logs.multiline:
            entry["parsers"] = [{"multiline": dict(source.logs.multiline)}]
        if output == "elasticsearch":
            entry["pipeline"] = source.pipeline_id
        inputs.append(entry)
    return inputs
