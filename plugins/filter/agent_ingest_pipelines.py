# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: Elasticsearch ingest pipelines for the agents' logs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_ingest_pipelines
short_description: Elasticsearch ingest pipelines that parse the logs of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns one ingest pipeline per component
    that has C(logs), keyed by pipeline id C(llmagentos-AGENT-COMPONENT).
  - Each pipeline sets C(service.name) (the agent), C(labels.agent) and C(labels.component),
    strips colour codes, parses the line with the component's log format (grok with
    C(pattern_definitions), json, kv, date, durations in nanoseconds), and removes its temporary
    fields. A line it cannot read is kept, with C(error.message), C(event.kind=pipeline_error) and
    the tag C(llmagentos_parse_failure).
  - Every sample line of the description is parsed first; a sample that does not give the fields
    it expects fails the filter, naming the line, the pattern and the field.
extends_documentation_fragment:
  - llmagentos.ops.agents
"""

EXAMPLES = r"""
- name: Load the agents' ingest pipelines
  llmagentos.ops.elasticsearch_ingest_pipeline:
    id: "{{ item.key }}"
    body: "{{ item.value }}"
  loop: "{{ llmagentos_agents | llmagentos.ops.agent_ingest_pipelines | dict2items }}"
"""

RETURN = r"""
_value:
  description: Pipeline id to pipeline body (description, _meta, processors, on_failure).
  type: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.ingest import ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources


def agent_ingest_pipelines(agents, groups=None):
    return compile_log_sources(ingest_pipelines, agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_ingest_pipelines": agent_ingest_pipelines}
