"""The stack's alerts about itself against the real services: Prometheus, two clustered
Alertmanagers, node_exporter and blackbox_exporter (the binaries `make deps` unpacks) on loopback,
scraped as the prometheus role scrapes them, with the rules of llmagentos.ops.stack_alert_rules.

Every metric the rules read is exposed by these versions, a healthy stack raises nothing but
Watchdog, and real faults (a rule that cannot be evaluated, an Alertmanager gone) raise theirs."""

import json
import re
import signal
import subprocess
import urllib.parse

import pytest
import yaml
from loopback import free_port, http_get, wait_until
from tools import tool

from ansible_collections.llmagentos.ops.plugins.filter.stack_alert_rules import stack_alert_rules

# Alerts that judge the disks of the machine running the tests, not the stack under test.
TEST_MACHINE_ALERTS = {"HostDiskFillingUp", "HostDiskAlmostFull"}
_STACK_METRIC = re.compile(r"\b(?:up|(?:prometheus|alertmanager|node|probe)_[a-z0-9_]+)\b")


class Stack:
    def __init__(self, work):
        self.work = work
        self.processes = {}
        self.ports = {name: free_port() for name in ("prometheus", "am1", "am2", "am1_cluster", "am2_cluster", "node", "blackbox")}

    def address(self, name):
        return f"127.0.0.1:{self.ports[name]}"

    def start(self, name, *argv):
        log = open(self.work / f"{name}.log", "wb")  # pylint: disable=consider-using-with
        self.processes[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.work)

    def stop(self, name):
        process = self.processes.pop(name)
        process.terminate()
        process.wait()

    def query(self, path):
        return json.loads(http_get(f"http://{self.address('prometheus')}{path}")[1])["data"]

    def alerts(self):
        return {(a["labels"]["alertname"], a["labels"].get("job", ""), a["labels"].get("instance", ""), a["state"])
                for a in self.query("/api/v1/alerts")["alerts"] if a["labels"]["alertname"] not in TEST_MACHINE_ALERTS}


def _scrape_configs(stack):
    def static(job, *targets, **extra):
        return {"job_name": job, "static_configs": [{"targets": list(targets)}], **extra}
    return [
        static("prometheus", stack.address("prometheus")),
        static("alertmanager", stack.address("am1"), stack.address("am2")),
        static("node", stack.address("node")),
        static("blackbox_exporter", stack.address("blackbox")),
        static("blackbox", f"http://{stack.address('prometheus')}/-/healthy", metrics_path="/probe", params={"module": ["http_2xx"]},
               relabel_configs=[{"source_labels": ["__address__"], "target_label": "__param_target"},
                                {"source_labels": ["__param_target"], "target_label": "instance"},
                                {"target_label": "__address__", "replacement": stack.address("blackbox")}]),
    ]


@pytest.fixture(name="stack", scope="module")
def fixture_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("stack"))
    work = stack.work
    scrape_configs = _scrape_configs(stack)
    outputs = stack_alert_rules(scrape_configs, rule_files=["stack.yml"])
    stack.rules = outputs["rules"]
    (work / "stack.yml").write_text(yaml.safe_dump(outputs["rules"]))
    (work / "faults.yml").write_text("groups: []\n")
    (work / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [stack.address("am1"), stack.address("am2")]}]}]},
        "rule_files": ["stack.yml", "faults.yml"],
        "scrape_configs": scrape_configs,
    }))
    (work / "alertmanager.yml").write_text("route: {receiver: nobody}\nreceivers: [{name: nobody}]\n")
    (work / "blackbox.yml").write_text("modules: {http_2xx: {prober: http, timeout: 2s}}\n")
    for name, peer in (("am1", "am2"), ("am2", "am1")):
        (work / name).mkdir()
        stack.start(name, tool("alertmanager"), f"--config.file={work / 'alertmanager.yml'}", f"--storage.path={work / name}",
                    f"--web.listen-address={stack.address(name)}", f"--cluster.listen-address={stack.address(name + '_cluster')}",
                    f"--cluster.peer={stack.address(peer + '_cluster')}")
    stack.start("node", tool("node_exporter"), f"--web.listen-address={stack.address('node')}")
    stack.start("blackbox", tool("blackbox_exporter"), f"--config.file={work / 'blackbox.yml'}", f"--web.listen-address={stack.address('blackbox')}")
    stack.start("prometheus", tool("prometheus"), f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
                f"--web.listen-address={stack.address('prometheus')}")

    def every_target_up():
        targets = stack.query("/api/v1/targets?state=active")["activeTargets"]
        return len(targets) == 6 and all(target["health"] == "up" for target in targets)
    try:
        wait_until(every_target_up, "every target of the stack up", 60)
        yield stack
    finally:
        for name in list(stack.processes):
            stack.stop(name)


def test_every_metric_the_rules_read_is_exposed(stack):
    exposed = set(stack.query("/api/v1/label/__name__/values"))
    read = {name for group in stack.rules["groups"] for rule in group["rules"] for name in _STACK_METRIC.findall(rule["expr"])}
    assert len(read) > 20
    assert read - exposed == set(), "metrics read by the stack's rules that these versions do not expose"


def test_a_healthy_stack_raises_nothing_but_watchdog(stack):
    def evaluated():
        rules = [rule for group in stack.query("/api/v1/rules")["groups"] for rule in group["rules"]]
        return rules and all(rule["health"] == "ok" for rule in rules)
    wait_until(evaluated, "every stack rule evaluated without error", 30)
    assert stack.alerts() == {("Watchdog", "", "", "firing")}
    members = stack.query("/api/v1/query?query=" + urllib.parse.quote("alertmanager_cluster_members"))["result"]
    assert sorted(sample["value"][1] for sample in members) == ["2", "2"]


def test_real_faults_raise_their_alerts(stack):
    # A rule whose result has the same labels twice fails at every evaluation.
    (stack.work / "faults.yml").write_text(yaml.safe_dump({"groups": [{"name": "faults", "rules": [
        {"record": "duplicated", "expr": 'label_replace(up, "instance", "same", "", "")'}]}]}))
    stack.processes["prometheus"].send_signal(signal.SIGHUP)
    stack.stop("am2")
    expected = {("PrometheusRuleEvaluationFailures", "prometheus", stack.address("prometheus"), "pending"),
                ("StackTargetDown", "alertmanager", stack.address("am2"), "pending")}
    wait_until(lambda: expected <= stack.alerts(), f"{sorted(expected)} pending", 30)
