"""The stack's alerts: valid for promtool, their generated tests pass and can fail, and every
alert has its runbook section."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml
from examples import ROOT
from tools import promtool

from ansible_collections.llmagentos.ops.plugins.module_utils import stack_alerts
from ansible_collections.llmagentos.ops.plugins.module_utils.stack_alerts import (
    STACK_ALERTS, WATCHDOG, StackOptions, alert_names, stack_rule_tests, stack_rules)

DEFAULT = StackOptions(("prometheus", "alertmanager", "node", "blackbox_exporter", "blackbox"), ("blackbox",))
# Job names as users write them: slashes, regex metacharacters, quotes, backslashes.
ODD = StackOptions(('llmagentos/support-bot/llm', 'a.b+c', 'we"ird\\job'), ('probe (eu)',), 'am "main"')


def run_tests(tmp_path, options):
    (tmp_path / "stack.yml").write_text(yaml.safe_dump(stack_rules(options)))
    (tmp_path / "stack.test.yml").write_text(yaml.safe_dump(stack_rule_tests(["stack.yml"], options)))
    checked = promtool("check", "rules", str(tmp_path / "stack.yml"))
    assert checked[0] == 0, checked[1]
    return promtool("test", "rules", str(tmp_path / "stack.test.yml"))


@pytest.mark.parametrize("options", [DEFAULT, ODD], ids=["default jobs", "odd job names"])
def test_the_rules_pass_promtool_and_their_tests(tmp_path, options):
    code, output = run_tests(tmp_path, options)
    assert code == 0, output


def test_every_alert_has_a_case_where_it_fires_and_one_where_it_stays_quiet():
    names = [test["name"] for test in stack_rule_tests(["stack.yml"], DEFAULT)["tests"]]
    for name in alert_names():
        assert f"{name} fires" in names
        assert f"{name} stays quiet" in names or name == WATCHDOG


@pytest.mark.parametrize("mutation, failing", [
    # An alert that can never fire fails its firing case; one that always fires fails its quiet case.
    (lambda alert: "vector(1) > 2", lambda alert: "fires"),
    (lambda alert: f"{alert.expr} or vector(1)", lambda alert: "stays quiet"),
], ids=["never fires", "always fires"])
def test_the_generated_tests_catch_a_broken_alert(tmp_path, monkeypatch, mutation, failing):
    broken = tuple(dataclasses.replace(alert, expr=mutation(alert)) for alert in STACK_ALERTS if alert.name != WATCHDOG)
    monkeypatch.setattr(stack_alerts, "STACK_ALERTS", broken)
    code, output = run_tests(tmp_path, DEFAULT)
    assert code != 0
    failed = set(re.findall(r"name: (\S+ (?:fires|stays quiet)),", output))
    assert {f"{alert.name} {failing(alert)}" for alert in broken} <= failed


def test_alerts_about_what_does_not_exist_are_left_out():
    rules = stack_rules(StackOptions(target_jobs=(), probe_jobs=(), alertmanagers=False))["groups"][0]["rules"]
    names = [rule["alert"] for rule in rules]
    assert not {"StackTargetDown", "BlackboxProbeFailed", "PrometheusNotConnectedToAlertmanagers"} & set(names)
    assert WATCHDOG in names and "PrometheusRuleEvaluationFailures" in names
    tests = stack_rule_tests(["stack.yml"], StackOptions(target_jobs=("prometheus",)))["tests"]
    assert not [test for test in tests if test["name"].startswith("BlackboxProbeFailed")]


def test_job_names_are_matched_literally():
    expr = next(rule["expr"] for rule in stack_rules(ODD)["groups"][0]["rules"] if rule["alert"] == "StackTargetDown")
    assert expr == 'up{job=~"llmagentos/support\\\\-bot/llm|a\\\\.b\\\\+c|we\\"ird\\\\\\\\job"} == 0'


def test_every_alert_links_to_a_runbook_section_that_exists():
    runbooks = (ROOT / "docs" / "runbooks.md").read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', runbooks))
    for rule in stack_rules(DEFAULT)["groups"][0]["rules"]:
        url = rule["annotations"]["runbook_url"]
        assert url == DEFAULT.runbook_base_url + rule["alert"].lower()
        assert rule["alert"].lower() in anchors, f"docs/runbooks.md has no section for {rule['alert']}"
        assert f"## {rule['alert']}" in runbooks
