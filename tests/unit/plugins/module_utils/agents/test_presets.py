import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.conventions import GPU_HEALTH_SIGNALS, SIGNALS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.promql import series


def test_every_preset_cites_its_source():
    assert all(preset.source for preset in PRESETS.values())


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_signal_is_a_selector_the_rules_can_narrow(name):
    for signal_name, signal in PRESETS[name].signals.items():
        suffix = "_bucket" if SIGNALS[signal_name].type == "histogram" else ""
        for metric in signal.metrics:
            for selector in filter(None, (metric.selector, metric.plus)):
                narrowed = series(selector, {"agent": "a", "component": "c"}, suffix)
                assert narrowed.endswith('agent="a",component="c"}'), narrowed
                assert "__name__" not in narrowed


@pytest.mark.parametrize(("name", "lacking"), [
    ("tgi", {"time_to_first_token", "kv_cache_usage"}),
    ("triton", {"latency", "time_per_output_token", "queue_time"}),
    ("llamacpp", {"requests", "errors", "latency"}),
    ("ollama", set(SIGNALS) - set(GPU_HEALTH_SIGNALS)),
    ("nvidia_smi", {"gpu_nvlink_errors"}),
    ("dcgm", {"gpu_recovery_action", "gpu_memory_total"}),
])
def test_presets_declare_what_they_lack(name, lacking):
    assert lacking <= set(PRESETS[name].lacks)


def test_gpu_health_is_lacking_only_where_a_gpu_is():
    assert not set(GPU_HEALTH_SIGNALS) & set(PRESETS["vllm"].lacks)


def test_user_mapped_signals_are_not_counted_as_lacking():
    assert not {"requests", "errors", "latency"} & set(PRESETS["http_api"].lacks)


def test_vllm_reads_current_names_before_deprecated_ones_and_the_engine_after_the_api_server():
    vllm = PRESETS["vllm"].signals
    assert vllm["kv_cache_usage"].names == ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
    assert vllm["time_per_output_token"].names == ("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")
    assert vllm["requests"].names[1] == "vllm:request_success_total"
    assert vllm["errors"].names[1] == 'vllm:request_success_total{finished_reason="error"}'
