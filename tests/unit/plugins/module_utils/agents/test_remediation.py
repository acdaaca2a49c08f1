import copy
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

import ansible_rulebook
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.agent_alertmanager_routes import agent_alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.filter.agent_remediation import agent_remediation

SEARCH = {
    "name": "search", "kind": "tool", "preset": "http_api", "hosts_group": "agent_hosts", "port": 8081,
    "metrics": {"requests": "tool_requests_total", "errors": 'tool_requests_total{code=~"5.."}'},
    "alerts": {"error_rate": {"above": "10%"}, "down": {"for": "1m"}},
    "remediation": {"service": "support-bot", "attempts": 2, "window": "30m", "cooldown": "2m",
                    "actions": {"down": "restart", "error_rate": {"action": "rollback", "after": "3m"}}},
}
GPU_LLM = {
    "name": "gpus", "kind": "gpu", "preset": "dcgm", "targets": ["10.0.0.7:9400"],
    "alerts": {"xid_critical": {}},
    "remediation": {"actions": {"xid_critical": {"action": "playbook", "playbook": "drain_gpu.yml", "after": "0s"}}},
}
GROUPS = {"agent_hosts": ["agent-1", "agent-2"]}


def description(*components, team="cx"):
    return [{"name": "support-bot", "team": team, "components": [copy.deepcopy(component) for component in components]}]


def compiled(*components, **options):
    return agent_remediation(description(*components), GROUPS, **options)


def problems(*components):
    with pytest.raises(AnsibleFilterError) as error:
        compiled(*components)
    return str(error.value)


def test_one_rule_per_action_matching_its_alert_of_its_component():
    result = compiled(SEARCH, GPU_LLM)
    (ruleset,) = result["rulebook"]
    assert ruleset["hosts"] == "all"
    assert ruleset["sources"] == [{"llmagentos.ops.alertmanager": {}}]
    assert [rule["name"] for rule in ruleset["rules"]] == [
        "support-bot/search AgentComponentDown: restart", "support-bot/search ToolAPIErrorRateHigh: rollback",
        "support-bot/gpus GPUXidCritical: playbook"]
    assert ruleset["rules"][1]["condition"] == (
        'event.alert.labels.alertname == "ToolAPIErrorRateHigh" and event.alert.labels.agent == "support-bot" '
        'and event.alert.labels.component == "search"')
    rollback = ruleset["rules"][1]["action"]["run_playbook"]
    assert rollback["name"] == "llmagentos.ops.remediate"
    assert rollback["extra_vars"]["remediation"] == {
        "agent": "support-bot", "team": "cx", "environment": "", "component": "search", "alert": "error_rate",
        "alertname": "ToolAPIErrorRateHigh", "action": "rollback", "playbook": "", "service": "support-bot",
        "hosts": ["agent-1", "agent-2"], "after_seconds": 180.0, "attempts": 2, "window_seconds": 1800.0,
        "cooldown_seconds": 120.0}
    drain = ruleset["rules"][2]["action"]["run_playbook"]["extra_vars"]["remediation"]
    assert (drain["playbook"], drain["after_seconds"], drain["attempts"], drain["hosts"]) == ("drain_gpu.yml", 0.0, 3, ["10.0.0.7"])
    assert result["hosts"] == ["10.0.0.7", "agent-1", "agent-2"]


def test_the_rulebook_is_valid_for_ansible_rulebook():
    schema = json.loads((Path(ansible_rulebook.__file__).parent / "schema" / "ruleset_schema.json").read_text())
    rulebook = compiled(SEARCH, GPU_LLM, source={"llmagentos.ops.alertmanager": {"port": 5051, "password_file": "/p"}})["rulebook"]
    jsonschema.validate(rulebook, schema)
    # And what ansible-rulebook makes of it: the conditions parse into its rule engine's AST.
    from ansible_rulebook.rules_parser import parse_rule_sets  # pylint: disable=import-outside-toplevel
    (parsed,) = parse_rule_sets(rulebook)
    assert [rule.name for rule in parsed.rules] == [rule["name"] for rule in rulebook[0]["rules"]]


def test_components_without_remediation_add_nothing():
    plain = copy.deepcopy(SEARCH)
    del plain["remediation"]
    assert compiled(plain) == {"rulebook": [{"name": "llmagentos remediation", "hosts": "all",
                                             "sources": [{"llmagentos.ops.alertmanager": {}}], "rules": []}], "hosts": []}


@pytest.mark.parametrize(("change", "message"), [
    ({"actions": {"latency": "restart"}}, "remediation.actions.latency: the component has no latency alert"),
    ({"actions": {"nonsense": "restart"}}, "remediation.actions.nonsense: unknown alert"),
    ({"actions": {"down": "reboot"}}, "remediation.actions.down.action: must be one of restart, rollback, playbook, got 'reboot'"),
    ({"actions": {"down": {"action": "playbook"}}}, "remediation.actions.down.playbook: is required for action playbook"),
    ({"actions": {"down": {"action": "playbook", "playbook": "../x.yml"}}}, "remediation.actions.down.playbook: is required"),
    ({"actions": {"down": {"action": "restart", "playbook": "x.yml"}}}, "remediation.actions.down.playbook: applies to action playbook only"),
    ({"actions": {"down": {"action": "restart", "after": "soon"}}}, "remediation.actions.down.after: 'soon' is not a duration"),
    ({"actions": {"down": {"action": "restart", "when": "now"}}}, "remediation.actions.down.when: unknown key"),
    ({"actions": {}}, "remediation.actions: must be a non-empty mapping"),
    ({"actions": ["restart"]}, "remediation.actions: must be a non-empty mapping"),
    ({"attempts": 0}, "remediation.attempts: must be a whole number of attempts per window from 1 to 20, got 0"),
    ({"attempts": True}, "remediation.attempts: must be a whole number"),
    ({"window": "1m", "cooldown": "5m"}, "remediation.cooldown: '5m' must be shorter than the window (1m)"),
    ({"service": "a b"}, "remediation.service: 'a b' is not a systemd service name"),
    ({"service": None}, "remediation.service: is required by the restart of down"),
    ({"retries": 2}, "remediation.retries: unknown key"),
])
def test_bad_entries_are_refused_naming_their_field(change, message):
    component = copy.deepcopy(SEARCH)
    component["remediation"].update(change)
    if change.get("service", "") is None:
        del component["remediation"]["service"]
    text = problems(component)
    assert f"llmagentos_agents[0].components[0].{message}" in text, text


def test_a_remediation_needs_hosts_to_act_on():
    component = copy.deepcopy(SEARCH)
    del component["hosts_group"]
    component["kubernetes"] = {"namespace": "bots", "selector": {"app": "search"}, "port": "http"}
    assert "components[0].remediation: needs targets or hosts_group" in problems(component)


def test_a_remediation_that_is_not_a_mapping():
    component = dict(SEARCH, remediation="restart")
    assert "components[0].remediation: must be a mapping, got str" in problems(component)


def test_a_bad_source_is_refused():
    with pytest.raises(AnsibleFilterError, match="source must map one event source's name to its arguments"):
        compiled(SEARCH, source={"a": {}, "b": {}})


def amtool(*args):
    path = shutil.which("amtool")
    if path is None:
        pytest.fail("amtool is not on PATH: run `make deps`")
    return subprocess.run([path, *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("notifies_team", [False, True])
def test_remediable_alerts_reach_the_webhook_first(tmp_path, notifies_team):
    routing = agent_alertmanager_routes(description(SEARCH), GROUPS, remediation_receiver="llmagentos-remediation",
                                        remediation_notifies_team=notifies_team)
    remediation_routes = [route for route in routing["routes"] if route["receiver"] == "llmagentos-remediation"]
    assert [route["matchers"][0] for route in remediation_routes] == ['alertname="AgentComponentDown"', 'alertname="ToolAPIErrorRateHigh"']
    assert all(route["group_by"][-1] == "instance" and route["repeat_interval"] == "1m" for route in remediation_routes)
    config = {"route": {"receiver": "default", "routes": routing["routes"]},
              "receivers": [{"name": name} for name in ("default", "team-cx", "team-cx-critical", "llmagentos-remediation")]}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    assert amtool("check-config", str(path)).returncode == 0
    for test in routing["tests"]:
        labels = [f"{key}={value}" for key, value in test["labels"].items()]
        result = amtool("config", "routes", "test", "--config.file", str(path), "--verify.receivers", ",".join(test["receivers"]), *labels)
        assert result.returncode == 0, (test, result.stdout, result.stderr)
    # An alert of the component that no remediation acts on still goes to the team.
    other = amtool("config", "routes", "test", "--config.file", str(path), "alertname=ToolAPILatencyHigh", "agent=support-bot",
                   "component=search", "team=cx", "severity=warning")
    assert other.stdout.strip() == "team-cx"
    down = amtool("config", "routes", "test", "--config.file", str(path), "alertname=AgentComponentDown", "agent=support-bot",
                  "component=search", "team=cx", "severity=critical", "instance=agent-1:8081")
    assert down.stdout.strip() == ("llmagentos-remediation,team-cx-critical" if notifies_team else "llmagentos-remediation")
