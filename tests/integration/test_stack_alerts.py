"""The stack's alerts about itself against the real services: Prometheus, two clustered
Alertmanagers, node_exporter, blackbox_exporter and elasticsearch_exporter (the binaries `make
deps` unpacks) on loopback, scraped as the prometheus role scrapes them, with the rules of
llmagentos.ops.stack_alert_rules. Elasticsearch, Logstash and Filebeat are stand-ins serving their
APIs' JSON; the statistics writer of the logstash and filebeat roles feeds node_exporter's
textfile collector as on a real host.

Every metric the rules read is exposed by these versions, a healthy stack raises nothing but
Watchdog, and real faults (a rule that cannot be evaluated, an Alertmanager gone) raise theirs."""

import base64
import copy
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
import yaml
from loopback import free_port, http_get, wait_until
from standin_common import JsonHandler
from tools import tool

from ansible_collections.llmagentos.ops.plugins.filter.stack_alert_rules import stack_alert_rules

# Alerts that judge the disks of the machine running the tests, not the stack under test.
TEST_MACHINE_ALERTS = {"HostDiskFillingUp", "HostDiskAlmostFull"}
_STACK_METRIC = re.compile(r"\b(?:up|(?:prometheus|alertmanager|node|probe|elasticsearch|logstash|filebeat)_[a-z0-9_]+)\b")
ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "roles/common/files/elastic_stats_textfile.py"
FIXTURES = ROOT / "tests/unit/roles/common/fixtures"
API_KEY = "exporter-id:exporter-secret"


def _healthy_logstash():
    stats = json.loads((FIXTURES / "logstash_node_stats_pipelines.json").read_text())
    pipeline = stats["pipelines"]["llmagentos-agents"]
    pipeline["reloads"].update(last_error=None, last_failure_timestamp=None, failures=0)
    pipeline["queue"]["queue_size_in_bytes"] = 4096
    return stats


class LogStack:
    """Elasticsearch's, Logstash's and Filebeat's APIs as far as the exporter and the writer read them."""

    def __init__(self):
        self.health = "green"
        self.documents = {
            "/": {"name": "es-1", "cluster_name": "llmagentos", "cluster_uuid": "Zq1", "version": {"number": "9.2.1"}},
            "/_nodes/_local/stats": {"cluster_name": "llmagentos", "nodes": {"n1": {
                "name": "es-1", "host": "127.0.0.1", "roles": ["master", "data", "ingest"],
                "fs": {"data": [{"path": "/var/lib/elasticsearch/nodes/0", "mount": "/ (/dev/sda1)", "total_in_bytes": 100 * 2 ** 30,
                                 "free_in_bytes": 60 * 2 ** 30, "available_in_bytes": 55 * 2 ** 30}]}}}},
            "/_node/stats/pipelines": _healthy_logstash(),
            "/stats": json.loads((FIXTURES / "filebeat_stats.json").read_text()),
        }

    def answer(self, path, authorization):
        if path.startswith("/_cluster/health"):
            return 200, {"cluster_name": "llmagentos", "status": self.health, "number_of_nodes": 1, "number_of_data_nodes": 1,
                         "active_primary_shards": 5, "active_shards": 5, "unassigned_shards": 0}
        path = path.split("?")[0]
        if path not in self.documents:
            return 404, {"error": path}
        if path in ("/", "/_nodes/_local/stats") and authorization != "ApiKey " + base64.b64encode(API_KEY.encode()).decode():
            return 401, {"error": "unable to authenticate"}
        return 200, copy.deepcopy(self.documents[path])


def _serve(log_stack):
    class Api(JsonHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.reply(*log_stack.answer(self.path, self.headers.get("Authorization")))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Stack:
    def __init__(self, work):
        self.work = work
        self.processes = {}
        self.ports = {name: free_port() for name in ("prometheus", "am1", "am2", "am1_cluster", "am2_cluster", "node", "blackbox",
                                                     "elasticsearch_exporter")}
        self.log_stack = LogStack()
        self.textfiles = work / "textfile_collector"

    def write_stats(self, service, url):
        """One pass of the roles' statistics writer, as its unit runs it every 15 s."""
        subprocess.run([sys.executable, str(WRITER), service, "--url", url, "--output", str(self.textfiles / f"llmagentos-{service}.prom"),
                        "--pipeline=llmagentos-agents", "--once", "--timeout=2"], check=True, capture_output=True)

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
        static("elasticsearch", stack.address("elasticsearch_exporter")),
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
    api = _serve(stack.log_stack)
    api_url = f"http://127.0.0.1:{api.server_address[1]}"
    stack.textfiles.mkdir()
    for service in ("logstash", "filebeat"):
        stack.write_stats(service, api_url)
    stack.api_url = api_url
    stack.start("node", tool("node_exporter"), f"--web.listen-address={stack.address('node')}",
                f"--collector.textfile.directory={stack.textfiles}")
    os.environ["ES_API_KEY"] = base64.b64encode(API_KEY.encode()).decode()
    try:
        stack.start("elasticsearch_exporter", tool("elasticsearch_exporter"), f"--es.uri={api_url}",
                    f"--web.listen-address={stack.address('elasticsearch_exporter')}")
    finally:
        del os.environ["ES_API_KEY"]
    stack.start("blackbox", tool("blackbox_exporter"), f"--config.file={work / 'blackbox.yml'}", f"--web.listen-address={stack.address('blackbox')}")
    stack.start("prometheus", tool("prometheus"), f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
                f"--web.listen-address={stack.address('prometheus')}")

    def every_target_up():
        targets = stack.query("/api/v1/targets?state=active")["activeTargets"]
        return len(targets) == 7 and all(target["health"] == "up" for target in targets)
    try:
        wait_until(every_target_up, "every target of the stack up", 60)
        yield stack
    finally:
        for name in list(stack.processes):
            stack.stop(name)
        api.shutdown()


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
    # Elasticsearch turns red; Logstash stops answering the writer.
    stack.log_stack.health = "red"
    stack.write_stats("logstash", f"http://127.0.0.1:{free_port()}")
    expected = {("PrometheusRuleEvaluationFailures", "prometheus", stack.address("prometheus"), "pending"),
                ("StackTargetDown", "alertmanager", stack.address("am2"), "pending"),
                ("ElasticsearchClusterRed", "", "", "pending"),
                ("LogstashDown", "node", stack.address("node"), "pending")}
    wait_until(lambda: expected <= stack.alerts(), f"{sorted(expected)} pending", 30)
