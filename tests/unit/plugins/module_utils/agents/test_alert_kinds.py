"""The alert-kind table: each row is all the compiler needs to validate, document, generate and
test an alert."""

import pytest
import yaml

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.alert_kinds import (
    ALERT_KINDS, DURATION, NUMBER, RATIO, AlertKind)
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.conventions import ALERT_PREFIX, SIGNALS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.schema import agents_schema
from tools import promtool


def bot(alerts):
    return [{"name": "bot", "team": "cx", "components": [
        {"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["gpu-1:8000"], "alerts": alerts}]}]


def test_every_row_reads_signals_that_exist_and_has_its_threshold_where_it_has_a_direction():
    for kind in ALERT_KINDS.values():
        assert set(kind.signals) <= set(SIGNALS), kind.key
        assert (kind.direction is None) == (kind.threshold is None), kind.key
        assert all(component_kind in ALERT_PREFIX for component_kind in kind.names), kind.key


@pytest.mark.parametrize("threshold, written, value, text", [
    (DURATION, "1500ms", 1.5, "1s500ms"), (RATIO, "5%", 0.05, "5%"), (NUMBER, 12, 12.0, "12")])
def test_a_threshold_is_read_and_shown_as_written(threshold, written, value, text):
    assert threshold.parse(written) == value
    assert threshold.text(value) == text


def test_test_values_stay_within_what_the_series_can_take():
    assert RATIO.far_side(0.8) == 1.0 and RATIO.far_side(0) == 0.5
    assert NUMBER.far_side(0) == 1.0 and NUMBER.near_side(10) == 5


def test_a_new_alert_kind_is_one_row(monkeypatch, tmp_path):
    row = AlertKind("queue_empty", ("queue_depth",), "queue_depth", NUMBER, "below", "queue depth", "QueueRunsDry")
    monkeypatch.setitem(ALERT_KINDS, row.key, row)
    agents = parse_agents(bot({"queue_empty": {"below": 1, "for": "2m", "severity": "info"}}))

    schema = agents_schema()["items"]["properties"]["components"]["items"]["properties"]["alerts"]["properties"]
    assert schema["queue_empty"]["required"] == ["below"] and "quantile" not in schema["queue_empty"]["properties"]

    rules = agent_rules(agents)
    alert = next(rule for group in rules["groups"] for rule in group["rules"] if rule.get("alert") == "LLMQueueRunsDry")
    assert alert["expr"] == 'llmagentos:queue_depth:sum{agent="bot",component="llm"} < 1'
    assert alert["annotations"]["summary"] == "bot/llm: queue depth below 1"
    assert alert["annotations"]["runbook_url"].endswith("#llmqueuerunsdry")
    assert "LLMQueueRunsDry" in alertmanager_routes(agents)["inhibit_rules"][0]["target_matchers"][0]

    (tmp_path / "agents.yml").write_text(yaml.safe_dump(rules))
    tests = rule_tests(agents, ["agents.yml"])
    assert [case["name"].split(": ", 1)[1] for case in tests["tests"]] == [
        "fires below the threshold", "quiet on the good side of the threshold",
        # the signal the new kind reads is watched like every other
        "fires while the target is up and the signal is absent", "quiet while the signal is there",
        "quiet while the target is down"]
    (tmp_path / "agents_test.yml").write_text(yaml.safe_dump(tests))
    code, output = promtool("test", "rules", str(tmp_path / "agents_test.yml"))
    assert code == 0, output


def test_a_row_names_its_options_and_the_validator_holds_to_them():
    with pytest.raises(DescriptionError, match=r"alerts\.latency\.below: unknown key; allowed: for, severity, above, quantile"):
        parse_agents(bot({"latency": {"above": "2s", "below": "1s"}}))
    with pytest.raises(DescriptionError, match=r"alerts\.queue_depth\.quantile: unknown key"):
        parse_agents(bot({"queue_depth": {"above": 5, "quantile": 0.9}}))
