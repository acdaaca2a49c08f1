#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: prometheus_gate
short_description: Hold a rollout until Prometheus shows the service healthy, or stop it
version_added: 0.1.0
description:
  - Evaluates PromQL I(checks) against Prometheus every I(interval). First the checks get up to
    I(settle) to hold (a restarted service is scraped as down for a moment); then, for
    I(duration), every series each query returns must stay within the check's C(min) and C(max)
    at every evaluation. A value out of bounds then, or checks that never held within I(settle),
    fail the task with the check's name, the series and the value, so a playbook stops the
    rollout there.
  - Only reads from Prometheus, so it runs the same in check mode and never reports a change.
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Queries Prometheus as in a normal run; nothing is changed either way.
    support: full
  diff_mode:
    description: Not supported.
    support: none
options:
  checks:
    description:
      - What must hold. Each has C(name) (used in messages), C(query) (an instant PromQL query),
        C(min) and/or C(max) that every returned value must respect, and C(if_empty) - C(fail)
        (the default, since no series is no evidence of health) or C(pass).
    type: list
    elements: dict
    required: true
  settle:
    description: How long the checks may take to hold for the first time, such as C(1m); C(0s) gives no grace.
    type: str
    default: 1m
  duration:
    description: How long the checks must keep holding once they do, such as C(2m); C(0s) evaluates once.
    type: str
    default: 1m
  interval:
    description: Time between evaluations, such as C(10s).
    type: str
    default: 10s
extends_documentation_fragment:
  - llmagentos.ops.connection
  - llmagentos.ops.connection.basic_auth
  - llmagentos.ops.connection.prometheus
"""

EXAMPLES = r"""
- name: Let the rollout go on only if the new release serves without errors
  llmagentos.ops.prometheus_gate:
    url: http://prometheus-1.example.internal:9090
    duration: 2m
    checks:
      - name: up
        query: up{job="support-bot-llm", instance="{{ inventory_hostname }}:8000"}
        min: 1
      - name: error rate
        query: >-
          sum(rate(vllm:request_success_total{instance="{{ inventory_hostname }}:8000", finished_reason="abort"}[1m]))
          / sum(rate(vllm:request_success_total{instance="{{ inventory_hostname }}:8000"}[1m]))
        max: 0.05
        if_empty: pass
  delegate_to: localhost
"""

RETURN = r"""
evaluations:
  description: How many times the checks were evaluated after they first held.
  returned: always
  type: int
results:
  description: For each check, its name and the series of the last evaluation (labels and value).
  returned: always
  type: list
  elements: dict
"""

import math
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import (
    BASIC_AUTH_ARGUMENT_SPEC, BASIC_AUTH_OPTIONS, ApiError, basic_auth_client)
from ansible_collections.llmagentos.ops.plugins.module_utils.units import duration_seconds


class GateFailed(Exception):
    pass


def validate_checks(checks):
    """Problems of the checks option, each naming checks[i]."""
    problems = []
    for index, check in enumerate(checks):
        where = f"checks[{index}]"
        if not isinstance(check.get("name"), str) or not check["name"]:
            problems.append(f"{where} needs a name")
        if not isinstance(check.get("query"), str) or not check["query"].strip():
            problems.append(f"{where} needs a query (PromQL)")
        bounds = [key for key in ("min", "max") if check.get(key) is not None]
        if not bounds:
            problems.append(f"{where} needs min and/or max")
        for key in bounds:
            if isinstance(check[key], bool) or not isinstance(check[key], (int, float)):
                problems.append(f"{where}.{key} must be a number, got {check[key]!r}")
        if check.get("if_empty", "fail") not in ("fail", "pass"):
            problems.append(f"{where}.if_empty must be fail or pass, got {check['if_empty']!r}")
        unknown = set(check) - {"name", "query", "min", "max", "if_empty"}
        if unknown:
            problems.append(f"{where} has unknown keys {sorted(unknown)}")
    return problems


def evaluate(client, check):
    """The check's series as [{labels, value}]; raises GateFailed when one is out of bounds."""
    answer = client.request("GET", "api/v1/query", query={"query": check["query"]})
    data = answer["data"]
    if data["resultType"] == "scalar":
        series = [{"labels": {}, "value": float(data["result"][1])}]
    elif data["resultType"] == "vector":
        series = [{"labels": item["metric"], "value": float(item["value"][1])} for item in data["result"]]
    else:
        raise GateFailed(f"gate '{check['name']}': {check['query']} returns a {data['resultType']}, not an instant vector or scalar")
    if not series and check.get("if_empty", "fail") == "fail":
        raise GateFailed(f"gate '{check['name']}' failed: {check['query']} returned no series (no evidence the release is healthy)")
    for item in series:
        value = item["value"]
        low, high = check.get("min"), check.get("max")
        if math.isnan(value) or (low is not None and value < low) or (high is not None and value > high):
            bound = " and ".join(part for part in (f"min {low}" if low is not None else "", f"max {high}" if high is not None else "")
                                 if part)
            labels = ", ".join(f'{name}="{label}"' for name, label in sorted(item["labels"].items()))
            raise GateFailed(f"gate '{check['name']}' failed: {check['query']} is {value:g} for {{{labels}}}, outside {bound}")
    return series


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "default": "http://127.0.0.1:9090"},
            "checks": {"type": "list", "elements": "dict", "required": True},
            "settle": {"type": "str", "default": "1m"},
            "duration": {"type": "str", "default": "1m"},
            "interval": {"type": "str", "default": "10s"},
            **BASIC_AUTH_ARGUMENT_SPEC,
        },
        **BASIC_AUTH_OPTIONS,
        supports_check_mode=True,
    )
    checks = module.params["checks"]
    problems = validate_checks(checks) if checks else ["checks must list at least one check"]
    settle, duration = duration_seconds(module.params["settle"]), duration_seconds(module.params["duration"])
    interval = duration_seconds(module.params["interval"])
    for name, value in (("settle", settle), ("duration", duration)):
        if value is None:
            problems.append(f"{name} must be like 90s, 2m or 1h, got {module.params[name]!r}")
    if interval is None or interval < 1:
        problems.append(f"interval must be like 10s or 1m and at least 1s, got {module.params['interval']!r}")
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = basic_auth_client(module, "Prometheus")
    evaluations, results = 0, []
    try:
        settle_deadline = time.monotonic() + settle
        while True:
            try:
                results = [{"name": check["name"], "series": evaluate(client, check)} for check in checks]
                break
            except GateFailed as error:
                if time.monotonic() + interval > settle_deadline:
                    raise GateFailed(f"{error} (and the checks never held within settle {module.params['settle']})") from error
                time.sleep(interval)
        evaluations = 1
        deadline = time.monotonic() + duration
        while time.monotonic() + interval <= deadline:
            time.sleep(interval)
            results = [{"name": check["name"], "series": evaluate(client, check)} for check in checks]
            evaluations += 1
    except (ApiError, GateFailed) as error:
        module.fail_json(msg=str(error), evaluations=evaluations, results=results)
    module.exit_json(changed=False, evaluations=evaluations, results=results)


if __name__ == "__main__":
    main()
