"""The dashboards compiled from the description: what they show, where thresholds come from,
that they are valid Grafana models (round-tripped through grafana-foundation-sdk's types), stable
uids and panel ids, and the alerts' links to them. That every query returns data on every
engine profile is test_profiles' job."""

import copy
import json
import re

import pytest
from ansible.errors import AnsibleFilterError
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from examples import AGENTS, GROUPS

from ansible_collections.llmagentos.ops.plugins.filter.agent_grafana_dashboards import agent_grafana_dashboards
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import SCHEMA_VERSION, dashboard_uid

UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@pytest.fixture(scope="module")
def boards():
    return {board["uid"]: board for board in agent_grafana_dashboards(AGENTS, GROUPS)}


def panels(board, title=None):
    return [panel for panel in board["panels"] if title is None or panel["title"] == title]


def exprs(panel):
    return [target["expr"] for target in panel["targets"]]


def steps(panel):
    return [(step["color"], step["value"]) for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def test_a_fleet_dashboard_and_one_per_agent_with_stable_uids(boards):
    assert list(boards) == ["llmagentos-fleet", "llmagentos-support-bot"]
    again = agent_grafana_dashboards(AGENTS, GROUPS)
    assert again == list(boards.values())
    support = boards["llmagentos-support-bot"]
    assert support["tags"] == ["llmagentos", "agent:support-bot", "team:cx", "env:prod"]
    assert support["schemaVersion"] == SCHEMA_VERSION and support["editable"] is False


def test_every_model_survives_grafana_foundation_sdk_types_unchanged(boards):
    """What the SDK's types do not know is dropped on the way through them, and what they read
    differently changes: neither may happen (the SDK only adds its defaults)."""
    register_default_plugins()

    def compare(ours, theirs, path):
        if isinstance(ours, dict):
            assert isinstance(theirs, dict), path
            for key, value in ours.items():
                assert key in theirs, f"{path}.{key} is not in Grafana's schema"
                compare(value, theirs[key], f"{path}.{key}")
        elif isinstance(ours, list):
            assert isinstance(theirs, list) and len(ours) == len(theirs), path
            for index, (mine, other) in enumerate(zip(ours, theirs)):
                compare(mine, other, f"{path}[{index}]")
        else:
            assert ours == theirs, path

    for uid, board in boards.items():
        compare(board, json.loads(json.dumps(Dashboard.from_json(copy.deepcopy(board)), cls=JSONEncoder)), uid)


def test_panels_are_core_grafana_types_reading_the_provisioned_datasources(boards):
    for board in boards.values():
        for panel in board["panels"]:
            assert panel["type"] in {"row", "stat", "timeseries", "table", "logs"}, panel["title"]
            if panel["type"] == "row":
                continue
            # Lucene queries read the agents' logs; every other panel reads Prometheus.
            expected = {"type": "elasticsearch", "uid": "llmagentos-logs"} if panel["targets"][0].get("queryType") == "lucene" \
                else {"type": "prometheus", "uid": "llmagentos-prometheus"}
            assert panel["datasource"] == expected and all(target["datasource"] == expected for target in panel["targets"])
        for variable in board["templating"]["list"]:
            assert variable["type"] == "constant" or variable["datasource"] == {"type": "prometheus", "uid": "llmagentos-prometheus"}


def test_panel_ids_are_unique_and_panels_do_not_overlap(boards):
    for board in boards.values():
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids))
        cells = set()
        for panel in board["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24
            mine = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
            assert not mine & cells, panel["title"]
            cells |= mine


def test_panels_exist_only_for_the_signals_a_preset_offers(boards):
    support = boards["llmagentos-support-bot"]
    rows = [panel["title"] for panel in panels(support) if panel["type"] == "row"]
    assert rows == ["support-bot: overview", "LLM serving: llm", "Tool: search", "Tool: crm", "Execution engine: tasks",
                    "support-bot: GPU and host resources", "support-bot: logs"]
    # crm's description names its request and error counters and no latency histogram: no latency panel.
    titles = [panel["title"] for panel in support["panels"]]
    crm = titles[titles.index("Tool: crm") + 1:titles.index("Execution engine: tasks")]
    assert "Latency" not in crm
    llm = titles[titles.index("LLM serving: llm") + 1:titles.index("Tool: search")]
    assert {"Time to first token", "Time per output token", "KV-cache usage", "Preemptions/s"} <= set(llm)
    engine = titles[titles.index("Execution engine: tasks") + 1:titles.index("support-bot: GPU and host resources")]
    assert engine == ["Tasks/s", "Task failure ratio", "Task duration"]


def test_thresholds_come_from_the_alerts_of_the_description(boards):
    support = boards["llmagentos-support-bot"]
    assert steps(panels(support, "Time per output token")[0]) == [("green", None), ("orange", 0.05)]
    assert steps(panels(support, "KV-cache usage")[0]) == [("green", None), ("orange", 0.9)]
    assert steps(panels(support, "Task failure ratio")[0]) == [("green", None), ("red", 0.1)]
    assert panels(support, "KV-cache usage")[0]["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "line"
    # A panel no alert compares draws no threshold line.
    assert steps(panels(support, "Queue time")[0]) == [("green", None)]


def test_a_below_alert_colours_what_lies_under_its_threshold():
    agents = [{"name": "bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["h:8000"],
                                             "alerts": {"token_throughput": {"below": 20, "severity": "critical"}}}]}]
    board = agent_grafana_dashboards(agents)[1]
    assert steps(panels(board, "Generated tokens/s")[0]) == [("red", None), ("green", 20)]


def test_a_quantile_an_alert_asks_for_is_drawn_beside_p50_p95_p99():
    agents = [{"name": "bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["h:8000"],
                                             "alerts": {"latency": {"above": "8s", "quantile": 0.9}}}]}]
    latency = panels(agent_grafana_dashboards(agents)[1], "Latency")[0]
    assert [target["legendFormat"] for target in latency["targets"]] == ["p50", "p90", "p95", "p99"]
    assert exprs(latency)[1] == 'llmagentos:latency_seconds:p90_5m{agent="$agent",component="llm"}'
    assert steps(latency) == [("green", None), ("orange", 8.0)]


def test_the_overview_shows_each_slo_and_the_fleet_table_every_slo(boards):
    support, fleet = boards["llmagentos-support-bot"], boards["llmagentos-fleet"]
    budget = panels(support, "llm availability SLO 99.5%: error budget left (3d)")[0]
    assert exprs(budget) == ['1 - llmagentos:slo_error_ratio:rate3d{agent="$agent",component="llm",sli="availability",slo="99.5"} / 0.005']
    table = panels(fleet, "SLOs (3d)")[0]
    assert [target["refId"] for target in table["targets"]] == ["A", "B", "C"]
    assert all(target["format"] == "table" and target["instant"] for target in table["targets"])
    assert exprs(table)[2].count(" or ") == 1  # two SLOs of support-bot, each its own budget
    assert "/ 0.05" in exprs(table)[2]


def test_template_variables_and_the_logs_panel(boards):
    support = boards["llmagentos-support-bot"]
    variables = {variable["name"]: variable for variable in support["templating"]["list"]}
    assert variables["agent"]["type"] == "constant" and variables["agent"]["query"] == "support-bot"
    assert variables["env"]["allValue"] == ".*" and variables["instance"]["multi"] is True
    logs = panels(support, "Error lines")[0]
    assert logs["datasource"] == {"type": "elasticsearch", "uid": "llmagentos-logs"}
    assert logs["targets"][0]["query"].startswith('labels.agent:"support-bot" AND log.level:(ERROR OR error')
    redacted = panels(support, "Redacted events by kind")[0]
    assert redacted["targets"][0]["query"] == 'labels.agent:"support-bot" AND _exists_:llmagentos.redacted'
    assert [aggregation["field"] for aggregation in redacted["targets"][0]["bucketAggs"]] == ["llmagentos.redacted", "@timestamp"]
    without_logs = agent_grafana_dashboards(AGENTS, GROUPS, logs_uid="")[1]
    assert not panels(without_logs, "Error lines") and not panels(without_logs, "Redacted events by kind")
    other = agent_grafana_dashboards(AGENTS, GROUPS, prometheus_uid="prom-2")[1]
    assert {json.dumps(panel["datasource"]) for panel in other["panels"]
            if panel["type"] != "row" and panel["datasource"]["type"] != "elasticsearch"} == {'{"type": "prometheus", "uid": "prom-2"}'}


@pytest.mark.parametrize("name", ["bot", "a" * 63, "team.bot-1", "Bot_2"])
def test_uids_are_what_grafana_accepts_and_distinct(name):
    uid = dashboard_uid(name)
    assert UID.match(uid)
    assert uid != dashboard_uid(name + "x")


def test_uids_of_names_that_only_differ_where_grafana_cannot_spell_them_differ():
    assert dashboard_uid("team.bot") != dashboard_uid("team-bot")


def test_every_alert_links_to_the_panel_of_its_signal(boards):
    rules = agent_rules(AGENTS, GROUPS, grafana_url="https://grafana.example:3000/")
    support = boards["llmagentos-support-bot"]
    by_id = {panel["id"]: panel for panel in support["panels"]}
    alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    assert alerts
    for rule in alerts:
        url = rule["annotations"]["dashboard_url"]
        match = re.fullmatch(r"https://grafana\.example:3000/d/llmagentos-support-bot\?viewPanel=([0-9]+)", url)
        assert match and int(match[1]) in by_id, (rule["alert"], url)
    linked = {rule["alert"]: by_id[int(rule["annotations"]["dashboard_url"].rsplit("=", 1)[1])]["title"] for rule in alerts}
    assert linked["LLMInferenceSlow"] == "Time per output token"
    assert linked["LLMKVCacheUsageHigh"] == "KV-cache usage"
    assert linked["AgentComponentDown"] == "Targets up"
    assert linked["TaskFailureRateHigh"] == "Task failure ratio"
    assert linked["SLOErrorBudgetBurn"].endswith("error budget left (3d)")


def test_no_links_without_a_grafana_url():
    rules = agent_rules(AGENTS, GROUPS)
    assert not [rule for group in rules["groups"] for rule in group["rules"] if "dashboard_url" in rule.get("annotations", {})]


@pytest.mark.parametrize("options, message", [
    ({"prometheus_uid": ""}, "prometheus_uid must be a Grafana datasource uid"),
    ({"prometheus_uid": "a b"}, "prometheus_uid must be"),
    ({"logs_uid": "x" * 41}, "logs_uid must be"),
    ({"log_dataset": "Logs-Agents"}, "dataset must be"),
])
def test_bad_options_are_refused_by_name(options, message):
    with pytest.raises(AnsibleFilterError, match=message):
        agent_grafana_dashboards(AGENTS, GROUPS, **options)


@pytest.mark.parametrize("url", ["grafana:3000", "ftp://grafana", "https://", "https://g rafana", 5])
def test_a_bad_grafana_url_is_refused_by_name(url):
    with pytest.raises(AnsibleFilterError, match="agent_rules: grafana_url must be"):
        agent_rules(AGENTS, GROUPS, grafana_url=url)


def test_a_bad_description_is_an_error_naming_its_field():
    with pytest.raises(AnsibleFilterError, match=r"llmagentos_agents\[0\]\.components\[0\]\.preset"):
        agent_grafana_dashboards([{"name": "bot", "components": [{"name": "x", "kind": "llm", "preset": "nope",
                                                                 "targets": ["h:1"]}]}])
