# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: Filebeat inputs for the agents' log files."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_filebeat_inputs
short_description: Filebeat filestream inputs for the log files of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns one C(filestream) input per
    component that has C(logs) - its paths, the multiline rule of its log format (continuation
    lines such as Python tracebacks join the line before them), and the fields C(service.name),
    C(labels.agent), C(labels.component) and C(data_stream.*) on every event.
  - With I(output=elasticsearch) each input names its ingest pipeline (see
    R(agent_ingest_pipelines,ansible_collections.llmagentos.ops.agent_ingest_pipelines_filter));
    with I(output=logstash) the Logstash pipeline parses the events, chosen by their labels.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  hosts:
    description:
      - Names and addresses of the host Filebeat runs on (for example
        C([inventory_hostname, ansible_host])); only components with a target on that host get an
        input. Without it every component does.
    type: list
    elements: str
  dataset:
    description: The data stream dataset the events are written to (logs-DATASET-ENVIRONMENT).
    type: str
    default: llmagentos.agents
  output:
    description: Where Filebeat sends the events.
    type: str
    choices: [elasticsearch, logstash]
    default: elasticsearch
"""

EXAMPLES = r"""
- name: Configure Filebeat for the agents on this host
  ansible.builtin.include_role:
    name: llmagentos.ops.filebeat
  vars:
    filebeat_inputs: >-
      {{ llmagentos_agents | llmagentos.ops.agent_filebeat_inputs(groups=groups, output='logstash',
           hosts=[inventory_hostname, ansible_host | default(inventory_hostname)]) }}
"""

RETURN = r"""
_value:
  description: Filebeat input definitions (type filestream), ready for filebeat.inputs.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.filebeat import filebeat_inputs
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.model import DATASET
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources, dataset_option


def agent_filebeat_inputs(agents, groups=None, output="elasticsearch", hosts=None, dataset=DATASET):
    dataset_option("agent_filebeat_inputs", dataset)
    if output not in ("elasticsearch", "logstash"):
        raise AnsibleFilterError(f"agent_filebeat_inputs: output must be elasticsearch or logstash, got {output!r}")
    if hosts is not None and (not isinstance(hosts, list) or not all(isinstance(host, str) for host in hosts)):
        raise AnsibleFilterError("agent_filebeat_inputs: hosts must be a list of host names or addresses")
    return compile_log_sources(lambda sources: filebeat_inputs(sources, output, dataset, hosts), agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_filebeat_inputs": agent_filebeat_inputs}
