"""Every preset against what real engine versions expose (roles/agent_simulator/files/profiles):
the recordings evaluate on the raw series of each profile, each alert the preset accepts fires
under its fault and stays quiet while the engine is healthy, a signal the profile lacks
raises AgentSignalMissing instead of leaving its alerts silently unable to fire, and every
dashboard panel shows data (but those of what the profile lacks)."""

from __future__ import annotations

import importlib.util

import pytest
import yaml
from examples import ROOT
from profiles import BUSY, FAULTS, HEALTHY, PROFILES, input_series
from tools import promtool

from ansible_collections.llmagentos.ops.plugins.module_utils.agents import gpu_health
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.alert_kinds import ALERT_KINDS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import agent_dashboards
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.conventions import (
    HISTOGRAM_SIGNALS, RATIO_RECORDINGS, SIGNAL_MISSING_ALERT, SIGNALS, record_name)
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import (
    HISTOGRAM_QUANTILES, Options, agent_rules, watched_signals)

THRESHOLDS = {
    "error_rate": "5%", "latency": "10s", "time_to_first_token": "2s", "time_per_output_token": "200ms",
    "queue_time": "5s", "token_throughput": 10, "queue_depth": 20, "kv_cache_usage": "90%", "preemptions": 1,
    "kv_cache_forecast": "1h", "gpu_memory_forecast": "1h",
}
OPTIONS = Options(signal_missing_seconds=240)
SAMPLES = 20
EVAL_TIME = "15m"
OWN = {"agent": "bot", "component": "engine"}


def accepted_alerts(preset):
    """Every alert kind the preset can feed, with a threshold its fault crosses."""
    offered = set(preset.signals)
    alerts = {}
    for key, kind in ALERT_KINDS.items():
        if (key == "down" or not kind.applies_to(preset.kinds[0]) or not set(kind.signals) <= offered
                or (kind.any_of and not offered & set(kind.any_of))):
            continue
        alerts[key] = {"for": "2m"}
        if kind.direction:
            alerts[key][kind.direction] = THRESHOLDS[key]
    return alerts


def describe_profile(profile):
    preset = PRESETS[profile["preset"]]
    description = [{"name": OWN["agent"], "team": "ml", "components": [{
        "name": OWN["component"], "kind": preset.kinds[0], "preset": preset.name, "targets": ["engine-1:9000"],
        "alerts": accepted_alerts(preset),
        "slos": [{"sli": "availability", "objective": 99}] if {"requests", "errors"} <= set(preset.signals) else [],
    }]}]
    return parse_agents(description)


def compile_profile(profile):
    agents = describe_profile(profile)
    return agents[0].components[0], agent_rules(agents, OPTIONS)


def expected_recordings(component, lacks):
    """The recordings a profile must produce, and those it cannot (its signals are absent)."""
    present, absent = set(), set()
    for name in SIGNALS:
        if not component.signal(name):
            continue
        if name in HISTOGRAM_SIGNALS:
            records = {record_name(name, quantile) for quantile in HISTOGRAM_QUANTILES}
        elif SIGNALS[name].type == "counter" or SIGNALS[name].aggregation:
            records = {record_name(name)}
        else:
            continue
        (absent if name in lacks else present).update(records)
    for ratio, parts in RATIO_RECORDINGS.items():
        if all(component.signal(part) for part in parts):
            (absent if set(parts) & set(lacks) else present).add(record_name(ratio))
    return present, absent


def target_labels(component):
    return {**OWN, "kind": component.kind, "job": "llmagentos/bot/engine", "instance": "engine-1:9000"}


def scraped(profile, component, state):
    labels = target_labels(component)
    up = {"series": "up{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}", "values": f"1x{SAMPLES}"}
    return [up, *input_series(profile, state, labels, SAMPLES)]


def alert_case(title, inputs, rule, fires, component, gpu=None):
    """`gpu`: the GPU's labels and texts, for an alert that names the GPU."""
    exp = []
    if fires:
        labels, annotations = gpu or ({}, {})
        exp = [{"exp_labels": {**OWN, "kind": component.kind, **labels, **rule["labels"]},
                "exp_annotations": {**rule["annotations"], **annotations}}]
    return {"name": title, "interval": "1m", "input_series": inputs,
            "alert_rule_test": [{"eval_time": EVAL_TIME, "alertname": rule["alert"], "exp_alerts": exp}]}


def gpu_identity(profile, component, key):
    """The labels and texts a GPU alert of the profile's one GPU carries: DCGM's own labels, or
    nvidia_gpu_exporter's uuid with the index and PCI address of its info metric."""
    labels = {"instance": target_labels(component)["instance"]}
    if key != "gpu_missing":
        labels["host"] = labels["instance"].rsplit(":", 1)[0]
        if "UUID" in profile["labels"]:
            labels.update({name: profile["labels"][name] for name in ("gpu", "UUID", "pci_bus_id")})
        else:
            info = next(family for family in profile["families"] if family["name"] == "nvidia_smi_gpu_info")["series"][0]["labels"]
            labels.update(gpu=info["index"], UUID="GPU-" + profile["labels"]["uuid"], pci_bus_id=info["pci_bus_id"])
        if ALERT_KINDS[key].codes:
            labels["xid"] = str(FAULTS[key].xid)
    alert = next(alert for alert in component.alerts if alert.name == key)
    summary, description = gpu_health.texts(ALERT_KINDS[key], "bot/engine", component.kind, alert, gpu_health.label_values(labels))
    return labels, {"summary": summary, "description": description}


def profile_tests(profile):
    component, rules = compile_profile(profile)
    lacks = set(profile["lacks"])
    alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    threshold_alerts = {key: next(rule for rule in alerts if rule["alert"] == ALERT_KINDS[key].alert_name(component.kind))
                        for key in accepted_alerts(PRESETS[profile["preset"]])}
    healthy = scraped(profile, component, HEALTHY)
    tests = []

    present, absent = expected_recordings(component, lacks)
    selector = "{" + ",".join(f'{k}="{v}"' for k, v in OWN.items()) + "}"
    tests.append({"name": f"{profile['name']}: recordings", "interval": "1m", "input_series": healthy, "promql_expr_test": [
        {"expr": f"count({record}{selector} == {record}{selector})", "eval_time": EVAL_TIME,
         "exp_samples": [{"labels": "{}", "value": 1}] if record in present else []}
        for record in sorted(present | absent)]})

    for key, rule in threshold_alerts.items():
        readable = not set(ALERT_KINDS[key].reads_signals(component)) & lacks
        gpu = gpu_identity(profile, component, key) if ALERT_KINDS[key].gpu else None
        tests.append(alert_case(f"{profile['name']}: {rule['alert']} fires under its fault",
                                scraped(profile, component, FAULTS[key]), rule, readable, component, gpu))
        tests.append(alert_case(f"{profile['name']}: {rule['alert']} quiet while healthy", healthy, rule, False, component))
        if gpu:
            tests.append(alert_case(f"{profile['name']}: {rule['alert']} quiet while the GPU is busy and healthy",
                                    scraped(profile, component, BUSY), rule, False, component))

    missing = [rule for rule in alerts if rule["alert"] == SIGNAL_MISSING_ALERT and rule["labels"]["signal"] in lacks]
    tests.append({"name": f"{profile['name']}: {SIGNAL_MISSING_ALERT} for exactly what the profile lacks",
                  "interval": "1m", "input_series": healthy, "alert_rule_test": [{
                      "eval_time": EVAL_TIME, "alertname": SIGNAL_MISSING_ALERT,
                      "exp_alerts": [{"exp_labels": {**OWN, "kind": component.kind, **rule["labels"]},
                                      "exp_annotations": rule["annotations"]} for rule in missing]}]})
    return rules, tests, component


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_preset_holds_on_every_profile_of_its_engine(name, tmp_path):
    rules, tests, _component = profile_tests(PROFILES[name])
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp_path / "tests.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}))
    code, output = promtool("test", "rules", str(tmp_path / "tests.yml"))
    assert code == 0, output


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_dashboard_panel_shows_data_on_every_profile(name, tmp_path):
    """Each Prometheus query of the fleet and agent dashboards, its variables filled in as
    Grafana's "All" does, returns series on the profile's healthy exposition (and node_exporter's
    CPU and memory of the same host); a query reading what the profile lacks returns none. The
    case names the dashboard, the panel and the query."""
    profile = PROFILES[name]
    agents = describe_profile(profile)
    component, rules = compile_profile(profile)
    _present, absent = expected_recordings(component, set(profile["lacks"]))
    node = {"instance": "engine-1:9100", "job": "node"}
    inputs = scraped(profile, component, HEALTHY) + [
        {"series": 'node_cpu_seconds_total{cpu="0",mode="idle",instance="engine-1:9100",job="node"}', "values": "0+30x20"},
        {"series": 'node_cpu_seconds_total{cpu="0",mode="user",instance="engine-1:9100",job="node"}', "values": "0+30x20"},
        {"series": "node_memory_MemAvailable_bytes{%s}" % ",".join(f'{k}="{v}"' for k, v in node.items()), "values": "4e9x20"},
        {"series": "node_memory_MemTotal_bytes{%s}" % ",".join(f'{k}="{v}"' for k, v in node.items()), "values": "16e9x20"}]
    tests = []
    for dashboard in agent_dashboards(agents):
        agent = ".+" if dashboard["uid"] == "llmagentos-fleet" else OWN["agent"]
        for panel in dashboard["panels"]:
            for target in (target for target in panel.get("targets", []) if "expr" in target):
                expr = target["expr"].replace("$agent", agent).replace("$env", ".*").replace("$instance", ".+")
                shows = not any(record + "{" in expr for record in absent)
                tests.append({"name": f"{dashboard['title']} / {panel['title']} / {target['refId']}: {expr}", "interval": "1m",
                              "input_series": inputs, "promql_expr_test": [{
                                  "expr": f"count({expr}) > bool 0", "eval_time": EVAL_TIME,
                                  "exp_samples": [{"labels": "{}", "value": 1}] if shows else []}]})
    assert tests
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp_path / "tests.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}))
    code, output = promtool("test", "rules", str(tmp_path / "tests.yml"))
    assert code == 0, output


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_a_profile_declares_only_signals_its_preset_reads(name):
    profile = PROFILES[name]
    assert profile["source"] and profile["preset"] in PRESETS
    assert set(profile["lacks"]) <= set(PRESETS[profile["preset"]].signals)


def test_what_a_profile_lacks_is_watched_when_an_alert_reads_it():
    """The profiles that lack a signal are the cases AgentSignalMissing exists for."""
    lacking = {name: profile for name, profile in PROFILES.items() if profile["lacks"]}
    assert {"llamacpp", "triton", "sglang-0.4"} <= set(lacking)
    for profile in lacking.values():
        component, _rules = compile_profile(profile)
        assert set(profile["lacks"]) <= set(watched_signals(component)), profile["name"]


def test_the_old_regex_construction_fails_on_the_transition_profile(tmp_path):
    """What issue 13 reported, reproduced on the vLLM 0.11 fixture: one rate() over both names
    of the inter-token histogram cannot be evaluated. The presets no longer build it."""
    profile = PROFILES["vllm-0.11"]
    inputs = input_series(profile, HEALTHY, OWN, SAMPLES)
    regex = 'rate({__name__=~"vllm:(inter_token_latency|time_per_output_token)_seconds_bucket"}[5m])'
    tests = {"tests": [{"interval": "1m", "input_series": inputs, "promql_expr_test": [
        {"expr": f"count({regex})", "eval_time": EVAL_TIME, "exp_samples": [{"labels": "{}", "value": 1}]}]}]}
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests))
    code, output = promtool("test", "rules", str(tmp_path / "tests.yml"))
    assert code != 0 and "same labelset" in output, output


def test_the_published_tables_are_up_to_date():
    doc = ROOT / "docs" / "engine-profiles.md"
    spec = importlib.util.spec_from_file_location("write_engine_profiles", ROOT / "scripts" / "write-engine-profiles.py")
    writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(writer)
    assert writer.render(doc.read_text()) == doc.read_text(), "run: .venv/bin/python scripts/write-engine-profiles.py"
