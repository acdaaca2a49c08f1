#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: remediation_guard
short_description: Decide and record automatic remediation attempts within their guardrails
version_added: 0.3.0
description:
  - The guardrails of the remediation playbook (C(llmagentos.ops.remediate)) that the rulebook compiled by
    C(llmagentos.ops.agent_remediation) runs for an Alertmanager alert. Runs on the remediation host, which keeps
    the state of every component's attempts in O(state_path) (under a lock, so concurrent runs take turns).
  - With O(phase=decide), says whether to act on the event now. It does not while the alert has fired for less than
    the entry's C(after_seconds), while O(rollout_locks) hold a rollout of the agent, within C(cooldown_seconds)
    of the last attempt, or once C(attempts) attempts fall in the last C(window_seconds) (then it escalates, once the
    last attempt has had its cool-down to clear the alert unless it failed). A resolved alert closes its escalation.
  - With O(phase=record), completes the attempt O(attempt_at) with its result; a failed attempt escalates.
  - Every decision and result is appended to O(audit_path) as one JSON line with ECS fields (C(event.action),
    C(event.outcome), C(event.reason), C(labels.agent), C(labels.component), C(llmagentos.remediation.*)).
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Decides as a real run would and writes neither the state nor the audit line.
    support: full
  diff_mode:
    description: Not supported.
    support: none
options:
  phase:
    description: C(decide) on an event, or C(record) the result of an attempt.
    type: str
    choices: [decide, record]
    default: decide
  remediation:
    description: The rule's entry, as the compiled rulebook passes it (C(agent), C(component), C(alertname), C(action),
      C(attempts), C(window_seconds), C(cooldown_seconds), C(after_seconds), C(hosts), ...).
    type: dict
    required: true
  event:
    description: The event that matched (C(ansible_eda.event)), with the Alertmanager alert under C(alert).
    type: dict
    required: true
  rollout_locks:
    description:
      - The rollout locks found on the component's hosts (C(agent), C(service), C(release), C(expires) in epoch seconds,
        C(host)), as C(llmagentos.ops.agent_rollout) writes them; one of the entry's agent or service that has not
        expired refuses the action.
    type: list
    elements: dict
    default: []
  attempt_at:
    description: With O(phase=record), the C(attempt_at) the decision returned.
    type: float
  succeeded:
    description: With O(phase=record), whether the action succeeded.
    type: bool
    default: false
  detail:
    description: With O(phase=record), what the action reported (kept in the state and the audit line, 500 characters).
    type: str
    default: ""
  state_path:
    description: The guard's state file.
    type: path
    default: /var/lib/llmagentos-remediation/state.json
  audit_path:
    description: The audit log, one JSON line per decision and result.
    type: path
    default: /var/log/llmagentos-remediation/audit.log
  runbook_url:
    description: The runbook link of the escalation alert.
    type: str
    default: https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#agentremediationescalated
"""

EXAMPLES = r"""
- name: Decide whether to act on the alert
  llmagentos.ops.remediation_guard:
    remediation: "{{ remediation }}"
    event: "{{ ansible_eda.event }}"
    rollout_locks: "{{ locks_found }}"
  register: decision

- name: Record the result
  llmagentos.ops.remediation_guard:
    phase: record
    remediation: "{{ remediation }}"
    event: "{{ ansible_eda.event }}"
    attempt_at: "{{ decision.attempt_at }}"
    succeeded: "{{ action_result is succeeded }}"
"""

RETURN = r"""
verdict:
  description: C(act), C(wait) (not fired long enough), C(rollout), C(cooldown), C(exhausted), C(resolved); C(recorded) for O(phase=record).
  returned: always
  type: str
act:
  description: Whether to run the action now.
  returned: always
  type: bool
reason:
  description: Why, in a sentence.
  returned: always
  type: str
attempt:
  description: The number of this attempt in the window (with C(act) and C(exhausted)).
  returned: when known
  type: int
attempt_at:
  description: The attempt's start, epoch seconds, for O(phase=record).
  returned: with verdict C(act)
  type: float
targets:
  description: The hosts to act on, the alert's C(instance) host when it is one of the component's hosts, else all of them.
  returned: always
  type: list
  elements: str
escalate:
  description: Whether to raise (or keep raising) the escalation alert.
  returned: always
  type: bool
resolve_escalation:
  description: Whether an escalation of this alert is to be resolved (its alert resolved).
  returned: always
  type: bool
escalation:
  description: The escalation alert for Alertmanager's C(/api/v2/alerts), when O(phase=decide) escalates or a recorded attempt failed,
    or with C(endsAt) now when it is to be resolved.
  returned: always
  type: dict
audit:
  description: The audit line written.
  returned: always
  type: dict
"""

import fcntl
import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmagentos.ops.plugins.module_utils import remediation_guard as guard


def _targets(entry, alert):
    hosts = [host for host in entry.get("hosts", []) if isinstance(host, str)]
    instance = alert.get("labels", {}).get("instance", "") if isinstance(alert, dict) else ""
    host = instance.rsplit(":", 1)[0].strip("[]") if ":" in instance else instance
    return [host] if host in hosts else hosts


def _write(path, text, mode):
    """Replaces `path` whole: a crash leaves the old state, never half of the new one."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _append_audit(path, line):
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")


def run(module):
    params = module.params
    entry, event = params["remediation"], params["event"]
    alert = event.get("alert") if isinstance(event, dict) else None
    now = time.time()
    for path in (params["state_path"], params["audit_path"]):
        if not os.path.isdir(os.path.dirname(path) or "."):
            module.fail_json(msg=f"the directory of {path} does not exist: the remediation role creates it")
    lock_path = params["state_path"] + ".lock"
    with open(lock_path, "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(params["state_path"], encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            text = ""
        state, warning = guard.load_state(text)
        if warning:
            module.warn(warning)
        longest = max(float(entry.get("window_seconds") or 0), 86400.0) if isinstance(entry, dict) else 86400.0
        guard.prune(state, now, longest)
        entry = dict(entry, runbook_url=params["runbook_url"]) if isinstance(entry, dict) else entry
        result = {"act": False, "escalate": False, "resolve_escalation": False, "escalation": {}, "changed": False}
        try:
            if params["phase"] == "decide":
                rollout = guard.active_rollout(params["rollout_locks"], entry, now)
                verdict, details = guard.decide(state, entry, alert, now, rollout)
                result.update(verdict=verdict, act=verdict == guard.ACT, reason=details["reason"],
                              targets=_targets(entry, alert))
                if "attempt" in details:
                    result["attempt"] = details["attempt"]
                if verdict == guard.ACT:
                    result["attempt_at"] = now
                details["escalate"] = verdict == guard.EXHAUSTED
                result["escalate"] = details["escalate"]
                result["resolve_escalation"] = verdict == guard.RESOLVED and details["escalated"]
                if result["escalate"]:
                    result["escalation"] = guard.escalation(entry, alert, details["reason"])
                elif result["resolve_escalation"]:
                    result["escalation"] = guard.escalation(entry, alert, details["reason"], ends_at=now)
                audit = guard.audit_event(entry, alert, verdict, details, now)
            else:
                if params["attempt_at"] is None:
                    module.fail_json(msg="attempt_at is required with phase=record: pass the attempt_at the decision returned")
                guard.check_alert(alert)
                escalate = guard.record(state, entry, params["attempt_at"], params["succeeded"], params["detail"])
                outcome = "success" if params["succeeded"] else "failure"
                reason = params["detail"] or ("the action completed" if params["succeeded"] else "the action failed")
                details = {"reason": reason, "escalate": escalate}
                result.update(verdict="recorded", reason=reason, escalate=escalate, targets=_targets(entry, alert))
                if escalate:
                    result["escalation"] = guard.escalation(entry, alert, f"{entry['action']} failed: {reason}")
                audit = guard.audit_event(entry, alert, guard.ACT, details, now, outcome=outcome)
        except guard.GuardError as error:
            module.fail_json(msg=str(error))
        result["audit"] = audit
        if not module.check_mode:
            _write(params["state_path"], guard.dump_state(state), 0o600)
            _append_audit(params["audit_path"], audit)
            result["changed"] = result["act"] or params["phase"] == "record"
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec={
            "phase": {"type": "str", "choices": ["decide", "record"], "default": "decide"},
            "remediation": {"type": "dict", "required": True},
            "event": {"type": "dict", "required": True},
            "rollout_locks": {"type": "list", "elements": "dict", "default": []},
            "attempt_at": {"type": "float"},
            "succeeded": {"type": "bool", "default": False},
            "detail": {"type": "str", "default": ""},
            "state_path": {"type": "path", "default": "/var/lib/llmagentos-remediation/state.json"},
            "audit_path": {"type": "path", "default": "/var/log/llmagentos-remediation/audit.log"},
            "runbook_url": {"type": "str", "default": "https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#agentremediationescalated"},
        },
        supports_check_mode=True,
    )
    run(module)


if __name__ == "__main__":
    main()
