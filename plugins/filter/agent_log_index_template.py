# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: the ILM policy and index template of the agents' logs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_log_index_template
short_description: ILM policy and data stream index template for the logs of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns what Elasticsearch needs to store
    the agents' events - an ILM policy (roll over weekly or at 50 GB per primary shard, delete
    after I(retention_days)) and a composable index template for the data streams
    C(logs-DATASET-*) that uses it, and the same for the events that carried a prompt
    (C(logs-DATASET.prompts-*), deleted after I(prompt_retention_days)).
  - The template's mappings come from the pipelines themselves - every field a pipeline makes a
    number (grok C(:int)/C(:float) captures, durations in nanoseconds) is mapped as C(long) or
    C(double), and the labels, service and level fields as C(keyword); Elastic's own
    C(logs@mappings), C(logs@settings) and C(ecs@mappings) component templates map the rest of ECS
    where they exist.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  dataset:
    description: The data stream dataset the pipelines write to.
    type: str
    default: llmagentos.agents
  retention_days:
    description: Days an operational event is kept.
    type: int
    default: 30
  prompt_retention_days:
    description:
      - Days an event that carried a prompt or a completion is kept. Those events go to their own
        data stream, C(logs-DATASET.prompts-*), with its own policy, which rolls over daily.
    type: int
    default: 7
  replicas:
    description: Replicas of each shard (0 on a single node).
    type: int
    default: 1
"""

EXAMPLES = r"""
- name: Compile the agents' log storage
  ansible.builtin.set_fact:
    agent_log_storage: "{{ llmagentos_agents | llmagentos.ops.agent_log_index_template(retention_days=14) }}"
"""

RETURN = r"""
_value:
  description:
    - C(ilm_policy) and C(index_template), each a mapping of one name to the body to PUT
      (C(_ilm/policy/NAME), C(_index_template/NAME)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.index import ilm_policy, index_template
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.ingest import prompts_dataset
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.model import DATASET
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources, dataset_option


def agent_log_index_template(agents, groups=None, dataset=DATASET, retention_days=30, replicas=1, prompt_retention_days=7):
    for name, value in (("retention_days", retention_days), ("prompt_retention_days", prompt_retention_days),
                        ("replicas", replicas)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "replicas" else 1):
            raise AnsibleFilterError(f"agent_log_index_template: {name} must be a whole number"
                                     f"{', 0 or more' if name == 'replicas' else ' of days, 1 or more'}, got {value!r}")
    dataset_option("agent_log_index_template", dataset)
    prompts = prompts_dataset(dataset)
    return compile_log_sources(lambda sources: {
        "ilm_policy": {f"logs-{dataset}": ilm_policy(retention_days),
                       f"logs-{prompts}": ilm_policy(prompt_retention_days, rollover_days=1)},
        "index_template": {f"logs-{dataset}": index_template(sources, dataset, f"logs-{dataset}", replicas),
                           f"logs-{prompts}": index_template(sources, prompts, f"logs-{prompts}", replicas)},
    }, agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_log_index_template": agent_log_index_template}
