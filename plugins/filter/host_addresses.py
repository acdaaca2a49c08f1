# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The address other hosts use to reach each inventory host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: host_addresses
short_description: Addresses at which other hosts reach the given inventory hosts
version_added: 0.1.0
description:
  - For each inventory host name, returns C(llmagentos_address) if the host sets it, else
    C(ansible_host), else the inventory name itself.
  - Roles use it to point Prometheus at Alertmanagers, to list Alertmanager cluster peers and to
    register exporters, so one variable decides how hosts address each other.
options:
  _input:
    description: Inventory host names, for example C(groups['alertmanager']).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  port:
    description: If given, C(:port) is appended to every address.
    type: int
"""

EXAMPLES = r"""
- name: Alertmanager targets for prometheus.yml
  ansible.builtin.debug:
    msg: "{{ groups['alertmanager'] | llmagentos.ops.host_addresses(hostvars, port=9093) }}"
"""

RETURN = r"""
_value:
  description: One address per input host, in the same order.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError


def host_addresses(hostnames, hostvars, port=None):
    if isinstance(hostnames, (str, bytes)) or not isinstance(hostnames, (list, tuple)):
        raise AnsibleFilterError(f"host_addresses expects a list of inventory host names, got {hostnames!r}")
    if not hasattr(hostvars, "get") or not hasattr(hostvars, "__contains__"):
        raise AnsibleFilterError("host_addresses: hostvars must be the play's hostvars")
    if port is not None and (isinstance(port, bool) or not isinstance(port, (int, str)) or not str(port).isdigit()
                             or not 0 < int(port) < 65536):
        raise AnsibleFilterError(f"host_addresses: port must be a port number from 1 to 65535, got {port!r}")
    addresses = []
    for name in hostnames:
        if not isinstance(name, str) or name not in hostvars:
            raise AnsibleFilterError(f"host_addresses: {name!r} is not a host of the inventory")
        host = hostvars[name]
        address = host.get("llmagentos_address") or host.get("ansible_host") or name
        addresses.append(f"{address}:{int(port)}" if port is not None else str(address))
    return addresses


class FilterModule:
    def filters(self):
        return {"host_addresses": host_addresses}
