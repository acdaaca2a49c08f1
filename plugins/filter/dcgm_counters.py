# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""dcgm-exporter's counters file, compiled from the agent description."""

from __future__ import annotations

DOCUMENTATION = r"""
name: dcgm_counters
short_description: dcgm-exporter's counters file for the GPU rules of the agent description
version_added: 0.2.0
description:
  - Writes the counters file dcgm-exporter reads with C(-f) (one C(DCGM field, type, help) line per field) - the
    fields of dcgm-exporter's default file, the health fields the GPU health alerts read (ECC, pending row remaps,
    the clock-event bitmask, NVLink errors; commented out of the default file), every DCGM field a C(dcgm)
    component of the description reads, and the extra fields given.
  - dcgm-exporter refuses a field DCGM does not know, so a field the description reads that is not in the
    collection's tables must be given in O(extra) with its type and help; the error names the component.
options:
  _input:
    description: The agent description (C(llmagentos_agents)).
    type: list
    elements: dict
    required: true
  groups:
    description: The inventory's C(groups), to resolve the components' C(hosts_group).
    type: dict
  extra:
    description: Further fields, each a mapping of C(field) (a DCGM field name), C(type) (C(gauge), C(counter) or
      C(label)) and C(help) (one line without commas).
    type: list
    elements: dict
    default: []
  legacy_names:
    description: Use the names of DCGM before 3.3 (C(DCGM_FI_DEV_CLOCK_THROTTLE_REASONS) for the clock-event bitmask).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Write the counters file
  ansible.builtin.copy:
    content: "{{ llmagentos_agents | llmagentos.ops.dcgm_counters(groups, extra=dcgm_exporter_counters_extra) }}"
    dest: /etc/dcgm-exporter/llmagentos-counters.csv
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The counters file's text, one C(field, type, help) line per DCGM field after a comment line.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dcgm import CountersError, counters, extra_fields, render
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents


def dcgm_counters(agents, groups=None, extra=None, legacy_names=False):
    try:
        own = extra_fields(extra or [], "dcgm_exporter_counters_extra")
        return compile_agents(lambda parsed: render(counters(parsed, own, bool(legacy_names))), agents, groups)
    except CountersError as error:
        raise AnsibleFilterError("dcgm_counters: " + "; ".join(f"{path}: {message}" for path, message in error.problems)) from None


class FilterModule:
    def filters(self):
        return {"dcgm_counters": dcgm_counters}
