import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.conventions import SIGNALS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.promql import series


def test_every_preset_cites_its_source():
    assert all(preset.source for preset in PRESETS.values())


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_signal_is_a_selector_the_rules_can_narrow(name):
    for signal_name, signal in PRESETS[name].signals.items():
        suffix = "_bucket" if SIGNALS[signal_name] == "histogram" else ""
        narrowed = series(signal.selector, {"agent": "a", "component": "c"}, suffix)
        assert narrowed.endswith('agent="a",component="c"}'), narrowed


@pytest.mark.parametrize(("name", "lacking"), [
    ("tgi", {"time_to_first_token", "kv_cache_usage"}),
    ("triton", {"latency", "time_to_first_token", "time_per_output_token"}),
    ("llamacpp", {"requests", "errors", "latency"}),
    ("ollama", set(SIGNALS)),
])
def test_presets_declare_what_they_lack(name, lacking):
    assert lacking <= set(PRESETS[name].lacks)


def test_user_mapped_signals_are_not_counted_as_lacking():
    assert not {"requests", "errors", "latency"} & set(PRESETS["http_api"].lacks)


def test_vllm_matches_current_and_deprecated_names():
    vllm = PRESETS["vllm"].signals
    assert "kv|gpu" in vllm["kv_cache_usage"].selector
    assert "inter_token_latency|time_per_output_token" in vllm["time_per_output_token"].selector
