#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Manage one Elasticsearch ingest pipeline through the REST API."""

from __future__ import annotations

DOCUMENTATION = r"""
module: elasticsearch_ingest_pipeline
short_description: Create, update or delete an Elasticsearch ingest pipeline
version_added: 0.1.0
description:
  - Reads the pipeline with C(GET _ingest/pipeline/ID) and writes it with C(PUT) only when its
    body differs, so a second run changes nothing. Check mode reports what would change, and the
    diff shows the stored body against the wanted one.
  - With I(samples), the wanted body is first run over the sample lines with
    C(_ingest/pipeline/_simulate); a sample that errors or does not give the expected fields fails
    the task and the live pipeline is left as it was.
  - Authenticates with an API key or a user; never needs a superuser - the C(manage_pipeline)
    cluster privilege is enough.
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Reports whether the pipeline would be created, changed or deleted, and stores nothing.
    support: full
  diff_mode:
    description: Shows the stored pipeline body against the wanted one.
    support: full
options:
  id:
    description: Pipeline id, such as C(llmagentos-support-bot-llm).
    type: str
    required: true
  body:
    description:
      - The pipeline (description, processors, on_failure, _meta...), as returned by the
        C(llmagentos.ops.agent_ingest_pipelines) filter. Required with I(state=present).
    type: dict
  state:
    description: Whether the pipeline exists.
    type: str
    choices: [present, absent]
    default: present
  samples:
    description:
      - Lines to run through the wanted body before it is stored. Each has C(line) (the
        C(message) of a test document) and C(expect), dotted field names to values.
      - A line tagged C(llmagentos_parse_failure) fails the task unless its C(expect) has that tag in
        C(tags), as the redaction's planted secrets do (stored unparsed, redacted all the same).
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - llmagentos.ops.connection
  - llmagentos.ops.connection.elasticsearch
"""

EXAMPLES = r"""
- name: Load the agents' ingest pipelines, proving their sample lines first
  llmagentos.ops.elasticsearch_ingest_pipeline:
    id: "{{ item.key }}"
    body: "{{ item.value }}"
    url: https://es-1.example.com:9200
    api_key: "{{ vault_llmagentos_pipeline_api_key }}"
    ca_path: /etc/llmagentos/elastic-ca.crt
    samples:
      - line: "INFO 08-17 02:59:34 [loggers.py:123] Engine 000: Avg prompt throughput: 5.7 tokens/s, ..."
        expect: {log.level: INFO}
  loop: "{{ llmagentos_agents | llmagentos.ops.agent_ingest_pipelines | dict2items }}"
  loop_control:
    label: "{{ item.key }}"

- name: Remove a pipeline
  llmagentos.ops.elasticsearch_ingest_pipeline:
    id: llmagentos-old-bot-llm
    state: absent
    api_key: "{{ vault_llmagentos_pipeline_api_key }}"
"""

RETURN = r"""
pipeline:
  description: The pipeline body after the task (null when absent).
  returned: always
  type: dict
previous:
  description: The pipeline body before the task (null when it did not exist).
  returned: always
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import (
    ELASTICSEARCH_ARGUMENT_SPEC, ELASTICSEARCH_OPTIONS, ApiError, elasticsearch_client, ensure_object, error_reason)


def _lookup(document, field):
    """A dotted field of a simulated document, whether stored nested or with dots in its name."""
    if field in document:
        return True, document[field]
    head, _dot, rest = field.partition(".")
    if rest and isinstance(document.get(head), dict):
        return _lookup(document[head], rest)
    return False, None


class SamplesFailed(Exception):
    pass


def check_samples(client, body, samples):
    """Problems of the sample lines through `body`, run by Elasticsearch itself."""
    if not samples:
        return []
    result = client.request("POST", "_ingest/pipeline/_simulate", {
        "pipeline": body, "docs": [{"_source": {"message": sample["line"]}} for sample in samples]}, idempotent=True)
    problems = []
    for index, (sample, outcome) in enumerate(zip(samples, result.get("docs", []))):
        if "error" in outcome:
            problems.append(f"samples[{index}]: {sample['line']!r} failed: {error_reason(json.dumps(outcome))}")
            continue
        source = outcome.get("doc", {}).get("_source", {})
        for field, expected in (sample.get("expect") or {}).items():
            found, actual = _lookup(source, field)
            if not found or actual != expected:
                got = f"is {actual!r}" if found else "is missing"
                problems.append(f"samples[{index}]: {sample['line']!r}: field {field} {got}, expected {expected!r}")
                break
        # A line meant to be stored unparsed (a redaction sample) expects the tag.
        if "llmagentos_parse_failure" in source.get("tags", []) \
                and "llmagentos_parse_failure" not in ((sample.get("expect") or {}).get("tags") or []):
            problems.append(f"samples[{index}]: {sample['line']!r} was tagged llmagentos_parse_failure: "
                            f"{_lookup(source, 'error.message')[1]}")
    return problems


def main():
    module = AnsibleModule(
        argument_spec={
            "id": {"type": "str", "required": True},
            "body": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "samples": {"type": "list", "elements": "dict", "default": []},
            **ELASTICSEARCH_ARGUMENT_SPEC,
        },
        **ELASTICSEARCH_OPTIONS,
        supports_check_mode=True,
    )
    pipeline_id, wanted, state = module.params["id"], module.params["body"], module.params["state"]
    if state == "present" and not wanted:
        module.fail_json(msg="body is required when state is present: give the pipeline (processors, on_failure...)")
    for index, sample in enumerate(module.params["samples"]):
        if not isinstance(sample.get("line"), str) or not isinstance(sample.get("expect", {}), dict):
            module.fail_json(msg=f"samples[{index}] must have line (a string) and expect (a mapping of fields to values)")
    client = elasticsearch_client(module, "manage_pipeline")
    path = f"_ingest/pipeline/{pipeline_id}"
    stored = {}

    def read():
        answer = client.request("GET", path, missing_ok=True)
        stored["pipeline"] = answer.get(pipeline_id) if answer else None
        return stored["pipeline"]

    def write(body):
        client.request("PUT", path, body)

    def prove(body):
        problems = check_samples(client, body, module.params["samples"])
        if problems:
            raise SamplesFailed(f"pipeline {pipeline_id} was not stored: its samples do not parse as expected:\n" + "\n".join(problems))

    try:
        changed, previous, pipeline, change = ensure_object(
            module, pipeline_id, state, wanted, read, write, lambda: client.request("DELETE", path), before_write=prove)
    except SamplesFailed as error:
        module.fail_json(msg=str(error), previous=stored["pipeline"], pipeline=stored["pipeline"])
    except ApiError as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=changed, previous=previous, pipeline=pipeline, **({"diff": change} if change else {}))


if __name__ == "__main__":
    main()
