"""agent_monitoring_outputs: the four monitoring outputs from a single read of the description."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter import agent_monitoring_outputs as subject
from ansible_collections.llmagentos.ops.plugins.filter.agent_alertmanager_routes import agent_alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.module_utils.agents import description
from ansible_collections.llmagentos.ops.plugins.plugin_utils import agent_filters
from examples import AGENTS, EXAMPLE, GROUPS, golden


def outputs(**options):
    return subject.agent_monitoring_outputs(AGENTS, ["agents.yml"], GROUPS, EXAMPLE["blackbox_address"], **options)


def test_each_output_is_what_its_own_filter_gives():
    compiled = outputs()
    assert compiled["scrape_configs"] == golden("support_bot.scrape_configs.yml")
    assert compiled["rules"] == golden("support_bot.rules.yml")
    assert compiled["rule_tests"] == golden("support_bot.rules_test.yml")
    assert compiled["routing"] == agent_alertmanager_routes(AGENTS, GROUPS)


def test_the_description_is_read_once(monkeypatch):
    reads = []

    def counting_parse(agents, groups=None):
        reads.append(agents)
        return description.parse_agents(agents, groups)

    monkeypatch.setattr(agent_filters, "parse_agents", counting_parse)
    outputs(team_receiver="oncall-{team}", critical_receiver="")
    assert len(reads) == 1


def test_options_reach_the_outputs():
    compiled = outputs(runbook_base_url="https://runbooks.example/#", min_request_rate=0.5, critical_receiver="")
    alerts = [rule for group in compiled["rules"]["groups"] for rule in group["rules"] if "alert" in rule]
    assert all(rule["annotations"]["runbook_url"].startswith("https://runbooks.example/#") for rule in alerts)
    assert any(">= 0.5" in rule["expr"] for rule in alerts)
    assert all("routes" not in route for route in compiled["routing"]["routes"])


def test_bad_input_names_the_field_or_option():
    with pytest.raises(AnsibleFilterError, match=r"llmagentos_agents\[0\]\.name"):
        subject.agent_monitoring_outputs([{"name": "bad name", "components": []}], ["agents.yml"])
    with pytest.raises(AnsibleFilterError, match="rule_files must be a non-empty list"):
        subject.agent_monitoring_outputs(AGENTS, [], GROUPS)
