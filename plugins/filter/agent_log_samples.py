# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: the sample lines each ingest pipeline is proven against."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_log_samples
short_description: The sample log lines each agent ingest pipeline must parse
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns, for every ingest pipeline that
    R(agent_ingest_pipelines,ansible_collections.llmagentos.ops.agent_ingest_pipelines_filter)
    makes, the sample lines it was proven against when compiled - the log format's own samples,
    then the component's C(logs.samples) - each with the fields it must give.
  - Pass them to C(llmagentos.ops.elasticsearch_ingest_pipeline) as C(samples), and Elasticsearch
    itself runs them through the new pipeline (C(_simulate)) before the live one is replaced.
extends_documentation_fragment:
  - llmagentos.ops.agents
"""

EXAMPLES = r"""
- name: Load the agents' ingest pipelines, proven by Elasticsearch on their samples first
  llmagentos.ops.elasticsearch_ingest_pipeline:
    id: "{{ item.key }}"
    body: "{{ item.value }}"
    samples: "{{ (llmagentos_agents | llmagentos.ops.agent_log_samples)[item.key] }}"
    api_key: "{{ vault_pipeline_api_key }}"
  loop: "{{ llmagentos_agents | llmagentos.ops.agent_ingest_pipelines | dict2items }}"
"""

RETURN = r"""
_value:
  description: Pipeline id to a list of samples, each with C(line) and C(expect) (dotted field names to values).
  type: dict
"""

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.ingest import pipeline_samples
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources


def agent_log_samples(agents, groups=None):
    return compile_log_sources(pipeline_samples, agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_log_samples": agent_log_samples}
