#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: right_sizing_report
short_description: Write how much of their GPUs, memory, CPU and KV cache the agents used, and what to change
version_added: 0.2.0
description:
  - Asks Prometheus for the p50, p95 and maximum over the last I(days) of the utilisation recordings the agent
    compiler writes for every component (C(llmagentos:gpu_utilization:avg), C(llmagentos:gpu_memory_utilization:ratio),
    C(llmagentos:kv_cache_usage:max), C(llmagentos:host_cpu_utilization:ratio),
    C(llmagentos:host_memory_utilization:ratio); each the share of what the component is given), and writes a
    report per agent and component - the headroom at the p95 and a recommendation (grow, shrink or keep, with the
    factor that puts the p95 at I(target_utilization) and the peak under 95%) - as C(right-sizing.md),
    C(right-sizing.csv) and C(right-sizing.png) (a chart of the same figures) in I(dest).
  - Only reads from Prometheus. A file is rewritten only when its content changes.
author: llmagentos.ops contributors (@llmagentos)
requirements:
  - matplotlib (for the chart, on the host that runs the module; C(chart=false) does without)
attributes:
  check_mode:
    description: Queries Prometheus and reports which files would change, writing nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
options:
  days:
    description: The window, in days, ending at I(at).
    type: int
    default: 14
  at:
    description: End of the window, as Prometheus takes C(time) (RFC 3339 or a Unix timestamp); now when empty.
    type: str
    default: ''
  target_utilization:
    description: The share of its allocation a component should use at the p95 (0.1 to 0.95).
    type: float
    default: 0.7
  agents:
    description: Only these agents (names of C(llmagentos_agents)); every agent when empty.
    type: list
    elements: str
    default: []
  dest:
    description: Directory the report files are written to; created if missing.
    type: path
    required: true
  chart:
    description: Draw C(right-sizing.png).
    type: bool
    default: true
extends_documentation_fragment:
  - llmagentos.ops.connection
  - llmagentos.ops.connection.basic_auth
  - llmagentos.ops.connection.prometheus
"""

EXAMPLES = r"""
- name: Report the last two weeks of the agents' use
  llmagentos.ops.right_sizing_report:
    url: https://prometheus-1.example.internal:9090
    url_username: admin
    url_password: "{{ lookup('llmagentos.ops.web_password', 'prometheus', user='admin') }}"
    ca_path: "{{ inventory_dir }}/.llmagentos/pki/llmagentos-ca.crt"
    days: 14
    dest: reports/2026-12
  delegate_to: localhost
"""

RETURN = r"""
rows:
  description: One per agent, component and resource that has recordings in the window.
  returned: always
  type: list
  elements: dict
  contains:
    agent:
      description: The agent.
      type: str
    component:
      description: The component.
      type: str
    resource:
      description: C(GPU compute), C(GPU memory), C(KV cache), C(CPU) or C(memory).
      type: str
    recording:
      description: The recording read.
      type: str
    p50:
      description: Median share in use over the window.
      type: float
    p95:
      description: 95th percentile share in use.
      type: float
    max:
      description: Largest share in use.
      type: float
    headroom:
      description: One minus the p95.
      type: float
    action:
      description: C(grow), C(shrink) or C(keep).
      type: str
    factor:
      description: What to multiply the allocation by (1 for keep).
      type: float
files:
  description: The report files, written or (in check mode) to be written.
  returned: always
  type: list
  elements: str
  sample: [reports/right-sizing.md, reports/right-sizing.csv, reports/right-sizing.png]
"""

import io
import os
import re
import tempfile
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.usage import RESOURCES, csv_text, markdown, queries, rows
from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import (
    BASIC_AUTH_ARGUMENT_SPEC, BASIC_AUTH_OPTIONS, ApiError, basic_auth_client)

try:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    MATPLOTLIB_ERROR = None
except ImportError:
    MATPLOTLIB_ERROR = traceback.format_exc()

_AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def fetch(client, days, at, agents):
    """{(resource, recording): {stat: {(agent, component): value}}}."""
    stats = {}
    for resource, recording in RESOURCES:
        values = {}
        for stat, query in queries(recording, days).items():
            params = {"query": query, **({"time": at} if at else {})}
            result = client.request("GET", "api/v1/query", query=params)["data"]["result"]
            values[stat] = {(item["metric"].get("agent", ""), item["metric"].get("component", "")): float(item["value"][1])
                            for item in result if not agents or item["metric"].get("agent") in agents}
        stats[(resource, recording)] = values
    return stats


def chart(found, target):
    """A PNG: p50, p95 and max per component and resource, the target marked."""
    labels = [f"{row.agent}/{row.component} {row.resource}" for row in found]
    figure, axes = pyplot.subplots(figsize=(10, 1.2 + 0.45 * max(len(found), 1)), dpi=100)
    positions = range(len(found))
    for offset, (stat, colour) in enumerate((("p50", "#7fb3d5"), ("p95", "#2471a3"), ("max", "#c0392b"))):
        axes.barh([position + (offset - 1) * 0.27 for position in positions], [getattr(row, stat) * 100 for row in found],
                  height=0.27, color=colour, label=stat)
    axes.axvline(target * 100, color="#555555", linestyle="--", linewidth=1, label="target")
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of what the component is given")
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    out = io.BytesIO()
    # No software version or date in the file: the same figures give the same bytes.
    figure.savefig(out, format="png", metadata={"Software": None})
    pyplot.close(figure)
    return out.getvalue()


def write(module, path, content):
    """Writes `content` to `path` when it differs; True when it did (or would, in check mode)."""
    if os.path.exists(path):
        with open(path, "rb") as current:
            if current.read() == content:
                return False
    if not module.check_mode:
        handle, staged = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".right-sizing-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(staged, 0o644)
        module.atomic_move(staged, path)
    return True


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "default": "http://127.0.0.1:9090"},
            "days": {"type": "int", "default": 14},
            "at": {"type": "str", "default": ""},
            "target_utilization": {"type": "float", "default": 0.7},
            "agents": {"type": "list", "elements": "str", "default": []},
            "dest": {"type": "path", "required": True},
            "chart": {"type": "bool", "default": True},
            **BASIC_AUTH_ARGUMENT_SPEC,
        },
        **BASIC_AUTH_OPTIONS,
        supports_check_mode=True,
    )
    params = module.params
    problems = []
    if not 1 <= params["days"] <= 400:
        problems.append(f"days must be from 1 to 400, got {params['days']}")
    if not 0.1 <= params["target_utilization"] <= 0.95:
        problems.append(f"target_utilization must be from 0.1 to 0.95, got {params['target_utilization']}")
    problems += [f"agents[{index}] is not an agent name: {name!r}" for index, name in enumerate(params["agents"])
                 if not _AGENT_NAME.match(name)]
    if problems:
        module.fail_json(msg="; ".join(problems))
    if params["chart"] and MATPLOTLIB_ERROR:
        module.fail_json(msg=missing_required_lib("matplotlib", reason="for the chart (or set chart: false)"),
                         exception=MATPLOTLIB_ERROR)
    client = basic_auth_client(module, "Prometheus")
    try:
        stats = fetch(client, params["days"], params["at"], set(params["agents"]))
    except ApiError as error:
        module.fail_json(msg=str(error))
    found = rows(stats, params["target_utilization"])
    at = params["at"]
    when = at if at and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", at) else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(float(at) if at else None))
    contents = {"right-sizing.md": markdown(found, params["days"], params["target_utilization"], when).encode(),
                "right-sizing.csv": csv_text(found).encode()}
    if params["chart"]:
        contents["right-sizing.png"] = chart(found, params["target_utilization"])
    if not module.check_mode:
        os.makedirs(params["dest"], exist_ok=True)
    changed = False
    for name, content in contents.items():
        changed |= write(module, os.path.join(params["dest"], name), content)
    module.exit_json(changed=changed, rows=[row._asdict() for row in found],
                     files=[os.path.join(params["dest"], name) for name in contents])


if __name__ == "__main__":
    main()
