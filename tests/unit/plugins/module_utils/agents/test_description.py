import copy

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError

from examples import EXAMPLE


def agents():
    return copy.deepcopy(EXAMPLE["llmagentos_agents"])


def problems(description, groups=None):
    with pytest.raises(DescriptionError) as caught:
        parse_agents(description, EXAMPLE["groups"] if groups is None else groups)
    return caught.value.problems


def test_the_example_is_valid():
    (agent,) = parse_agents(agents(), EXAMPLE["groups"])
    assert [c.name for c in agent.components] == ["llm", "search", "crm", "tasks", "gpu", "fallback"]
    llm = agent.components[0]
    assert [(a.name, a.threshold, a.for_seconds) for a in llm.alerts] == [
        ("time_per_output_token", 0.05, 300.0), ("kv_cache_usage", 0.9, 600.0), ("down", None, 120.0)]
    assert [(s.sli, s.objective, s.threshold, s.period_seconds) for s in llm.slos] == [
        ("availability", 0.995, None, 2592000.0), ("latency", 0.95, 2.0, 2592000.0)]
    assert agent.components[1].targets == ("search-1:8080", "search-2:8080")
    assert agent.components[4].targets == ("gpu-1:9400",)


def test_user_metrics_become_signals():
    search = parse_agents(agents(), EXAMPLE["groups"])[0].components[1]
    assert search.signal("errors").names == ('search_requests_total{code=~"5.."}',)


def mutate(change):
    description = agents()
    change(description)
    return description


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d[0].update(owner="me"), "llmagentos_agents[0].owner", "unknown key"),
    (lambda d: d[0].pop("name"), "llmagentos_agents[0].name", "is required"),
    (lambda d: d[0].update(name="support bot"), "llmagentos_agents[0].name", "is not valid"),
    (lambda d: d.append(copy.deepcopy(d[0])), "llmagentos_agents[1].name", "described twice"),
    (lambda d: d[0]["components"].append(copy.deepcopy(d[0]["components"][0])),
     "llmagentos_agents[0].components[6].name", "appears twice"),
    (lambda d: d[0]["components"][2].update(preset="vllm-ng"), "llmagentos_agents[0].components[2].preset", "unknown preset"),
    (lambda d: d[0]["components"][0].update(kind="tool"), "llmagentos_agents[0].components[0].kind", "is for kind llm"),
    (lambda d: d[0]["components"][0]["alerts"].update(time_to_first_token={"above": "2"}),
     "llmagentos_agents[0].components[0].alerts.time_to_first_token.above", "is not a duration"),
    (lambda d: d[0]["components"][0]["alerts"]["time_per_output_token"].update({"for": "soon"}),
     "llmagentos_agents[0].components[0].alerts.time_per_output_token.for", "is not a duration"),
    (lambda d: d[0]["components"][1]["alerts"]["error_rate"].update(above="5"),
     "llmagentos_agents[0].components[1].alerts.error_rate.above", "percentage"),
    (lambda d: d[0]["components"][0]["slos"][0].update(objective=100),
     "llmagentos_agents[0].components[0].slos[0].objective", "below 100"),
    (lambda d: d[0]["components"][0]["slos"][1].pop("threshold"),
     "llmagentos_agents[0].components[0].slos[1].threshold", "is required for a latency SLO"),
    (lambda d: d[0]["components"][2]["alerts"].update(latency={"above": "1s"}) if "alerts" in d[0]["components"][2]
     else d[0]["components"][2].update(alerts={"latency": {"above": "1s"}}),
     "llmagentos_agents[0].components[2].alerts.latency", "map them under metrics"),
    (lambda d: d[0]["components"][1].update(hosts_group="nowhere"),
     "llmagentos_agents[0].components[1].hosts_group", "does not exist"),
    (lambda d: d[0]["components"][1].update(targets=["a:1"]),
     "llmagentos_agents[0].components[1]", "exactly one of targets"),
    (lambda d: d[0]["components"][0].update(targets=["10.0.0.5"]),
     "llmagentos_agents[0].components[0].targets[0]", "is not host:port"),
    (lambda d: d[0]["components"][0]["labels"].update(agent="x"),
     "llmagentos_agents[0].components[0].labels.agent", "is set by the compiler"),
    (lambda d: d[0]["components"][0].update(port=70000), "llmagentos_agents[0].components[0].port", "1 to 65535"),
    (lambda d: d[0]["components"][1]["metrics"].update(throughput="x"),
     "llmagentos_agents[0].components[1].metrics.throughput", "unknown signal"),
    (lambda d: d[0]["components"][1]["metrics"].update(requests="rate(x[5m])"),
     "llmagentos_agents[0].components[1].metrics.requests", "metric name or selector"),
    (lambda d: d[0]["components"][0]["alerts"]["down"].update(severity="page"),
     "llmagentos_agents[0].components[0].alerts.down.severity", "must be one of"),
])
def test_each_problem_names_its_field(change, path, message):
    found = problems(mutate(change))
    assert any(p == path and message in m for p, m in found), found


def gpu_alerts(**alerts):
    def change(description):
        description[0]["components"][4]["alerts"] = alerts
    return change


@pytest.mark.parametrize(("change", "path", "message"), [
    (gpu_alerts(xid_critical={"codes": []}), "llmagentos_agents[0].components[4].alerts.xid_critical.codes", "distinct Xid codes"),
    (gpu_alerts(xid_critical={"codes": [79, 79]}), "llmagentos_agents[0].components[4].alerts.xid_critical.codes", "distinct"),
    (gpu_alerts(xid_warning={"codes": ["94"]}), "llmagentos_agents[0].components[4].alerts.xid_warning.codes", "whole numbers"),
    (gpu_alerts(xid_warning={"codes": [True]}), "llmagentos_agents[0].components[4].alerts.xid_warning.codes", "whole numbers"),
    (gpu_alerts(ecc_uncorrected={"codes": [48]}), "llmagentos_agents[0].components[4].alerts.ecc_uncorrected.codes", "unknown key"),
    (gpu_alerts(recovery_action={}), "llmagentos_agents[0].components[4].alerts.recovery_action",
     "needs gpu_recovery_action, which preset 'dcgm' does not offer"),
    (lambda d: d[0]["components"][0].update(preset="triton", targets=["10.0.0.5:8002"], alerts={"gpu_missing": {}}, slos=[]),
     "llmagentos_agents[0].components[0].alerts.gpu_missing", "is an alert of gpu components, not of kind 'llm'"),
])
def test_gpu_health_alerts_are_checked(change, path, message):
    found = problems(mutate(change))
    assert any(p == path and message in m for p, m in found), found


def test_gpu_health_alerts_take_their_own_defaults():
    description = mutate(gpu_alerts(xid_critical={}, xid_warning={"codes": [94, 92], "severity": "critical"}, hw_slowdown={}))
    gpu = parse_agents(description, EXAMPLE["groups"])[0].components[4]
    assert [(a.name, a.severity, a.for_seconds, a.codes) for a in gpu.alerts] == [
        ("xid_critical", "critical", 60.0, (48, 62, 64, 74, 79, 95, 119, 120)),
        ("xid_warning", "critical", 60.0, (92, 94)),
        ("hw_slowdown", "warning", 300.0, ())]


def test_a_signal_the_preset_lacks_is_named():
    description = agents()
    description[0]["components"][0].update(preset="tgi", targets=["10.0.0.5:80"])
    description[0]["components"][0]["alerts"] = {"time_to_first_token": {"above": "1s"}}
    description[0]["components"][0]["slos"] = []
    assert problems(description) == [(
        "llmagentos_agents[0].components[0].alerts.time_to_first_token",
        "needs time_to_first_token, which preset 'tgi' does not offer")]


def test_every_problem_is_reported_at_once():
    description = agents()
    description[0]["team"] = 5
    description[0]["components"][3]["alerts"]["error_rate"]["above"] = "lots"
    description[0]["components"][5]["targets"] = ["nohost"]
    assert [path for path, _message in problems(description)] == [
        "llmagentos_agents[0].team",
        "llmagentos_agents[0].components[3].alerts.error_rate.above",
        "llmagentos_agents[0].components[5].targets[0]",
    ]


@pytest.mark.parametrize(("description", "path"), [
    ({"name": "x"}, "llmagentos_agents"),
    (["x"], "llmagentos_agents[0]"),
    ([{"name": "x"}], "llmagentos_agents[0].components"),
    ([{"name": "x", "components": "llm"}], "llmagentos_agents[0].components"),
    ([{"name": "x", "components": [5]}], "llmagentos_agents[0].components[0]"),
])
def test_wrong_shapes(description, path):
    assert path in [found for found, _message in problems(description)]
