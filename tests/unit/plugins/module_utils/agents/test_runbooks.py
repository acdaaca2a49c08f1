"""Every alert the compiler can generate links to a runbook section that exists."""

from __future__ import annotations

import re

import pytest
from examples import AGENTS, GROUPS, ROOT, every_preset_agent

from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.conventions import (
    DEFAULT_RUNBOOK_BASE_URL, SIGNAL_MISSING_ALERT, SLO_ALERT)
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import alert_names
from ansible_collections.llmagentos.ops.plugins.module_utils.remediation_guard import ESCALATION_ALERT

RUNBOOKS = (ROOT / "docs" / "runbooks.md").read_text()


def anchors():
    """The anchors GitHub renders for runbooks.md: explicit ids and heading slugs."""
    explicit = set(re.findall(r'<a id="([^"]+)"></a>', RUNBOOKS))
    headings = {re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")
                for title in re.findall(r"(?m)^#+ (.+)$", RUNBOOKS)}
    return explicit | headings


def every_alert_name():
    return sorted({name for names in alert_names().values() for name in names} | {SLO_ALERT, SIGNAL_MISSING_ALERT, ESCALATION_ALERT})


@pytest.mark.parametrize("name", every_alert_name())
def test_every_alert_the_compiler_can_generate_has_a_section(name):
    assert name.lower() in anchors(), f"docs/runbooks.md has no section for {name}"
    assert f"`{name}`" in RUNBOOKS or f"## {name}" in RUNBOOKS, f"docs/runbooks.md does not name {name}"


@pytest.mark.parametrize("agents", [AGENTS, every_preset_agent()], ids=["example", "every preset"])
def test_every_generated_runbook_url_lands_on_a_section(agents):
    urls = {rule["annotations"]["runbook_url"] for group in agent_rules(agents, GROUPS)["groups"]
            for rule in group["rules"] if "alert" in rule}
    assert urls
    for url in urls:
        assert url.startswith(DEFAULT_RUNBOOK_BASE_URL), url
        assert url[len(DEFAULT_RUNBOOK_BASE_URL):] in anchors(), url


def test_the_alert_names_cover_every_kind_of_the_table():
    names = alert_names()
    assert names["error_rate"] == ["ComponentErrorRateHigh", "LLMErrorRateHigh", "TaskFailureRateHigh",
                                   "ToolAPIErrorRateHigh", "VectorStoreErrorRateHigh"]
    assert "LLMEngineStalled" in names["stalled"] and "TaskEngineStalled" in names["stalled"]
