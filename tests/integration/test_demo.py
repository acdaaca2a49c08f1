"""The README's demo as a person runs it, from the collection as Galaxy installs it.

`demo.sh up` starts the sandbox containers and runs llmagentos.ops.site from the installed
artifact; then the stack is checked through the Prometheus and Alertmanager APIs on 127.0.0.1:
every target up, a second site run changes nothing, a component tag and llmagentos.ops.update_rules
touch only what they name, and `demo.sh fault` brings the agent's alert to Alertmanager. `demo.sh
down` removes it all, pass or fail. The tests run in file order, each on the state the previous
one left."""

import json
import os
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import yaml
from collection_artifact import ROOT, build_and_install

PROMETHEUS = "http://127.0.0.1:9090"
ALERTMANAGER = "http://127.0.0.1:9093"
MONITOR, AGENT = "llmagentos-sandbox-monitor", "llmagentos-sandbox-agent"


def api(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def eventually(probe, what, timeout, interval=5):
    """probe()'s first truthy answer within timeout seconds; the last answer is in the failure."""
    deadline = time.monotonic() + timeout
    answer = None
    while time.monotonic() < deadline:
        try:
            answer = probe()
        except OSError as error:
            answer = error
        else:
            if answer:
                return answer
        time.sleep(interval)
    pytest.fail(f"{what} did not happen within {timeout}s; last seen: {answer!r}")


class Demo:
    """The demo's commands and playbook runs against one installed copy of the collection."""

    def __init__(self, collections):
        self.installed = collections / "ansible_collections" / "llmagentos" / "ops"
        self.inventory = self.installed / "inventories" / "sandbox"
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), LLMAGENTOS_DEMO_COLLECTION=str(self.installed))

    def command(self, *args):
        result = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"demo.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def playbook(self, playbook, *args, inventory=None):
        """The run's JSON report (ansible.posix.json): plays, tasks and per-host stats, and its exit code."""
        result = subprocess.run(["ansible-playbook", "-i", str(inventory or self.inventory), playbook, *args], cwd=ROOT,
                                env=dict(self.env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
                                capture_output=True, text=True, check=False)
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"{playbook} printed no report:\n{result.stdout}\n{result.stderr}")
        return report, result.returncode


def task_names(report):
    """The names of the tasks that ran on some host (not skipped), without the "role : " in front."""
    return [task["task"]["name"].rpartition(" : ")[2] for play in report["plays"] for task in play["tasks"]
            if not all(result.get("skipped") for result in task["hosts"].values())]


def failures(report):
    return [result.get("msg") for play in report["plays"] for task in play["tasks"]
            for result in task["hosts"].values() if result.get("failed")]


@pytest.fixture(name="demo", scope="module")
def fixture_demo(tmp_path_factory):
    _artifact, collections = build_and_install(tmp_path_factory.mktemp("galaxy"))
    demo = Demo(collections)
    demo.command("down")  # containers an interrupted earlier demo left behind
    try:
        demo.command("up")
        yield demo
    finally:
        demo.command("down")


def alerting_rule(name, component):
    groups = api(f"{PROMETHEUS}/api/v1/rules?type=alert")["data"]["groups"]
    return next(rule for group in groups for rule in group["rules"]
                if rule["name"] == name and f'component="{component}"' in rule["query"])


def test_every_target_is_up_and_alerts_flow(demo):
    def ready():
        targets = api(f"{PROMETHEUS}/api/v1/targets?state=active")["data"]["activeTargets"]
        down = sorted(f"{t['labels']['job']}/{t['labels']['instance']}" for t in targets if t["health"] != "up")
        watchdog = any(a["labels"]["alertname"] == "Watchdog" for a in api(f"{ALERTMANAGER}/api/v2/alerts"))
        return (targets and not down and watchdog) or None

    eventually(ready, "every target up and Watchdog in Alertmanager", timeout=120)
    jobs = {t["labels"]["job"] for t in api(f"{PROMETHEUS}/api/v1/targets?state=active")["data"]["activeTargets"]}
    # The monitoring core, its probes and the three components of the support bot, compiled from the description.
    assert jobs == {"prometheus", "alertmanager", "node", "blackbox_exporter", "blackbox", "llmagentos/support-bot/llm",
                    "llmagentos/support-bot/search", "llmagentos/support-bot/tasks"}


def test_a_fresh_stack_raises_nothing_but_watchdog(demo):
    # Had the package install started Prometheus with Debian's configuration, its series (such as
    # up{job="node",instance="localhost:9100"}) would still answer for five minutes after the restart.
    targets = api(f"{PROMETHEUS}/api/v1/targets?state=active")["data"]["activeTargets"]
    scraped = {(t["labels"]["job"], t["labels"]["instance"]) for t in targets}
    up = api(f"{PROMETHEUS}/api/v1/query?query=up")["data"]["result"]
    assert {(s["metric"]["job"], s["metric"]["instance"]) for s in up} == scraped

    def raised():
        in_prometheus = {(a["labels"]["alertname"], a["state"]) for a in api(f"{PROMETHEUS}/api/v1/alerts")["data"]["alerts"]}
        in_alertmanager = [(a["labels"]["alertname"], a["receivers"]) for a in api(f"{ALERTMANAGER}/api/v2/alerts")]
        return in_prometheus, in_alertmanager

    only_watchdog = ({("Watchdog", "firing")}, [("Watchdog", [{"name": "watchdog-not-routed"}])])
    # Recordings over rates need two scrapes: until then AgentSignalMissing may be pending (its
    # `for` is 15 minutes). Once it has cleared, nothing else may come up.
    eventually(lambda: raised() == only_watchdog, "nothing raised but Watchdog", timeout=90)
    time.sleep(20)
    assert raised() == only_watchdog


def test_a_second_site_run_changes_nothing(demo):
    report, code = demo.playbook("llmagentos.ops.site")
    assert code == 0, failures(report)
    assert {host: stats["changed"] for host, stats in report["stats"].items()} == {MONITOR: 0, AGENT: 0}


def test_a_component_tag_runs_that_component_alone(demo):
    labels = {"environment": "sandbox", "demo_check": "tagged"}
    report, code = demo.playbook("llmagentos.ops.site", "--tags", "prometheus_configure",
                                 "-e", json.dumps({"prometheus_external_labels": labels}))
    assert code == 0, failures(report)
    names = task_names(report)
    assert "Write prometheus.yml" in names and "Reload prometheus" in names
    assert not [name for name in names if name.startswith(("Install", "Create the system user"))], names
    assert report["stats"][MONITOR]["changed"] > 0 and report["stats"].get(AGENT, {}).get("changed", 0) == 0
    config = api(f"{PROMETHEUS}/api/v1/status/config")["data"]["yaml"]
    assert "demo_check: tagged" in config


def test_update_rules_changes_the_rules_without_installing(demo, tmp_path):
    assert "> 0.05 and" in alerting_rule("ToolAPIErrorRateHigh", "search")["query"]
    agents = yaml.safe_load((demo.inventory / "group_vars" / "all.yml").read_text())["llmagentos_agents"]
    search = next(c for c in agents[0]["components"] if c["name"] == "search")
    search["alerts"]["error_rate"]["above"] = "7%"
    (tmp_path / "agents.json").write_text(json.dumps({"llmagentos_agents": agents}))

    report, code = demo.playbook("llmagentos.ops.update_rules", "-e", f"@{tmp_path / 'agents.json'}")
    assert code == 0, failures(report)
    names = task_names(report)
    assert "Run promtool test rules" in names and "Write the rule files" in names and "Reload prometheus" in names
    assert not [name for name in names if name.startswith(("Install", "Create the system user"))], names
    eventually(lambda: "> 0.07 and" in alerting_rule("ToolAPIErrorRateHigh", "search")["query"],
               "the new threshold loaded by Prometheus", timeout=30, interval=1)


def test_update_rules_refuses_a_host_without_prometheus(demo, tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"prometheus": {"hosts": {AGENT: {
        "ansible_connection": "community.docker.docker", "ansible_user": "root"}}}}}}))
    report, code = demo.playbook("llmagentos.ops.update_rules", inventory=inventory)
    assert code != 0
    assert any(f"prometheus_skip_install is true, but {AGENT} has no /usr/bin/prometheus" in (msg or "")
               for msg in failures(report)), failures(report)
    assert report["stats"][AGENT]["changed"] == 0


def test_the_fault_command_brings_the_agents_alert_to_alertmanager(demo):
    assert "now fails 60 %" in demo.command("fault")

    def tool_alert():
        query = urllib.parse.urlencode({"filter": ['alertname="ToolAPIErrorRateHigh"', 'agent="support-bot"',
                                                   'component="search"']}, doseq=True)
        return [a for a in api(f"{ALERTMANAGER}/api/v2/alerts?{query}") if a["status"]["state"] == "active"]

    alert = eventually(tool_alert, "ToolAPIErrorRateHigh for support-bot/search in Alertmanager", timeout=300)[0]
    assert alert["labels"]["severity"] == "warning" and alert["labels"]["team"] == "cx"
    assert [receiver["name"] for receiver in alert["receivers"]] == ["team-cx"]
    assert "cleared" in demo.command("fault", "heal")


def test_a_verbose_diff_run_with_the_secure_defaults_prints_no_secret(demo, tmp_path):
    """Last, since it changes the stack: site.yml with -vvv --diff, TLS and passwords turned on
    (the sandbox opts out of them), a new release of the bot (so its secrets are deployed behind
    the gate) and a planted value in every secret variable the sandbox's roles take. None of them,
    no generated password and no private key may appear in the output."""
    planted = {
        "hf": "planted-hf-token-7c1e90", "webhook": "planted-webhook-3f9a12", "pagerduty": "planted-pagerduty-5d2b34",
        "remote_write": "planted-remote-write-8e4c56", "node_user": "planted-node-user-2a7f78",
    }
    settings = {
        "llmagentos_web_tls": True, "llmagentos_web_auth": True,
        "agent_rollout_prometheus_url": "https://127.0.0.1:9090", "agent_rollout_alertmanager_url": "https://127.0.0.1:9093",
        "agent_service_release": "demo-2", "agent_service_secrets": {"HF_TOKEN": planted["hf"]},
        "alertmanager_receivers": [
            {"name": "default"},
            {"name": "team-cx", "webhook_configs": [{"url": f"http://127.0.0.1:9/{planted['webhook']}"}]},
            {"name": "team-cx-critical", "pagerduty_configs": [{"routing_key": planted["pagerduty"]}]}],
        "prometheus_remote_write": [{"url": "http://127.0.0.1:9/api/v1/write",
                                     "basic_auth": {"username": "writer", "password": planted["remote_write"]}}],
        "node_exporter_web_basic_auth_users": {"ops": planted["node_user"]},
    }
    (tmp_path / "planted.json").write_text(json.dumps(settings))
    result = subprocess.run(["ansible-playbook", "-i", str(demo.inventory), "llmagentos.ops.site", "-vvv", "--diff",
                             "-e", f"@{tmp_path / 'planted.json'}"],
                            cwd=ROOT, env=demo.env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    generated = [path.read_text().strip() for path in (demo.inventory / ".llmagentos" / "credentials" / "web").iterdir()]
    assert len(generated) >= 6  # prometheus and alertmanager (admin, prometheus), node and blackbox exporters
    leaked = [name for name, value in planted.items() if value in output]
    leaked += [f"generated password #{index}" for index, value in enumerate(generated) if value in output]
    leaked += ["a private key"] if "PRIVATE KEY-----" in output else []
    assert not leaked, f"printed by site.yml -vvv --diff: {leaked}"
