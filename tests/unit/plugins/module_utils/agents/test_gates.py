import pytest
import yaml
from ansible.errors import AnsibleFilterError
from examples import AGENTS, GROUPS
from tools import expression_tests, promtool

from ansible_collections.llmagentos.ops.plugins.filter.agent_gate_checks import agent_gate_checks


def test_each_target_on_the_host_is_checked_for_up_and_its_alerts_error_threshold():
    assert agent_gate_checks(AGENTS, ["search-1"], GROUPS) == [
        {"name": "support-bot/search up", "min": 1, "query": 'up{job="llmagentos/support-bot/search",instance="search-1:8080"}'},
        {"name": "support-bot/search error ratio", "max": 0.05, "if_empty": "pass", "query": (
            '(sum(rate(search_requests_total{code=~"5..",agent="support-bot",component="search",instance="search-1:8080"}[1m]))'
            ' or sum(rate(search_requests_total{agent="support-bot",component="search",instance="search-1:8080"}[1m])) * 0)'
            ' / (sum(rate(search_requests_total{agent="support-bot",component="search",instance="search-1:8080"}[1m])) > 0)')},
    ]


def test_static_targets_match_an_address_and_take_their_own_threshold_or_the_default():
    checks = agent_gate_checks(AGENTS, ["engine-host", "10.0.0.8"], GROUPS, max_error_ratio="2%")
    assert [(c["name"], c.get("max")) for c in checks] == [("support-bot/tasks up", None), ("support-bot/tasks error ratio", 0.1)]
    agents = yaml.safe_load(yaml.safe_dump(AGENTS))
    next(c for c in agents[0]["components"] if c["name"] == "tasks").pop("alerts")
    assert agent_gate_checks(agents, ["10.0.0.8"], GROUPS, max_error_ratio="2%")[1]["max"] == 0.02


def test_a_probed_component_is_gated_on_its_probe():
    agents = [{"name": "local", "components": [{"name": "fallback", "kind": "llm", "preset": "ollama", "targets": ["gpu-1:11434"]}]}]
    assert agent_gate_checks(agents, ["gpu-1"]) == [{
        "name": "local/fallback probe", "min": 1,
        "query": 'probe_success{job="llmagentos/local/fallback/probe",instance="http://gpu-1:11434/api/version"}'}]


def test_a_host_without_components_has_no_checks():
    assert agent_gate_checks(AGENTS, ["monitor-1"], GROUPS) == []


def test_the_error_ratio_reads_only_the_hosts_own_target(tmp_path):
    # search-1 fails 2 % of its calls and search-2 half of them; idle and error-free targets too.
    own = 'agent="support-bot",component="search"'
    raw = [
        (f'search_requests_total{{code="200",{own},instance="search-1:8080"}}', "0+49x20"),
        (f'search_requests_total{{code="503",{own},instance="search-1:8080"}}', "0+1x20"),
        (f'search_requests_total{{code="200",{own},instance="search-2:8080"}}', "0+25x20"),
        (f'search_requests_total{{code="503",{own},instance="search-2:8080"}}', "0+25x20"),
    ]
    groups = dict(GROUPS, search_api=["search-1", "search-2", "search-3", "search-4"])
    raw += [(f'search_requests_total{{code="200",{own},instance="search-3:8080"}}', "0+10x20"),
            (f'search_requests_total{{code="200",{own},instance="search-4:8080"}}', "5+0x20")]

    def ratio(host):
        return agent_gate_checks(AGENTS, [host], groups, window="2m")[1]["query"]

    cases = [{"expr": ratio("search-1"), "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 0.02}]},
             {"expr": ratio("search-2"), "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 0.5}]},
             {"expr": ratio("search-3"), "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 0}]},
             {"expr": ratio("search-4"), "eval_time": "10m", "exp_samples": []}]
    (tmp_path / "agents.yml").write_text("groups: []\n")
    (tmp_path / "gate_test.yml").write_text(yaml.safe_dump(expression_tests(raw, cases)))
    code, output = promtool("test", "rules", str(tmp_path / "gate_test.yml"))
    assert code == 0, output


@pytest.mark.parametrize("arguments, message", [
    ({"host_names": "search-1"}, "host_names must be a list of host names"),
    ({"host_names": ["search-1"], "window": "soon"}, "window: 'soon' is not a duration"),
    ({"host_names": ["search-1"], "max_error_ratio": 5}, "max_error_ratio: "),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(AnsibleFilterError, match=message):
        agent_gate_checks(AGENTS, groups=GROUPS, **arguments)


def test_an_invalid_description_names_the_field():
    with pytest.raises(AnsibleFilterError, match=r"llmagentos_agents\[0\]\.components\[0\]\.port"):
        agent_gate_checks([{"name": "a", "components": [{"name": "c", "kind": "tool", "preset": "http_api",
                                                         "hosts_group": "search_api"}]}], ["search-1"], GROUPS)
