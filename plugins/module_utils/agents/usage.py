# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Right-sizing: how much of what each agent's component is given it used over a window, read
from the compiler's utilisation recordings (each a ratio of used to available), and what to do
about it. The queries, the rows, the recommendation and the Markdown and CSV texts; the module
(right_sizing_report) asks Prometheus and writes the files."""

from __future__ import annotations

import csv
import io
from collections import namedtuple

from .conventions import GPU_MEMORY_UTILIZATION, HOST_CPU_UTILIZATION, HOST_MEMORY_UTILIZATION, record_name

# What a component is given, and the recording of the share of it in use.
RESOURCES = (
    ("GPU compute", record_name("gpu_utilization")),
    ("GPU memory", record_name(GPU_MEMORY_UTILIZATION)),
    ("KV cache", record_name("kv_cache_usage")),
    ("CPU", record_name(HOST_CPU_UTILIZATION)),
    ("memory", record_name(HOST_MEMORY_UTILIZATION)),
)
# A peak this close to the whole is saturation, whatever the p95.
SATURATED = 0.95
Row = namedtuple("Row", "agent component resource recording p50 p95 max headroom action factor")
CSV_FIELDS = ("agent", "component", "resource", "recording", "p50", "p95", "max", "headroom", "action", "suggested_factor")


def queries(recording, days):
    """The instant queries (p50, p95, max over the window) of one recording, by component."""
    window = f"{days}d"
    by = "agent, component"
    return {
        "p50": f"max by ({by}) (quantile_over_time(0.5, {recording}[{window}]))",
        "p95": f"max by ({by}) (quantile_over_time(0.95, {recording}[{window}]))",
        "max": f"max by ({by}) (max_over_time({recording}[{window}]))",
    }


def recommend(p95, peak, target):
    """(action, factor): `factor` times the current allocation would run at `target` at the p95
    and keep the peak under saturation."""
    factor = max(p95 / target, peak / SATURATED)
    if p95 > target or peak >= SATURATED:
        return "grow", factor
    if p95 < target / 2 and peak < target:
        return "shrink", factor
    return "keep", 1.0


def rows(stats, target):
    """Rows sorted by agent, component and resource, from {(resource, recording): {stat: {(agent,
    component): value}}}; a component is listed for each resource it has a p95 of."""
    order = {name: index for index, (name, _recording) in enumerate(RESOURCES)}
    found = []
    for (resource, recording), values in stats.items():
        for key, p95 in values["p95"].items():
            p50, peak = values["p50"].get(key, p95), values["max"].get(key, p95)
            action, factor = recommend(p95, peak, target)
            found.append(Row(key[0], key[1], resource, recording, p50, p95, peak, max(0.0, 1 - p95), action, factor))
    return sorted(found, key=lambda row: (row.agent, row.component, order[row.resource]))


def _percent(value):
    return f"{value * 100:.0f}%"


def markdown(found, days, target, when):
    """The report as Markdown: one table, then what each recommendation means."""
    lines = [f"# Right-sizing report, last {days} days (to {when})", "",
             f"Use of what each component is given, from the `llmagentos:*` utilisation recordings; the target is "
             f"{_percent(target)} at the p95 with the peak under {_percent(SATURATED)}.", ""]
    if not found:
        return "\n".join(lines + ["No component has utilisation recordings in this window.", ""])
    lines += ["| Agent | Component | Resource | p50 | p95 | Max | Headroom | Recommendation |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in found:
        advice = {"keep": "keep", "grow": f"grow to about ×{row.factor:.2f}", "shrink": f"shrink to about ×{row.factor:.2f}"}[row.action]
        lines.append(f"| {row.agent} | {row.component} | {row.resource} | {_percent(row.p50)} | {_percent(row.p95)} | "
                     f"{_percent(row.max)} | {_percent(row.headroom)} | {advice} |")
    lines += ["", "Grow: the p95 is above the target or the peak saturates; shrink: the p95 is under half the target "
              "and the peak under it. The factor applies to what the component is given (GPUs, memory, CPU quota, "
              "KV cache), so that the p95 would sit at the target.", ""]
    return "\n".join(lines)


def csv_text(found):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in found:
        writer.writerow([row.agent, row.component, row.resource, row.recording, f"{row.p50:.4f}", f"{row.p95:.4f}",
                         f"{row.max:.4f}", f"{row.headroom:.4f}", row.action, f"{row.factor:.4f}"])
    return out.getvalue()
