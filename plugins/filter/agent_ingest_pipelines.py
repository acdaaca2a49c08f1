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
  - Then every pipeline redacts the event (e-mail addresses, phone numbers, Luhn-checked card
    numbers, IBANs, IP addresses, Authorization headers, bearer tokens, JWTs, provider API keys and
    the component's own patterns; see C(logs.redaction) in docs/agent-description.md), records the
    kinds it redacted in C(llmagentos.redacted), and sends events that carried a prompt to the data
    stream C(logs-DATASET.prompts-NAMESPACE). A line that could not be parsed is redacted all the
    same, and an event the redaction fails on is stored without its text fields.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  dataset:
    description: The data stream dataset the agents' logs are written to; prompts go to DATASET.prompts.
    type: str
    default: llmagentos.agents
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
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.model import DATASET
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources, dataset_option


def agent_ingest_pipelines(agents, groups=None, dataset=DATASET):
    dataset_option("agent_ingest_pipelines", dataset)
    return compile_log_sources(lambda sources: ingest_pipelines(sources, dataset), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_ingest_pipelines": agent_ingest_pipelines}
