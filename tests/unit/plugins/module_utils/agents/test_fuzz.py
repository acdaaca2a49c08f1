"""Property test: no malformed description gets past the validator as anything but a
DescriptionError naming fields of llmagentos_agents."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.kubernetes import kubernetes_manifests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.routes import alertmanager_routes
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rule_tests import rule_tests
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.scrape import scrape_configs

from examples import EXAMPLE

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["5m", "50ms", "5%", "99.5", "vllm", "llm", "h:1", "", "1e3", "-1s", "{}"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
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


@st.composite
def malformed(draw):
    description = copy.deepcopy(EXAMPLE["llmagentos_agents"])
    for _mutation in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(ALL_PATHS))
        action = draw(st.sampled_from(["replace", "delete", "add_key"]))
        if not path:
            description = draw(junk)
            continue
        parent = description
        try:
            for step in path[:-1]:
                parent = parent[step]
            if action == "replace":
                parent[path[-1]] = draw(junk)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent[path[-1]], dict):
                parent[path[-1]][draw(st.text(min_size=1, max_size=8))] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or reshaped this place
    return description


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_malformed_descriptions_fail_cleanly(description):
    try:
        agents = parse_agents(description, EXAMPLE["groups"])
    except DescriptionError as error:
        assert error.problems
        for path, message in error.problems:
            assert path.startswith("llmagentos_agents"), path
            assert isinstance(message, str) and message
        return
    # What the validator accepts, the generators must compile.
    scrape_configs(agents, EXAMPLE["blackbox_address"])
    agent_rules(agents)
    rule_tests(agents, ["agents.yml"])
    alertmanager_routes(agents)
    kubernetes_manifests(agents)
