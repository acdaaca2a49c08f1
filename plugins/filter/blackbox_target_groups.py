# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Turns blackbox probe definitions into Prometheus file_sd target groups."""

from __future__ import annotations

DOCUMENTATION = r"""
name: blackbox_target_groups
short_description: Prometheus file_sd target groups for blackbox exporter probes
version_added: 0.1.0
description:
  - Each probe (a module and the targets it checks) becomes one file_sd target group whose
    labels tell the C(blackbox) scrape job which exporter to ask and with which module.
  - The C(blackbox) job of the prometheus role moves C(__address__) to C(__param_target) and
    C(__blackbox_exporter_address) to C(__address__).
options:
  _input:
    description: The probes, as in C(blackbox_exporter_probes).
    type: list
    elements: dict
    required: true
    suboptions:
      module:
        description: A module of C(blackbox_exporter_modules).
        type: str
        required: true
      targets:
        description: URLs or host:port pairs to probe.
        type: list
        elements: str
        required: true
      labels:
        description: Labels added to every probe series.
        type: dict
  exporter_address:
    description: host:port of the blackbox exporter that runs the probes.
    type: str
    required: true
  variable_name:
    description: Name of the variable the probes came from, used in error messages.
    type: str
    default: blackbox_exporter_probes
"""

EXAMPLES = r"""
- name: Target groups for the probes of this host
  ansible.builtin.copy:
    content: "{{ blackbox_exporter_probes | llmagentos.ops.blackbox_target_groups('probe1:9115') | to_nice_yaml }}"
    dest: /etc/prometheus/file_sd/blackbox/probe1.yml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: One file_sd target group per probe.
  type: list
  elements: dict
"""

import re

from ansible.errors import AnsibleFilterError

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")


def blackbox_target_groups(probes, exporter_address, variable_name="blackbox_exporter_probes"):
    if not isinstance(probes, list):
        raise AnsibleFilterError(f"{variable_name} must be a list of probes, got {type(probes).__name__}")
    groups = []
    for index, probe in enumerate(probes):
        path = f"{variable_name}[{index}]"
        if not isinstance(probe, dict):
            raise AnsibleFilterError(f"{path} must be a mapping with module and targets")
        unknown = sorted(set(probe) - {"module", "targets", "labels"})
        if unknown:
            raise AnsibleFilterError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: module, targets, labels")
        module = probe.get("module")
        if not isinstance(module, str) or not module:
            raise AnsibleFilterError(f"{path}.module must be a non-empty string")
        targets = probe.get("targets")
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t for t in targets):
            raise AnsibleFilterError(f"{path}.targets must be a non-empty list of strings")
        labels = probe.get("labels") or {}
        if not isinstance(labels, dict):
            raise AnsibleFilterError(f"{path}.labels must be a mapping of label names to values")
        for name in labels:
            if not _LABEL_NAME.match(str(name)) or str(name).startswith("__"):
                raise AnsibleFilterError(f"{path}.labels.{name}: not a valid Prometheus label name")
        groups.append({
            "targets": list(targets),
            "labels": {
                **{str(k): str(v) for k, v in labels.items()},
                "module": module,
                "__param_module": module,
                "__blackbox_exporter_address": exporter_address,
            },
        })
    return groups


class FilterModule:
    def filters(self):
        return {"blackbox_target_groups": blackbox_target_groups}
