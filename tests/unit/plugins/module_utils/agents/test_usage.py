"""The right-sizing report reads recordings the compiler writes and recommends by its rule."""

import pytest

from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.usage import RESOURCES, csv_text, markdown, recommend, rows


def test_every_resource_is_a_recording_the_compiler_writes():
    agents = [{"name": "bot", "components": [
        {"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["gpu-1:8000"]},
        {"name": "gpus", "kind": "gpu", "preset": "dcgm", "targets": ["gpu-1:9400"]}]}]
    recorded = {rule["record"] for group in agent_rules(agents)["groups"] for rule in group["rules"] if "record" in rule}
    assert {recording for _resource, recording in RESOURCES} <= recorded


@pytest.mark.parametrize(("p95", "peak", "action", "factor"), [
    (0.9, 0.95, "grow", 0.9 / 0.7),          # p95 above the target
    (0.5, 0.97, "grow", 0.97 / 0.95),        # a saturating peak alone
    (0.2, 0.3, "shrink", 0.3 / 0.95),        # far under the target; the peak bounds the cut
    (0.2, 0.8, "keep", 1.0),                 # low p95 but peaks above the target
    (0.6, 0.8, "keep", 1.0),
])
def test_recommendations(p95, peak, action, factor):
    assert recommend(p95, peak, 0.7) == (action, pytest.approx(factor))


def test_rows_are_ordered_and_rendered():
    cpu = {"p50": {("b", "llm"): 0.1}, "p95": {("b", "llm"): 0.1}, "max": {("b", "llm"): 0.2}}
    gpu = {"p50": {("b", "llm"): 0.5, ("a", "x"): 0.4}, "p95": {("b", "llm"): 0.9, ("a", "x"): 0.5},
           "max": {("b", "llm"): 1.0, ("a", "x"): 0.6}}
    stats = {("CPU", "llmagentos:host_cpu_utilization:ratio"): cpu, ("GPU compute", "llmagentos:gpu_utilization:avg"): gpu}
    found = rows(stats, 0.7)
    assert [(row.agent, row.component, row.resource, row.action) for row in found] == [
        ("a", "x", "GPU compute", "keep"), ("b", "llm", "GPU compute", "grow"), ("b", "llm", "CPU", "shrink")]
    text = markdown(found, 14, 0.7, "2026-12-01 00:00 UTC")
    assert "| b | llm | CPU | 10% | 10% | 20% | 90% | shrink to about ×0.21 |" in text
    assert csv_text(found).splitlines()[3] == "b,llm,CPU,llmagentos:host_cpu_utilization:ratio,0.1000,0.1000,0.2000,0.9000,shrink,0.2105"
    assert "No component has utilisation recordings" in markdown([], 14, 0.7, "now")
