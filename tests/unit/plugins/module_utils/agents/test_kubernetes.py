import shutil
import subprocess

import jsonschema
import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.agent_kubernetes_manifests import agent_kubernetes_manifests
from ansible_collections.llmagentos.ops.plugins.filter.agent_rule_tests import agent_rule_tests
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.schema import agents_schema

AGENTS = [{
    "name": "Support_Bot",
    "team": "cx",
    "components": [
        {"name": "llm", "kind": "llm", "preset": "vllm", "labels": {"model": "llama"},
         "kubernetes": {"namespace": "inference", "selector": {"app": "vllm"}, "port": "http"},
         "alerts": {"down": {}}},
        {"name": "tasks", "kind": "engine", "preset": "task_engine",
         "metrics": {"requests": "tasks_total", "errors": "tasks_failed_total"},
         "kubernetes": {"namespace": "agents", "selector": {"app": "engine", "tier": "worker"}, "port": "metrics",
                        "monitor": "pod"},
         "alerts": {"error_rate": {"above": "10%"}}},
        {"name": "search", "kind": "tool", "preset": "http_api", "targets": ["10.0.0.7:8080"],
         "metrics": {"requests": "search_total"}},
    ],
}]


def manifests():
    return agent_kubernetes_manifests(AGENTS, release="prom")


def test_one_rule_per_agent_and_one_monitor_per_cluster_component():
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests()] == [
        ("PrometheusRule", "llmagentos-support-bot"),
        ("ServiceMonitor", "llmagentos-support-bot-llm"),
        ("PodMonitor", "llmagentos-support-bot-tasks"),
    ]


def test_every_manifest_carries_the_release_label():
    assert all(m["metadata"]["labels"]["release"] == "prom" and m["metadata"]["namespace"] == "monitoring" for m in manifests())


def test_the_prometheus_rule_holds_the_agent_rules():
    assert manifests()[0]["spec"] == agent_rules(AGENTS)


def test_monitors_select_the_workload_and_add_the_rule_labels():
    service, pod = manifests()[1:]
    assert service["spec"]["namespaceSelector"] == {"matchNames": ["inference"]}
    assert service["spec"]["selector"] == {"matchLabels": {"app": "vllm"}}
    (endpoint,) = service["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    assert {r["targetLabel"]: r["replacement"] for r in endpoint["relabelings"]} == {
        "agent": "Support_Bot", "component": "llm", "kind": "llm", "team": "cx", "model": "llama"}
    assert pod["spec"]["selector"] == {"matchLabels": {"app": "engine", "tier": "worker"}}
    assert pod["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"


def test_the_description_with_kubernetes_matches_the_schema():
    jsonschema.validate(AGENTS, agents_schema())


@pytest.mark.parametrize(("kubernetes", "message"), [
    ({"namespace": "Inference", "selector": {"app": "x"}, "port": "http"}, r"kubernetes\.namespace: 'Inference' is not valid"),
    ({"namespace": "ns", "selector": {}, "port": "http"}, r"kubernetes\.selector: must be a non-empty mapping"),
    ({"namespace": "ns", "selector": {"app": "x"}}, r"kubernetes\.port: is required"),
    ({"namespace": "ns", "selector": {"app": "x"}, "port": "http", "monitor": "node"}, r"kubernetes\.monitor: must be service"),
    ({"namespace": "ns", "selector": {"app": "x"}, "port": "http", "tls": True}, r"kubernetes\.tls: unknown key"),
])
def test_bad_kubernetes_blocks_are_named(kubernetes, message):
    agents = [{"name": "a", "components": [{"name": "c", "kind": "llm", "preset": "vllm", "kubernetes": kubernetes}]}]
    with pytest.raises(AnsibleFilterError, match=message):
        agent_kubernetes_manifests(agents)


def test_a_probe_only_preset_cannot_be_scraped_in_the_cluster():
    agents = [{"name": "a", "components": [{"name": "c", "kind": "llm", "preset": "ollama",
                                            "kubernetes": {"namespace": "ns", "selector": {"app": "x"}, "port": "http"}}]}]
    with pytest.raises(AnsibleFilterError, match="has no metrics endpoint for a ServiceMonitor"):
        agent_kubernetes_manifests(agents)


def test_rules_and_tests_of_cluster_only_components_pass_promtool(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not on PATH: run `make deps`")
    (tmp_path / "agents.yml").write_text(yaml.safe_dump(manifests()[0]["spec"]))
    (tmp_path / "agents_test.yml").write_text(yaml.safe_dump(agent_rule_tests(AGENTS, ["agents.yml"])))
    result = subprocess.run([promtool, "test", "rules", str(tmp_path / "agents_test.yml")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
