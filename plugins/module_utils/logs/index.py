# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Where the agents' events are stored: an ILM policy and a data stream index template for
logs-DATASET-*, with mappings compiled from the pipelines themselves, so every number a pipeline
produces (grok :int/:float captures, durations) is mapped as a number, and every label as a keyword."""

from __future__ import annotations

from .grok import Grok
from .redaction import DATA_CLASS_FIELD, REDACTED_FIELD
from .steps import GrokStep, ParseDuration

# Elastic's own component templates for logs data streams (ECS dynamic templates, logs settings);
# skipped by Elasticsearch where they do not exist.
BUILTIN_COMPONENTS = ["logs@mappings", "logs@settings", "ecs@mappings"]
_TYPES = {"int": "long", "float": "double"}
_KEYWORDS = ("service.name", "service.environment", "labels.agent", "labels.component", "log.level", "log.logger",
             "gen_ai.response.id", "tags", "event.kind", "data_stream.type", "data_stream.dataset",
             "data_stream.namespace", REDACTED_FIELD, DATA_CLASS_FIELD)


def _nest(flat):
    """{'a.b': mapping} -> {'a': {'properties': {'b': mapping}}}."""
    properties = {}
    for field, mapping in sorted(flat.items()):
        node = properties
        *parents, leaf = field.split(".")
        for part in parents:
            node = node.setdefault(part, {"properties": {}})["properties"]
        node[leaf] = mapping
    return properties


def field_conflicts(steps):
    """(field, field inside it) pairs where the steps write a value and an object at one place,
    such as a capture into `labels` beside the pipeline's own `labels.agent`."""
    fields = set(_KEYWORDS) | {"event.duration", "@timestamp", "message"}
    for step in steps:
        if isinstance(step, GrokStep):
            fields.update(Grok(step.patterns, dict(step.pattern_definitions)).fields())
    return sorted((field, other) for field in fields for other in fields if other.startswith(field + "."))


def field_types(sources):
    """Dotted field -> Elasticsearch type for every typed field the sources' pipelines produce."""
    types = {field: "keyword" for field in _KEYWORDS}
    types["event.duration"] = "long"
    for step in (step for source in sources for step in source.logs.steps):
        if isinstance(step, GrokStep):
            for field, type_name in Grok(step.patterns, dict(step.pattern_definitions)).fields().items():
                if type_name and field.split(".")[0] not in ("_tmp", "timestamp"):
                    types[field] = _TYPES[type_name]
        elif isinstance(step, ParseDuration):
            types[step.target] = "long"
    return types


def ilm_policy(retention_days, rollover_days=7, rollover_size_gb=50):
    """Roll over weekly or at rollover_size_gb per primary shard; delete after retention_days."""
    return {"policy": {
        "_meta": {"managed_by": "llmagentos.ops"},
        "phases": {
            "hot": {"actions": {"rollover": {"max_age": f"{rollover_days}d",
                                             "max_primary_shard_size": f"{rollover_size_gb}gb"}}},
            "delete": {"min_age": f"{retention_days}d", "actions": {"delete": {}}},
        },
    }}


def index_template(sources, dataset, policy_name, replicas=1):
    """A composable template (priority above the stack's logs-*-*) for the data stream; the
    prompts' dataset (DATASET.prompts) has a template of its own, since logs-DATASET-* does not
    match it."""
    return {
        "index_patterns": [f"logs-{dataset}-*"],
        "data_stream": {},
        "priority": 200,
        "composed_of": list(BUILTIN_COMPONENTS),
        "ignore_missing_component_templates": list(BUILTIN_COMPONENTS),
        "template": {
            "settings": {"index.lifecycle.name": policy_name, "index.number_of_replicas": replicas},
            "mappings": {"properties": _nest({field: {"type": kind} for field, kind in field_types(sources).items()})},
        },
        "_meta": {"managed_by": "llmagentos.ops", "description": "LLM agents' logs, parsed by the llmagentos pipelines"},
    }
