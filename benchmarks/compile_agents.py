"""Benchmark, not a test: compiles descriptions of 1,000 and 10,000 components (vLLM servers,
tools and task engines with alerts and SLOs) through every generator (the rules with their
dashboard links, the Grafana dashboards, and the remediation rulebook with its routes), and reports time, peak memory and the time per
component, which should stay flat if the cost grows linearly.
Run through `make bench`; paste the output into docs/benchmarks.md."""

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import DashboardLinks, agent_dashboards  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.remediation import rulebook  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import alertmanager_routes  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import Options, agent_rules  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs  # noqa: E402

COMPONENTS_PER_AGENT = 4


def description(components):
    agents = []
    for index in range(components // COMPONENTS_PER_AGENT):
        agents.append({
            "name": f"agent-{index}",
            "team": f"team-{index % 20}",
            "environment": "prod",
            "components": [
                {"name": "llm", "kind": "llm", "preset": "vllm", "targets": [f"10.0.{index % 250}.1:8000"],
                 "alerts": {"time_per_output_token": {"above": "50ms"}, "kv_cache_usage": {"above": "90%"}, "down": {}},
                 "slos": [{"sli": "availability", "objective": 99.5}],
                 "remediation": {"service": f"agent-{index}-llm", "actions": {"down": "restart"}}},
                {"name": "search", "kind": "tool", "preset": "http_api", "targets": [f"10.1.{index % 250}.1:8080"],
                 "metrics": {"requests": "search_requests_total", "errors": 'search_requests_total{code=~"5.."}',
                             "latency": "search_request_duration_seconds"},
                 "alerts": {"error_rate": {"above": "5%"}, "latency": {"above": "2s"}},
                 "remediation": {"service": f"agent-{index}-search", "actions": {"error_rate": {"action": "rollback", "after": "5m"}}}},
                {"name": "tasks", "kind": "engine", "preset": "task_engine", "targets": [f"10.2.{index % 250}.1:9200"],
                 "metrics": {"requests": "tasks_total", "errors": "tasks_failed_total"},
                 "alerts": {"error_rate": {"above": "10%", "for": "15m"}}},
                {"name": "gpu", "kind": "gpu", "preset": "dcgm", "targets": [f"10.3.{index % 250}.1:9400"]},
            ],
        })
    return agents


def compile_all(raw):
    agents = parse_agents(raw)
    scrape_configs(agents)
    options = Options(dashboard_link=DashboardLinks("https://grafana.example"))
    rules = agent_rules(agents, options)
    rule_tests(agents, ["agents.yml"], options)
    alertmanager_routes(agents, remediation_receiver="llmagentos-remediation")
    agent_dashboards(agents)
    rulebook(agents, {"llmagentos.ops.alertmanager": {}})
    return rules


def measure(components):
    """Seconds (best of three, without tracing), peak traced memory, rules generated."""
    raw = description(components)
    seconds = []
    for _run in range(3):
        start = time.perf_counter()
        rules = compile_all(raw)
        seconds.append(time.perf_counter() - start)
    tracemalloc.start()
    compile_all(raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(seconds), peak, sum(len(group["rules"]) for group in rules["groups"])


def main():
    measure(100)  # warm-up: imports and caches
    print(f"## Agent compiler ({time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]})")
    print()
    print("| Components | Rules generated | Seconds | Peak memory (MiB) | ms per component |")
    print("| --- | --- | --- | --- | --- |")
    for components in (1000, 10000):
        seconds, peak, rules = measure(components)
        print(f"| {components:,} | {rules:,} | {seconds:.2f} | {peak / 2**20:.0f} | {seconds * 1000 / components:.3f} |")


if __name__ == "__main__":
    main()
