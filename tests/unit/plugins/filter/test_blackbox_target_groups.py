import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.blackbox_target_groups import blackbox_target_groups


def test_probe_becomes_a_target_group_for_the_blackbox_job():
    groups = blackbox_target_groups(
        [{"module": "http_2xx", "targets": ["http://tool:8080/health"], "labels": {"agent": "support-bot"}}],
        "probe1:9115",
    )
    assert groups == [{
        "targets": ["http://tool:8080/health"],
        "labels": {
            "agent": "support-bot",
            "module": "http_2xx",
            "__param_module": "http_2xx",
            "__blackbox_exporter_address": "probe1:9115",
        },
    }]


def test_label_values_become_strings():
    groups = blackbox_target_groups([{"module": "tcp_connect", "targets": ["db:5432"], "labels": {"tier": 1}}], "p:9115")
    assert groups[0]["labels"]["tier"] == "1"


def test_no_probes_gives_an_empty_file():
    assert blackbox_target_groups([], "p:9115") == []


@pytest.mark.parametrize(
    ("probes", "message"),
    [
        ({"module": "http_2xx"}, r"blackbox_exporter_probes must be a list"),
        (["http://x"], r"blackbox_exporter_probes\[0\] must be a mapping"),
        ([{"module": "http_2xx", "targets": ["a"], "interval": "5s"}], r"blackbox_exporter_probes\[0\]: unknown key\(s\) interval"),
        ([{"targets": ["a"]}], r"blackbox_exporter_probes\[0\]\.module must be a non-empty string"),
        ([{"module": "http_2xx", "targets": []}], r"blackbox_exporter_probes\[0\]\.targets must be a non-empty list"),
        ([{"module": "http_2xx", "targets": "http://x"}], r"\.targets must be a non-empty list of strings"),
        ([{"module": "m", "targets": ["a"]}, {"module": "m", "targets": ["b"], "labels": ["x"]}],
         r"blackbox_exporter_probes\[1\]\.labels must be a mapping"),
        ([{"module": "m", "targets": ["a"], "labels": {"bad-name": "x"}}], r"labels\.bad-name: not a valid Prometheus label name"),
        ([{"module": "m", "targets": ["a"], "labels": {"__address__": "x"}}], r"labels\.__address__: not a valid"),
    ],
)
def test_bad_probes_are_named_by_path(probes, message):
    with pytest.raises(AnsibleFilterError, match=message):
        blackbox_target_groups(probes, "p:9115")
