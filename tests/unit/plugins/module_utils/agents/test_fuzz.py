"""Property tests: no malformed description gets past the validator as anything but a
DescriptionError naming fields of llmagentos_agents, and whatever it accepts compiles into rules
promtool accepts and routes amtool accepts. Mutations draw from junk and from the values that
broke earlier versions: injected PromQL, names ending in a newline, numbers beyond a float, nan,
durations beyond Prometheus' range, names equal once lower-cased."""

import copy
import random
import subprocess

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tools import promtool, tool

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import DashboardLinks, agent_dashboards
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.kubernetes import kubernetes_manifests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import Options, agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.gates import gate_checks

from examples import EXAMPLE

NASTY = [
    "5m", "50ms", "5%", "99.5", "vllm", "llm", "h:1", "", "1e3", "-1s", "{}", "Bot", "support_bot", "support-bot",
    "name\n", "x_total\n", 'x{a="1"}[5m]) or vector(1337) or rate(y{b="2"}', 'x{a=~"(?=b)"}', '{__name__=~"a|b"}',
    'x{a="\\"}', "x{a=\"1\"} offset 5m", "100000000000000000000000000000y", "0s", "1ms", "292y", "1e-7", "nan", "inf",
    10 ** 400, -(10 ** 400), float("nan"), float("inf"), -1, 0, 1e-7, 0.9999999, 1, 100, 2 ** 63, True,
    "a" * 70, "ünïcode", "%{team}", "{0}", "team-{x}", "\\", "'", '"', "`", "[::1]:80", "h:0", "h:99999",
]
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12) | st.sampled_from(NASTY),
    lambda inner: (st.lists(inner, max_size=3)
                   | st.dictionaries(st.text(max_size=8) | st.sampled_from(NASTY[:20]), inner, max_size=3)),
    max_leaves=6,
)


def paths(node, prefix=()):
    """Every place in the description a mutation can hit."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


ALL_PATHS = list(paths(EXAMPLE["llmagentos_agents"]))


def mutate(description, choose):
    """Applies one to three mutations; `choose(options)` picks (hypothesis or a seeded random)."""
    for _mutation in range(choose([1, 2, 3])):
        path = choose(ALL_PATHS)
        action = choose(["replace", "delete", "add_key", "nasty"])
        if not path:
            description = choose([None, [], {}, "x", 5])
            continue
        parent = description
        try:
            for step in path[:-1]:
                parent = parent[step]
            if action == "replace":
                parent[path[-1]] = choose.junk()
            elif action == "nasty":
                parent[path[-1]] = choose(NASTY)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent[path[-1]], dict):
                parent[path[-1]][choose(NASTY[:20])] = choose.junk()
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or reshaped this place
    return description


@st.composite
def malformed(draw):
    def choose(options):
        return draw(st.sampled_from(options))
    choose.junk = lambda: draw(junk)
    return mutate(copy.deepcopy(EXAMPLE["llmagentos_agents"]), choose)


def compile_all(description):
    """The outputs of every agent filter, or None when the description is refused cleanly."""
    try:
        agents = parse_agents(description, EXAMPLE["groups"])
    except DescriptionError as error:
        assert error.problems
        for path, message in error.problems:
            assert path.startswith("llmagentos_agents"), path
            assert isinstance(message, str) and message
        return None
    return {
        "scrape": scrape_configs(agents, EXAMPLE["blackbox_address"]),
        "rules": agent_rules(agents),
        "tests": rule_tests(agents, ["agents.yml"]),
        "routes": alertmanager_routes(agents),
        "kubernetes": kubernetes_manifests(agents),
        "gates": gate_checks(agents, ["search-1", "10.0.0.5", "10.0.0.8"]),
        "dashboards": agent_dashboards(agents),
        "linked_rules": agent_rules(agents, Options(dashboard_link=DashboardLinks("https://grafana.example"))),
    }


@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_malformed_descriptions_fail_cleanly(description):
    compile_all(description)


def test_what_the_validator_accepts_promtool_and_amtool_accept(tmp_path):
    """A seeded corpus of 1,500 mutations: every accepted description's rules in one file for
    `promtool check rules`, with the queries of its dashboards' panels (as recording rules, their
    variables filled in), the generated tests of the first two run, and every route in one
    Alertmanager configuration for `amtool check-config`."""
    rng = random.Random(13)

    def choose(options):
        return rng.choice(options)
    choose.junk = lambda: rng.choice(NASTY + [None, [], {}, "x", 0.5])
    groups, routes, receivers, tested = [], [], set(), 0
    for index in range(1500):
        outputs = compile_all(mutate(copy.deepcopy(EXAMPLE["llmagentos_agents"]), choose))
        if outputs is None:
            continue
        for group in outputs["rules"]["groups"]:
            groups.append({**group, "name": f"{index}:{group['name']}"})
        queries = [target["expr"].replace("$agent", "bot").replace("$env", ".*").replace("$instance", ".+")
                   for board in outputs["dashboards"] for panel in board["panels"] for target in panel.get("targets", [])
                   if "expr" in target]
        groups.append({"name": f"{index}:panels", "rules": [{"record": "panel", "expr": query} for query in queries]})
        for route in outputs["routes"]["routes"]:
            routes.append(route)
            receivers.update(_receivers(route))
        if tested < 2 and outputs["tests"]["tests"]:
            case = tmp_path / f"case{index}"
            case.mkdir()
            (case / "agents.yml").write_text(yaml.safe_dump(outputs["rules"]))
            (case / "agents_test.yml").write_text(yaml.safe_dump(outputs["tests"]))
            code, output = promtool("test", "rules", str(case / "agents_test.yml"))
            assert code == 0, output
            tested += 1
    assert len(groups) > 100, "the corpus should include accepted descriptions"
    (tmp_path / "all.yml").write_text(yaml.safe_dump({"groups": groups}))
    code, output = promtool("check", "rules", str(tmp_path / "all.yml"))
    assert code == 0, output[-3000:]
    config = {"route": {"receiver": "default", "routes": routes},
              "receivers": [{"name": name} for name in sorted(receivers | {"default"})]}
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(config))
    result = subprocess.run([tool("amtool"), "check-config", str(tmp_path / "alertmanager.yml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _receivers(route):
    yield route["receiver"]
    for child in route.get("routes", []):
        yield from _receivers(child)
