import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.host_addresses import host_addresses

HOSTVARS = {
    "am1": {"llmagentos_address": "10.0.0.9", "ansible_host": "192.0.2.1"},
    "am2": {"ansible_host": "10.0.0.10"},
    "am3": {},
}


def test_prefers_llmagentos_address_then_ansible_host_then_name():
    assert host_addresses(["am1", "am2", "am3"], HOSTVARS) == ["10.0.0.9", "10.0.0.10", "am3"]


def test_appends_the_port():
    assert host_addresses(["am1", "am3"], HOSTVARS, port=9093) == ["10.0.0.9:9093", "am3:9093"]


def test_keeps_the_order_of_the_group():
    assert host_addresses(["am3", "am1"], HOSTVARS) == ["am3", "10.0.0.9"]


def test_unknown_host_is_named():
    with pytest.raises(AnsibleFilterError, match="'ghost' is not a host of the inventory"):
        host_addresses(["ghost"], HOSTVARS)


def test_a_string_is_refused():
    with pytest.raises(AnsibleFilterError, match="list of inventory host names"):
        host_addresses("am1", HOSTVARS)
