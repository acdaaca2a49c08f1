import copy
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.llmagentos.ops.plugins.filter.agent_alertmanager_routes import agent_alertmanager_routes

from examples import EXAMPLE


def agents():
    description = copy.deepcopy(EXAMPLE["llmagentos_agents"])
    # A second agent without a team, and a second team, to exercise every branch.
    description.append({"name": "lab-bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm",
                                                           "targets": ["10.1.0.5:8000"]}]})
    description.append({"name": "billing-bot", "team": "finance", "components": [
        {"name": "llm", "kind": "llm", "preset": "tgi", "targets": ["10.2.0.5:80"], "alerts": {"down": {}}}]})
    return description


@pytest.fixture(name="config")
def config_fixture(tmp_path):
    routing = agent_alertmanager_routes(agents(), EXAMPLE["groups"])
    receivers = [{"name": name} for name in ("default", "team-cx", "team-cx-critical", "team-finance", "team-finance-critical")]
    config = {"route": {"receiver": "default", "routes": routing["routes"]}, "receivers": receivers,
              "inhibit_rules": routing["inhibit_rules"]}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def amtool(*args):
    path = shutil.which("amtool")
    if path is None:
        pytest.fail("amtool is not on PATH: run `make deps`")
    return subprocess.run([path, *args], capture_output=True, text=True, check=False)


def test_amtool_accepts_the_config(config):
    result = amtool("check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("labels", "receiver"), [
    (["alertname=ToolAPIErrorRateHigh", "agent=support-bot", "component=search", "team=cx", "severity=warning"], "team-cx"),
    (["alertname=AgentComponentDown", "agent=support-bot", "component=llm", "team=cx", "severity=critical"], "team-cx-critical"),
    (["alertname=AgentComponentDown", "agent=billing-bot", "component=llm", "team=finance", "severity=warning"], "team-finance"),
    (["alertname=LLMInferenceSlow", "agent=lab-bot", "component=llm", "severity=critical"], "default"),
    # A team label on an agent the team does not own does not steal the alert.
    (["alertname=LLMInferenceSlow", "agent=lab-bot", "component=llm", "team=cx", "severity=warning"], "default"),
])
def test_routes(config, labels, receiver):
    result = amtool("config", "routes", "test", "--config.file", str(config), *labels)
    assert (result.returncode, result.stdout.strip()) == (0, receiver), result.stderr


def test_the_generated_route_tests_pass_and_catch_a_wrong_receiver(config):
    tests = agent_alertmanager_routes(agents(), EXAMPLE["groups"])["tests"]
    assert {(test["labels"]["team"], test["labels"]["severity"], test["receivers"][0]) for test in tests} == {
        ("cx", "warning", "team-cx"), ("cx", "critical", "team-cx-critical"),
        ("finance", "warning", "team-finance"), ("finance", "critical", "team-finance-critical")}
    for test in tests:
        labels = [f"{key}={value}" for key, value in test["labels"].items()]
        result = amtool("config", "routes", "test", "--config.file", str(config),
                        "--verify.receivers", ",".join(test["receivers"]), *labels)
        assert result.returncode == 0, result.stdout + result.stderr
    wrong = amtool("config", "routes", "test", "--config.file", str(config), "--verify.receivers", "team-cx",
                   "team=cx", "agent=support-bot", "severity=critical")
    assert wrong.returncode != 0


def test_without_a_critical_receiver_critical_alerts_are_tested_against_the_team_receiver():
    tests = agent_alertmanager_routes(agents(), EXAMPLE["groups"], critical_receiver="")["tests"]
    assert {test["receivers"][0] for test in tests if test["labels"]["severity"] == "critical"} == {"team-cx", "team-finance"}


def test_a_down_component_inhibits_its_own_symptoms_only():
    (rule,) = agent_alertmanager_routes(agents(), EXAMPLE["groups"])["inhibit_rules"]
    assert rule["source_matchers"] == ['alertname="AgentComponentDown"']
    assert rule["equal"] == ["agent", "component"]
    assert rule["target_matchers"] == ['alertname=~"LLMInferenceSlow|LLMKVCacheUsageHigh|TaskFailureRateHigh|ToolAPIErrorRateHigh"']


def test_no_critical_route_when_disabled():
    routes = agent_alertmanager_routes(agents(), EXAMPLE["groups"], critical_receiver="")["routes"]
    assert all("routes" not in route for route in routes)
