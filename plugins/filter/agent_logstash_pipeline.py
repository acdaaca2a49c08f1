# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: the Logstash pipeline for the agents' logs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_logstash_pipeline
short_description: A Logstash pipeline that parses the logs of LLM agents
version_added: 0.1.0
description:
  - Validates an C(llmagentos_agents) description and returns the text of one Logstash pipeline
    configuration - a beats input; one branch per component with C(logs), chosen by the
    C(labels.agent) and C(labels.component) fields Filebeat sets, that parses the line with the
    component's log format (grok, json, kv, date, translate, durations in nanoseconds) using
    C([a][b]) field references; and an Elasticsearch data stream output.
  - It is the same grammar as
    R(agent_ingest_pipelines,ansible_collections.llmagentos.ops.agent_ingest_pipelines_filter);
    a line either cannot read keeps flowing, tagged C(llmagentos_parse_failure).
  - Every event, parsed or not, then goes through the redaction script with the component's
    settings (the same grammar and results as the ingest pipelines' redaction), and events that
    carried a prompt are routed to their own data stream.
  - The API key is read from the Logstash keystore (C(${LLMAGENTOS_ES_API_KEY}) by default),
    never written into the file.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  elasticsearch_hosts:
    description: Elasticsearch URLs the output writes to.
    type: list
    elements: str
    required: true
  beats_port:
    description: Port of the beats input.
    type: int
    default: 5044
  beats_ssl_certificate:
    description: Certificate of the beats input (TLS is off when not given).
    type: path
  beats_ssl_key:
    description: Private key (PKCS#8) of the beats input.
    type: path
  beats_ssl_client_ca:
    description:
      - CA certificate that must have signed the certificate every shipper shows (mutual TLS); with
        I(beats_ssl_certificate) only.
    type: path
  elasticsearch_ssl_ca:
    description: CA certificate that signed Elasticsearch's HTTP certificate.
    type: path
  api_key_variable:
    description: Name of the keystore entry that holds the output's API key (id:key).
    type: str
    default: LLMAGENTOS_ES_API_KEY
  dataset:
    description:
      - The data stream dataset; events go to logs-DATASET-NAMESPACE, and those that carried a
        prompt to logs-DATASET.prompts-NAMESPACE.
    type: str
    default: llmagentos.agents
  redaction_script:
    description:
      - Where the redaction script (C(roles/logstash/files/llmagentos_redact.rb), installed by the
        C(logstash) role) lies on the Logstash host.
    type: path
    default: /etc/logstash/llmagentos_redact.rb
"""

EXAMPLES = r"""
- name: Write the agents' Logstash pipeline
  ansible.builtin.copy:
    dest: /etc/logstash/conf.d/llmagentos.conf
    content: >-
      {{ llmagentos_agents | llmagentos.ops.agent_logstash_pipeline(
           elasticsearch_hosts=['https://es1.example.com:9200'],
           elasticsearch_ssl_ca='/etc/logstash/certs/ca.crt') }}
    mode: "0640"
"""

RETURN = r"""
_value:
  description: The pipeline configuration text.
  type: str
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.logstash import REDACTION_SCRIPT, LogstashValueError, logstash_pipeline
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.model import DATASET
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_log_sources, dataset_option

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


def agent_logstash_pipeline(agents, elasticsearch_hosts=None, groups=None, beats_port=5044, beats_ssl_certificate=None,
                            beats_ssl_key=None, elasticsearch_ssl_ca=None, api_key_variable="LLMAGENTOS_ES_API_KEY",
                            dataset=DATASET, beats_ssl_client_ca=None, redaction_script=REDACTION_SCRIPT):
    if not isinstance(elasticsearch_hosts, list) or not elasticsearch_hosts or not all(
            isinstance(host, str) and host for host in elasticsearch_hosts):
        raise AnsibleFilterError(f"agent_logstash_pipeline: elasticsearch_hosts must be a non-empty list of URLs, got {elasticsearch_hosts!r}")
    if not isinstance(api_key_variable, str) or not _VARIABLE.match(api_key_variable):
        raise AnsibleFilterError(f"agent_logstash_pipeline: api_key_variable must be a keystore key name such as "
                                 f"LLMAGENTOS_ES_API_KEY, got {api_key_variable!r}")
    dataset_option("agent_logstash_pipeline", dataset)
    for option, value in (("beats_ssl_certificate", beats_ssl_certificate), ("beats_ssl_key", beats_ssl_key),
                          ("elasticsearch_ssl_ca", elasticsearch_ssl_ca), ("beats_ssl_client_ca", beats_ssl_client_ca)):
        if value is not None and not isinstance(value, str):
            raise AnsibleFilterError(f"agent_logstash_pipeline: {option} must be a file path, got {value!r}")
    if not isinstance(redaction_script, str) or not redaction_script.startswith("/"):
        raise AnsibleFilterError(f"agent_logstash_pipeline: redaction_script must be an absolute path, got {redaction_script!r}")
    if bool(beats_ssl_certificate) != bool(beats_ssl_key):
        raise AnsibleFilterError("agent_logstash_pipeline: give both beats_ssl_certificate and beats_ssl_key, or neither")
    beats_ssl = (beats_ssl_certificate, beats_ssl_key) if beats_ssl_certificate else None
    if beats_ssl_client_ca and not beats_ssl:
        raise AnsibleFilterError("agent_logstash_pipeline: beats_ssl_client_ca needs beats_ssl_certificate and beats_ssl_key "
                                 "(client certificates are checked over TLS only)")
    try:
        return compile_log_sources(lambda sources: logstash_pipeline(
            sources, elasticsearch_hosts, beats_port, beats_ssl, elasticsearch_ssl_ca, api_key_variable, dataset,
            beats_ssl_client_ca, redaction_script), agents, groups)
    except LogstashValueError as error:
        raise AnsibleFilterError(f"agent_logstash_pipeline: {error}") from None


class FilterModule:
    def filters(self):
        return {"agent_logstash_pipeline": agent_logstash_pipeline}
