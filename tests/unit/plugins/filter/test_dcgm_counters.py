"""dcgm-exporter's counters file: every field the GPU rules read is enabled, exactly as the
simulator's dcgm-health profile serves it, and a field it cannot know is refused by name."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from profiles import PROFILES

from ansible_collections.llmagentos.ops.plugins.filter.dcgm_counters import dcgm_counters
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS

LINE = re.compile(r"^(DCGM_(?:FI|EXP)_[A-Z0-9_]+), (gauge|counter|label), ([^,\n]*)$")


def gpu_agent(**component):
    return [{"name": "bot", "components": [{"name": "gpus", "kind": "gpu", "preset": "dcgm", "targets": ["gpu-1:9400"],
                                            **component}]}]


def fields(text):
    """{field: (type, help)} of a counters file, each line checked as dcgm-exporter splits it."""
    parsed = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f"not a counters line: {line!r}"
        assert match[1] not in parsed, f"{match[1]} twice"
        parsed[match[1]] = (match[2], match[3])
    return parsed


def test_the_file_enables_what_the_simulator_serves_for_the_dcgm_exporter_role():
    served = {family["name"]: (family["type"], family["help"]) for family in PROFILES["dcgm-health"]["families"]}
    assert fields(dcgm_counters(gpu_agent())) == served


def test_every_dcgm_metric_the_rules_read_is_enabled_under_its_name_for_the_dcgm_version():
    read = {name for signal in PRESETS["dcgm"].signals.values() for name in signal.names}
    current, legacy = fields(dcgm_counters([])), fields(dcgm_counters([], legacy_names=True))
    assert read - set(current) == {"DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"}
    assert read - set(legacy) == {"DCGM_FI_DEV_CLOCKS_EVENT_REASONS"}
    assert set(current) - set(legacy) == {"DCGM_FI_DEV_CLOCKS_EVENT_REASONS"}


def test_a_field_the_description_reads_is_enabled_and_one_it_cannot_know_is_refused_by_path():
    text = dcgm_counters(gpu_agent(metrics={"gpu_utilization": "DCGM_FI_PROF_SM_ACTIVE"}),
                         extra=[{"field": "DCGM_FI_PROF_SM_ACTIVE", "type": "gauge", "help": "Ratio of cycles an SM has a warp"}])
    assert fields(text)["DCGM_FI_PROF_SM_ACTIVE"] == ("gauge", "Ratio of cycles an SM has a warp")
    with pytest.raises(AnsibleFilterError, match=r"llmagentos_agents\[0\]\.components\[0\]: reads DCGM_FI_PROF_SM_ACTIVE, "
                                                 r"a DCGM field the counters file does not know"):
        dcgm_counters(gpu_agent(metrics={"gpu_utilization": "DCGM_FI_PROF_SM_ACTIVE"}))


@pytest.mark.parametrize(("extra", "message"), [
    ({"field": "DCGM_FI_DEV_X"}, r"dcgm_exporter_counters_extra: must be a list"),
    ([{"field": "gpu_temp", "type": "gauge", "help": "x"}], r"dcgm_exporter_counters_extra\[0\]\.field: must be a DCGM field name"),
    ([{"field": "DCGM_FI_DEV_X", "type": "histogram", "help": "x"}], r"\[0\]\.type: must be one of gauge, counter, label"),
    ([{"field": "DCGM_FI_DEV_X", "type": "gauge", "help": "a, b"}], r"\[0\]\.help: must be one line of text without commas"),
    ([{"field": "DCGM_FI_DEV_X", "type": "gauge", "units": "C"}], r"\[0\]: must be a mapping of field, type and help"),
])
def test_bad_extra_fields_are_refused_naming_the_field(extra, message):
    with pytest.raises(AnsibleFilterError, match=message):
        dcgm_counters([], extra=extra)


def test_a_bad_description_is_refused_like_the_other_outputs():
    with pytest.raises(AnsibleFilterError, match=r"invalid agent description"):
        dcgm_counters([{"name": "bot", "components": [{"name": "gpus", "kind": "gpu", "preset": "dcgm"}]}])
