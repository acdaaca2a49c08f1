import re

import pytest
import yaml

from ansible_collections.llmagentos.ops.plugins.filter.agent_rule_tests import agent_rule_tests
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.promql import series
from examples import AGENTS, GOLDEN, GROUPS, every_preset_agent
from tools import expression_tests, promtool


def write(tmp_path, rules, tests):
    (tmp_path / "agents.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
    (tmp_path / "agents_test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))


def test_rules_match_the_golden_file():
    assert agent_rules(AGENTS, GROUPS) == yaml.safe_load((GOLDEN / "support_bot.rules.yml").read_text())


def test_rule_tests_match_the_golden_file():
    expected = yaml.safe_load((GOLDEN / "support_bot.rules_test.yml").read_text())
    assert agent_rule_tests(AGENTS, ["agents.yml"], GROUPS) == expected


def test_promtool_accepts_the_rules_and_their_tests_pass(tmp_path):
    write(tmp_path, agent_rules(AGENTS, GROUPS), agent_rule_tests(AGENTS, ["agents.yml"], GROUPS))
    code, output = promtool("check", "rules", str(tmp_path / "agents.yml"))
    assert code == 0, output
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


@pytest.mark.parametrize("component", every_preset_agent()[0]["components"], ids=lambda component: component["name"])
def test_the_generated_tests_of_every_alert_every_preset_can_feed_pass(component, tmp_path):
    # One preset at a time: promtool evaluates every rule of the file for every test case.
    agents = [{"name": "every", "components": [component]}]
    write(tmp_path, agent_rules(agents), agent_rule_tests(agents, ["agents.yml"]))
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


def test_a_gpu_pinned_to_another_agent_is_not_this_agents_page(tmp_path):
    """The generated GPU cases fail against rules that ignore agent_service's pins."""
    agents = [{"name": "bot", "components": [{"name": "gpus", "kind": "gpu", "preset": "dcgm", "targets": ["gpu-1:9400"],
                                              "alerts": {"row_remap_failure": {}}}]}]
    rules = agent_rules(agents)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "GPURowRemapFailed":
                rule["expr"] = 'llmagentos:gpu_row_remap_failure:max{agent="bot",component="gpus"} > 0'
    write(tmp_path, rules, agent_rule_tests(agents, ["agents.yml"]))
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code != 0 and "quiet when another agent's component is pinned to the GPU" in output, output


def test_the_generated_tests_catch_a_wrong_rule(tmp_path):
    # Rules compiled with a higher traffic gate than the tests expect: the firing cases must fail.
    write(tmp_path, agent_rules(AGENTS, GROUPS, min_request_rate=10), agent_rule_tests(AGENTS, ["agents.yml"], GROUPS))
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code != 0 and "ToolAPIErrorRateHigh" in output, output


def test_every_alert_has_the_required_labels_and_annotations():
    alerts = [rule for group in agent_rules(AGENTS, GROUPS)["groups"] for rule in group["rules"] if "alert" in rule]
    assert {a["alert"] for a in alerts} == {
        "LLMInferenceSlow", "LLMKVCacheUsageHigh", "AgentComponentDown", "ToolAPIErrorRateHigh", "TaskFailureRateHigh",
        "SLOErrorBudgetBurn", "AgentSignalMissing"}
    for alert in alerts:
        assert {"severity", "team", "env"} <= set(alert["labels"])
        assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}
        assert alert["expr"].count('agent="support-bot"') >= 1


def test_each_case_kind_is_generated():
    tests = agent_rule_tests(AGENTS, ["agents.yml"], GROUPS)["tests"]
    names = [t["name"] for t in tests]
    assert "support-bot/search ToolAPIErrorRateHigh: quiet when traffic is below the minimum" in names
    assert "support-bot/llm AgentComponentDown: fires when the target is down" in names
    assert "support-bot/llm AgentSignalMissing time_per_output_token: quiet while the signal is there" in names
    # five threshold and down alerts, and six signals their alerts and SLOs read
    assert sum("fires" in name for name in names) == 11


@pytest.mark.parametrize(("selector", "suffix", "expected"), [
    ("x_total", "", 'x_total{agent="a",component="c"}'),
    ('x_total{code=~"5.."}', "", 'x_total{code=~"5..",agent="a",component="c"}'),
    ("x_seconds", "_bucket", 'x_seconds_bucket{agent="a",component="c"}'),
])
def test_series_selectors(selector, suffix, expected):
    assert series(selector, {"agent": "a", "component": "c"}, suffix) == expected


def test_a_selector_names_one_metric():
    with pytest.raises(ValueError, match="does not start with a metric name"):
        series('{__name__=~"a|b"}', {}, "_bucket")


def test_slo_recordings_compute_the_error_ratio_from_raw_vllm_series(tmp_path):
    # One request a second; a quarter answered 5xx, a quarter slower than the 2s latency
    # objective (quarters keep the float arithmetic exact).
    own = 'agent="support-bot",component="llm",kind="llm"'
    raw = [
        (f'http_requests_total{{handler="/v1/chat/completions",status="200",{own}}}', "0+45x20"),
        (f'http_requests_total{{handler="/v1/chat/completions",status="500",{own}}}', "0+15x20"),
        (f'vllm:e2e_request_latency_seconds_count{{{own}}}', "0+60x20"),
        (f'vllm:e2e_request_latency_seconds_bucket{{le="2.0",{own}}}', "0+45x20"),
        (f'vllm:e2e_request_latency_seconds_bucket{{le="+Inf",{own}}}', "0+60x20"),
    ]
    labels = {"agent": "support-bot", "component": "llm", "kind": "llm"}
    expected = [
        {"labels": "llmagentos:slo_error_ratio:rate5m" + "{" + ",".join(
            f'{k}="{v}"' for k, v in {**labels, "sli": sli, "slo": slo}.items()) + "}", "value": 0.25}
        for sli, slo in (("availability", "99.5"), ("latency", "95"))
    ]
    tests = expression_tests(raw, [{"expr": "llmagentos:slo_error_ratio:rate5m", "eval_time": "10m", "exp_samples": expected}])
    write(tmp_path, agent_rules(AGENTS, GROUPS), tests)
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


def test_host_utilisation_is_read_from_node_exporter_on_the_components_hosts(tmp_path):
    # The LLM runs on 10.0.0.5: its two CPUs idle a quarter and three quarters of the time, a
    # quarter of its memory is available. Another host's node_exporter must not count.
    own = 'agent="support-bot",component="llm",kind="llm"'
    raw = [
        (f'up{{instance="10.0.0.5:8000",job="llmagentos/support-bot/llm",{own}}}', "1x20"),
        ('node_cpu_seconds_total{cpu="0",mode="idle",instance="10.0.0.5:9100",job="node"}', "0+15x20"),
        ('node_cpu_seconds_total{cpu="1",mode="idle",instance="10.0.0.5:9100",job="node"}', "0+45x20"),
        ('node_cpu_seconds_total{cpu="0",mode="idle",instance="10.0.0.9:9100",job="node"}', "0+60x20"),
        ('node_memory_MemAvailable_bytes{instance="10.0.0.5:9100",job="node"}', "25x20"),
        ('node_memory_MemTotal_bytes{instance="10.0.0.5:9100",job="node"}', "100x20"),
        ('node_memory_MemAvailable_bytes{instance="10.0.0.9:9100",job="node"}', "100x20"),
        ('node_memory_MemTotal_bytes{instance="10.0.0.9:9100",job="node"}', "100x20"),
    ]
    tests = expression_tests(raw, [
        {"expr": f'llmagentos:host_{resource}_utilization:ratio{{component="llm"}}', "eval_time": "10m",
         "exp_samples": [{"labels": f"llmagentos:host_{resource}_utilization:ratio{{{own}}}", "value": value}]}
        for resource, value in (("cpu", 0.5), ("memory", 0.75))
    ])
    write(tmp_path, agent_rules(AGENTS, GROUPS), tests)
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


def test_probed_and_kubernetes_only_components_get_no_host_utilisation():
    records = {(rule["labels"]["component"], rule["record"]) for group in agent_rules(AGENTS, GROUPS)["groups"]
               for rule in group["rules"] if "record" in rule}
    assert ("llm", "llmagentos:host_cpu_utilization:ratio") in records
    assert {"name": "fallback", "preset": "ollama"}.items() <= AGENTS[0]["components"][-1].items()
    assert ("fallback", "llmagentos:host_cpu_utilization:ratio") not in records  # Ollama, probed through blackbox


# A range-vector function whose argument selects by a regex over metric names, or by no name.
_RANGE_ARGUMENT = re.compile(r"\b(rate|increase|irate|delta)\((?P<selector>[^\[]*)\[")


def test_no_rule_hands_two_metric_names_to_one_function():
    """An engine exposing an old and a new name with the same labels must not break a rule: each
    rate() reads one metric by its name, and histogram_quantile() only such rates."""
    rules = agent_rules(every_preset_agent())["groups"]
    expressions = [rule["expr"] for group in rules for rule in group["rules"]]
    arguments = [match.group("selector") for expr in expressions for match in _RANGE_ARGUMENT.finditer(expr)]
    assert arguments
    for selector in arguments:
        assert re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*\{", selector), selector
        assert "__name__" not in selector, selector
    quantiles = [call for expr in expressions for call in calls(expr, "histogram_quantile")]
    assert quantiles
    for call in quantiles:
        assert call.count("rate(") == 1, call


def calls(expr, function):
    """The full text of every call of `function` in `expr`."""
    for match in re.finditer(rf"\b{function}\(", expr):
        depth = 0
        for position in range(match.end() - 1, len(expr)):
            depth += {"(": 1, ")": -1}.get(expr[position], 0)
            if depth == 0:
                yield expr[match.start():position + 1]
                break


def assert_gpu_rules_pass(tmp_path, preset, port, tests):
    """`tests` pass on the rules of one GPU component of `preset` asking for the Xid alerts."""
    agents = [{"name": "bot", "components": [{"name": "gpus", "kind": "gpu", "preset": preset, "targets": [f"gpu-1:{port}"],
                                              "alerts": {"xid_critical": {}, "xid_warning": {}}}]}]
    write(tmp_path, agent_rules(agents, {}), tests)
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


def test_an_xid_pages_for_ten_minutes_from_the_dcgm_gauge_and_an_application_xid_never(tmp_path):
    # GPU 0 raises Xid 79 at minute 5; GPU 1 an application fault (13) at minute 5, then 94 at 20.
    own = 'agent="bot",component="gpus",kind="gpu",instance="gpu-1:9400"'
    raw = [
        (f'DCGM_FI_DEV_XID_ERRORS{{gpu="0",UUID="GPU-a",pci_bus_id="00000000:3B:00.0",{own}}}', "0x4 79x40"),
        (f'DCGM_FI_DEV_XID_ERRORS{{gpu="1",UUID="GPU-b",pci_bus_id="00000000:5E:00.0",{own}}}', "0x4 13x15 94x25"),
        (f'DCGM_FI_DEV_GPU_UTIL{{gpu="0",UUID="GPU-a",pci_bus_id="00000000:3B:00.0",{own}}}', "90x45"),
        (f'DCGM_FI_DEV_GPU_UTIL{{gpu="1",UUID="GPU-b",pci_bus_id="00000000:5E:00.0",{own}}}', "90x45"),
    ]
    recent = "llmagentos:gpu_xid:recent10m"
    gpu0 = 'agent="bot",component="gpus",gpu="0",host="gpu-1",instance="gpu-1:9400",kind="gpu",pci_bus_id="00000000:3B:00.0",UUID="GPU-a"'
    gpu1 = 'agent="bot",component="gpus",gpu="1",host="gpu-1",instance="gpu-1:9400",kind="gpu",pci_bus_id="00000000:5E:00.0",UUID="GPU-b"'
    tests = expression_tests(raw, [
        {"expr": recent, "eval_time": "8m", "exp_samples": [{"labels": f'{recent}{{{gpu0},xid="79"}}', "value": 1}]},
        {"expr": recent, "eval_time": "16m", "exp_samples": []},
        {"expr": recent, "eval_time": "22m", "exp_samples": [{"labels": f'{recent}{{{gpu1},xid="94"}}', "value": 1}]},
    ])
    assert_gpu_rules_pass(tmp_path, "dcgm", 9400, tests)


def test_nvidia_gpu_exporter_xids_count_while_recent_and_gpus_get_dcgm_labels(tmp_path):
    own = 'agent="bot",component="gpus",kind="gpu",instance="gpu-1:9835"'
    raw = [
        (f'nvidia_smi_gpu_info{{uuid="a",index="0",pci_bus_id="00000000:3B:00.0",{own}}}', "1x30"),
        # Xid 79 at minute 5 (300 s), 48 long before the range.
        (f'nvidia_smi_xid_last_timestamp_seconds{{uuid="a",xid="79",{own}}}', "_x5 300x25"),
        (f'nvidia_smi_xid_last_timestamp_seconds{{uuid="a",xid="48",{own}}}', "-3600x30"),
        (f'nvidia_smi_utilization_gpu_ratio{{uuid="a",{own}}}', "1x30"),
    ]
    recent = "llmagentos:gpu_xid:recent10m"
    gpu = 'agent="bot",component="gpus",gpu="0",host="gpu-1",instance="gpu-1:9835",kind="gpu",pci_bus_id="00000000:3B:00.0",UUID="GPU-a"'
    tests = expression_tests(raw, [
        {"expr": recent, "eval_time": "9m", "exp_samples": [{"labels": f'{recent}{{{gpu},xid="79"}}', "value": 1}]},
        {"expr": recent, "eval_time": "16m", "exp_samples": []},
    ])
    assert_gpu_rules_pass(tmp_path, "nvidia_smi", 9835, tests)
