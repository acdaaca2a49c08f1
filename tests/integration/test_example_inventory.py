"""The example inventory is a real one: its groups parse, its agent description compiles into
scrape jobs, rules, routes and log pipelines, and site.yml and the rollout accept it."""

import json
import os
import subprocess
from pathlib import Path

import yaml

from ansible_collections.llmagentos.ops.plugins.filter.agent_alertmanager_routes import agent_alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.filter.agent_scrape_configs import agent_scrape_configs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "example"


def inventory():
    result = subprocess.run(["ansible-inventory", "-i", str(EXAMPLE / "hosts.yml"), "--list"], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def test_every_group_the_playbooks_use_has_hosts():
    listing = inventory()

    def hosts(group):
        found = set(listing.get(group, {}).get("hosts", []))
        for child in listing.get(group, {}).get("children", []):
            found |= hosts(child)
        return found
    for group in ("prometheus", "alertmanager", "agent_hosts", "elasticsearch", "kibana", "filebeat", "node_exporter"):
        assert hosts(group), group
    assert hosts("gpu_hosts") == hosts("agent_hosts") and hosts("agent_hosts") <= hosts("filebeat")


def test_the_description_compiles_for_this_inventory():
    listing = inventory()
    groups = {name: sorted(data.get("hosts", [])) for name, data in listing.items() if isinstance(data, dict)}
    groups["gpu_hosts"] = groups["agent_hosts"]
    agents = yaml.safe_load((EXAMPLE / "group_vars" / "all" / "agents.yml").read_text())["llmagentos_agents"]
    jobs = agent_scrape_configs(agents, groups=groups)
    llm = next(job for job in jobs if job["job_name"].endswith("llm"))
    assert [config["targets"] for config in llm["static_configs"]][0] == ["gpu-1.example.internal:8000", "gpu-2.example.internal:8000"]
    assert agent_rules(agents, groups=groups) and agent_ingest_pipelines(agents, groups=groups)
    stack = yaml.safe_load((EXAMPLE / "group_vars" / "all" / "stack.yml").read_text())
    receivers = {receiver["name"] for receiver in stack["alertmanager_receivers"]}
    assert stack["alertmanager_watchdog_receiver"] in receivers

    def used(routes):
        return {name for route in routes for name in {route["receiver"]} | used(route.get("routes", []))}
    assert used(agent_alertmanager_routes(agents, groups=groups)["routes"]) == {"team-cx", "team-cx-critical"} <= receivers


def test_site_and_rollout_parse_against_it():
    for playbook in ("site.yml", "agent_rollout.yml"):
        subprocess.run(["ansible-playbook", "-i", str(EXAMPLE / "hosts.yml"), str(ROOT / "playbooks" / playbook), "--syntax-check"],
                       capture_output=True, text=True, check=True, env=dict(os.environ))
