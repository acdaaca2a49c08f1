#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: elasticsearch_resource
short_description: Create, update or delete an Elasticsearch security role, ILM policy or template
version_added: 0.1.0
description:
  - Reads the object with C(GET) and writes it with C(PUT) only when the stored object differs
    from I(body), so a second run changes nothing. Check mode reports what would change; the diff
    shows the stored object against the wanted one.
  - The comparison reads the object the way Elasticsearch stores it - dotted setting names are
    nested, index settings get their C(index.) prefix, numbers and booleans in settings are
    strings - and ignores fields Elasticsearch adds that I(body) does not set.
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Reports whether the object would be created, changed or deleted, and stores nothing.
    support: full
  diff_mode:
    description: Shows the stored object against the wanted one.
    support: full
options:
  kind:
    description:
      - What the object is. C(role) is a security role (C(_security/role)), C(ilm_policy) an index
        lifecycle policy (C(_ilm/policy)), C(index_template) and C(component_template) composable
        templates.
    type: str
    required: true
    choices: [role, ilm_policy, index_template, component_template]
  name:
    description: Name of the object.
    type: str
    required: true
  body:
    description:
      - "The object, as sent to C(PUT); an ILM policy is C({policy: {phases: ...}}). Required with
        I(state=present)."
    type: dict
  state:
    description: Whether the object exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - llmagentos.ops.connection
  - llmagentos.ops.connection.elasticsearch
"""

EXAMPLES = r"""
- name: A role that can only write the agents' logs
  llmagentos.ops.elasticsearch_resource:
    kind: role
    name: llmagentos_logs_writer
    body:
      cluster: [monitor, read_ilm, read_pipeline]
      indices:
        - names: [logs-llmagentos.agents-*]
          privileges: [auto_configure, create_doc]
    url: https://es-1.example.com:9200
    username: elastic
    password: "{{ vault_elastic_password }}"
    ca_path: /etc/elasticsearch/certs/llmagentos-ca.crt

- name: Store the agents' ILM policy and data stream template
  llmagentos.ops.elasticsearch_resource:
    kind: "{{ item.kind }}"
    name: "{{ item.name }}"
    body: "{{ item.body }}"
    api_key: "{{ vault_admin_api_key }}"
  loop:
    - {kind: ilm_policy, name: logs-llmagentos.agents, body: "{{ storage.ilm_policy['logs-llmagentos.agents'] }}"}
    - {kind: index_template, name: logs-llmagentos.agents, body: "{{ storage.index_template['logs-llmagentos.agents'] }}"}
  vars:
    storage: "{{ llmagentos_agents | llmagentos.ops.agent_log_index_template(retention_days=14) }}"
"""

RETURN = r"""
resource:
  description: The object after the task, as stored (null when absent).
  returned: always
  type: dict
previous:
  description: The object before the task, as stored (null when it did not exist).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import (
    ELASTICSEARCH_ARGUMENT_SPEC, ELASTICSEARCH_OPTIONS, ApiError, elasticsearch_client, ensure_object)

# kind -> (path prefix, privilege needed, how to pick the object out of a GET answer)
KINDS = {
    "role": ("_security/role", "manage_security", lambda answer, name: answer.get(name)),
    "ilm_policy": ("_ilm/policy", "manage_ilm",
                   lambda answer, name: {"policy": answer[name]["policy"]} if name in answer else None),
    "index_template": ("_index_template", "manage_index_templates",
                       lambda answer, name: _first(answer.get("index_templates"), "index_template")),
    "component_template": ("_component_template", "manage_index_templates",
                           lambda answer, name: _first(answer.get("component_templates"), "component_template")),
}


def _first(entries, key):
    return entries[0][key] if entries else None


def _nest_dotted(settings):
    """{'index.lifecycle.name': x} -> {'index': {'lifecycle': {'name': x}}}, as Elasticsearch returns settings."""
    nested = {}
    for key, value in settings.items():
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if isinstance(value, dict):
            node.setdefault(leaf, {}).update(_nest_dotted(value))
        else:
            node[leaf] = value
    return nested


def normalize_settings(settings):
    """Index settings as stored: nested, under `index`, scalars as strings."""
    def as_stored(value):
        if isinstance(value, dict):
            return {key: as_stored(item) for key, item in value.items()}
        if isinstance(value, list):
            return [as_stored(item) for item in value]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    nested = _nest_dotted(settings)
    index = nested.pop("index", {})
    index.update(nested)
    return {"index": as_stored(index)}


def normalize(value, key=None):
    """A body in the form Elasticsearch stores, to compare like with like."""
    if isinstance(value, dict):
        if key == "settings":
            return normalize_settings(value)
        return {item_key: normalize(item, item_key) for item_key, item in value.items()}
    if isinstance(value, list):
        return [normalize(item) for item in value]
    return value


def contains(stored, wanted):
    """Whether `stored` has every field `wanted` sets, with the same value (lists in order)."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(key in stored and contains(stored[key], item) for key, item in wanted.items())
    if isinstance(wanted, list):
        return isinstance(stored, list) and len(stored) == len(wanted) and all(map(contains, stored, wanted))
    return stored == wanted


def main():
    module = AnsibleModule(
        argument_spec={
            "kind": {"type": "str", "required": True, "choices": sorted(KINDS)},
            "name": {"type": "str", "required": True},
            "body": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            **ELASTICSEARCH_ARGUMENT_SPEC,
        },
        **ELASTICSEARCH_OPTIONS,
        supports_check_mode=True,
    )
    kind, name, wanted, state = (module.params[key] for key in ("kind", "name", "body", "state"))
    prefix, privilege, pick = KINDS[kind]
    if state == "present" and not wanted:
        module.fail_json(msg=f"body is required when state is present: give the {kind} to store as {name}")
    if kind == "ilm_policy" and state == "present" and not isinstance(wanted.get("policy"), dict):
        module.fail_json(msg=f"body of ilm_policy {name} must be {{policy: {{phases: ...}}}}, as sent to PUT _ilm/policy/{name}")
    client = elasticsearch_client(module, privilege)
    path = f"{prefix}/{name}"

    def read():
        answer = client.request("GET", path, missing_ok=True)
        return pick(answer, name) if answer else None

    def write(body):
        client.request("PUT", path, body)
        return read()

    try:
        changed, previous, resource, change = ensure_object(
            module, f"{kind} {name}", state, wanted, read, write, lambda: client.request("DELETE", path),
            same=lambda stored, body: contains(normalize(stored), normalize(body)))
    except ApiError as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=changed, previous=previous, resource=resource, **({"diff": change} if change else {}))


if __name__ == "__main__":
    main()
