# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The guardrails of automatic remediation, decided on the state the remediation host keeps.

For each alert event of a remediable component, `decide` says whether to act now and, when not,
why: the alert has not fired long enough, a rollout of the agent is in progress, the last attempt
is too recent (cool-down), or the attempts of the window are spent (escalate, once the last
attempt, unless it failed, has had its cool-down). `record` keeps the result of an attempt; a
failed one escalates. Every decision is also an audit event (ECS fields) for the remediation
host's log.

The state is a JSON document: per component, its attempts (time, alert, action, result) and the
alerts escalated; attempts older than the longest window are dropped.
"""

from __future__ import annotations

import datetime
import json

from .units import format_duration

ESCALATION_ALERT = "AgentRemediationEscalated"
# Verdicts: act, and the refusals; `exhausted` and a failed result escalate.
ACT = "act"
WAIT = "wait"
ROLLOUT = "rollout"
COOLDOWN = "cooldown"
EXHAUSTED = "exhausted"
RESOLVED = "resolved"
# event.dataset of the audit lines, in the agents' data stream (the filebeat role ships them).
AUDIT_DATASET = "llmagentos.remediation"
_STATE_VERSION = 1


class GuardError(ValueError):
    """An event or entry the guard cannot read; the message names the field."""


def parse_time(value, field):
    """Alertmanager's RFC 3339 time (nanoseconds and Z allowed) as epoch seconds."""
    if not isinstance(value, str):
        raise GuardError(f"{field} must be an RFC 3339 time, got {value!r}")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python reads at most microseconds: Alertmanager writes nanoseconds.
    if "." in text:
        head, tail = text.split(".", 1)
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:min(digits, 6)]}{tail[digits:]}" if digits else head + tail
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise GuardError(f"{field} must be an RFC 3339 time, got {value!r}") from None
    if moment.tzinfo is None:
        raise GuardError(f"{field} must carry a time zone, got {value!r}")
    return moment.timestamp()


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load_state(text):
    """The state from its file's text; an empty or unreadable file starts afresh (reported)."""
    if not text.strip():
        return {"version": _STATE_VERSION, "components": {}}, None
    try:
        state = json.loads(text)
    except ValueError as error:
        return {"version": _STATE_VERSION, "components": {}}, f"the state file was not JSON ({error}); started afresh"
    if not isinstance(state, dict) or not isinstance(state.get("components"), dict):
        return {"version": _STATE_VERSION, "components": {}}, "the state file was not the guard's; started afresh"
    return state, None


def dump_state(state):
    return json.dumps(state, sort_keys=True, indent=1) + "\n"


_ENTRY_FIELDS = {"agent": str, "component": str, "alertname": str, "action": str, "attempts": int,
                 "window_seconds": (int, float), "cooldown_seconds": (int, float), "after_seconds": (int, float)}


def check_entry(entry):
    if not isinstance(entry, dict):
        raise GuardError(f"remediation must be the entry the rulebook passes, got {type(entry).__name__}")
    for field, types in _ENTRY_FIELDS.items():
        if not isinstance(entry.get(field), types) or isinstance(entry.get(field), bool):
            raise GuardError(f"remediation.{field} is missing or not a {getattr(types, '__name__', 'number')}: "
                             "run the rulebook compiled by llmagentos.ops.agent_remediation")


def check_alert(alert):
    """The alert of an event: its status, labels and startsAt, as Alertmanager's webhook sends them."""
    if not isinstance(alert, dict):
        raise GuardError(f"event.alert must be an Alertmanager alert, got {type(alert).__name__}")
    if alert.get("status") not in ("firing", "resolved"):
        raise GuardError(f"event.alert.status must be firing or resolved, got {alert.get('status')!r}")
    if not isinstance(alert.get("labels"), dict):
        raise GuardError("event.alert.labels must be a mapping")
    return parse_time(alert.get("startsAt"), "event.alert.startsAt")


def _key(entry):
    return f"{entry['agent']}/{entry['component']}"


def _component(state, entry):
    return state["components"].setdefault(_key(entry), {"attempts": [], "escalated": {}})


def prune(state, now, longest_window):
    """Drops attempts no window can count any more."""
    for component in state["components"].values():
        component["attempts"] = [attempt for attempt in component["attempts"] if now - attempt["at"] < longest_window]


def active_rollout(locks, entry, now):
    """What shows a rollout of the entry's agent (or of its service) in progress, from the locks
    agent_rollout holds on the component's hosts ({agent, service, release, expires, host}), or
    None. Expired locks (a rollout that died) and unreadable ones hold nothing."""
    held = []
    for lock in locks or ():
        if not isinstance(lock, dict) or not isinstance(lock.get("expires"), (int, float)) or lock["expires"] <= now:
            continue
        if lock.get("agent") == entry["agent"] or entry.get("service") and lock.get("service") == entry["service"]:
            held.append(f"{lock.get('service')} {lock.get('release')} on {lock.get('host', '?')} until {iso(lock['expires'])}")
    return ", ".join(sorted(set(held))) or None


def decide(state, entry, alert, now, rollout=None):
    """(verdict, details) for one event; `rollout` describes a rollout in progress (or None).
    An `act` verdict records the attempt as running; record() completes it."""
    check_entry(entry)
    started = check_alert(alert)
    component = _component(state, entry)
    alertname = entry["alertname"]
    if alert["status"] == "resolved":
        escalated = component["escalated"].pop(alertname, None)
        return RESOLVED, {"escalated": escalated is not None, "reason": f"{alertname} resolved"}
    # First: whatever else holds, nothing is done to an agent being rolled out.
    if rollout:
        return ROLLOUT, {"reason": f"a rollout of {entry['agent']} is in progress ({rollout}); no action during a rollout"}
    fired = now - started
    if fired < entry["after_seconds"]:
        return WAIT, {"reason": f"{alertname} has fired for {_seconds(fired)} of the {_seconds(entry['after_seconds'])} "
                                "it must fire before an action"}
    in_window = [attempt for attempt in component["attempts"] if now - attempt["at"] < entry["window_seconds"]]
    last = max(component["attempts"], key=lambda attempt: attempt["at"], default=None)
    cooling = last is not None and now - last["at"] < entry["cooldown_seconds"]
    # An attempt that did not fail gets its cool-down to take effect before the remediation gives
    # up: an error ratio over 5m still fires minutes after the rollback that fixed it.
    if len(in_window) >= entry["attempts"] and not (cooling and last["result"] != "failed"):
        tried = ", ".join(f"{attempt['action']} at {iso(attempt['at'])} ({attempt['result']})" for attempt in in_window)
        component["escalated"].setdefault(alertname, now)
        return EXHAUSTED, {"reason": f"the {entry['attempts']} attempt(s) of the last {_seconds(entry['window_seconds'])} "
                                     f"are spent: {tried}", "tried": tried, "attempt": len(in_window)}
    if cooling:
        return COOLDOWN, {"reason": f"the last attempt was {_seconds(now - last['at'])} ago, within the cool-down of "
                                    f"{_seconds(entry['cooldown_seconds'])}"}
    attempt = len(in_window) + 1
    component["attempts"].append({"at": now, "alert": alertname, "action": entry["action"], "result": "running"})
    return ACT, {"reason": f"{alertname} has fired for {_seconds(fired)}", "attempt": attempt}


def record(state, entry, at, succeeded, detail=""):
    """Completes the attempt started at `at`; returns True when it escalates (it failed)."""
    check_entry(entry)
    component = _component(state, entry)
    for attempt in component["attempts"]:
        # The time went through the playbook's templating: equal to the millisecond.
        if abs(attempt["at"] - float(at)) < 0.001 and attempt["result"] == "running":
            attempt["result"] = "succeeded" if succeeded else "failed"
            if detail:
                attempt["detail"] = detail[:500]
            break
    else:
        raise GuardError(f"no running attempt of {_key(entry)} started at {at!r} to record")
    if not succeeded:
        component["escalated"].setdefault(entry["alertname"], at)
    return not succeeded


def escalation(entry, alert, reason, ends_at=None):
    """The alert a person receives when the remediation gives up, for Alertmanager's API."""
    labels = {"alertname": ESCALATION_ALERT, "severity": "critical", "agent": entry["agent"],
              "component": entry["component"], "remediated_alert": entry["alertname"]}
    for name in ("team", "env"):
        value = alert.get("labels", {}).get(name)
        if value:
            labels[name] = value
    where = f"{entry['agent']}/{entry['component']}"
    body = {
        "labels": labels,
        "annotations": {
            "summary": f"{where}: automatic {entry['action']} did not clear {entry['alertname']}",
            "description": f"{entry['alertname']} of {where} is still firing and the remediation stopped: {reason}. "
                           "A person must look now.",
            "runbook_url": entry.get("runbook_url", ""),
        },
    }
    if ends_at is not None:
        body["endsAt"] = iso(ends_at)
    return body


def audit_event(entry, alert, verdict, details, now, outcome=None):
    """One audit line (ECS fields) of a decision or a result."""
    level = "info"
    if verdict == EXHAUSTED or outcome == "failure":
        level = "error"
    elif verdict in (ROLLOUT, COOLDOWN):
        level = "warning"
    labels = alert.get("labels", {}) if isinstance(alert, dict) else {}
    what = entry.get("action") if verdict == ACT else verdict
    event = {
        "@timestamp": iso(now),
        "log": {"level": level},
        "message": f"{entry.get('agent')}/{entry.get('component')} {entry.get('alertname')}: {what}"
                   + (f" ({outcome})" if outcome else "") + f": {details.get('reason', '')}",
        "event": {"dataset": AUDIT_DATASET, "kind": "event", "category": ["process"], "type": ["change" if verdict == ACT else "info"],
                  "action": what,
                  "outcome": outcome or ("unknown" if verdict == ACT else "success"),
                  "reason": details.get("reason", "")},
        "service": {"name": entry.get("agent")},
        "labels": {"agent": entry.get("agent"), "component": entry.get("component")},
        "llmagentos": {"remediation": {
            "alert": entry.get("alertname"), "decision": verdict, "action": entry.get("action"),
            "attempt": details.get("attempt"), "attempts": entry.get("attempts"),
            "instance": labels.get("instance"), "escalated": bool(details.get("escalate")),
        }},
    }
    if entry.get("environment"):
        event["service"]["environment"] = entry["environment"]
    return event


def _seconds(value):
    """A time span as people read it, whole seconds (0s included)."""
    return format_duration(round(value)) if round(value) > 0 else "0s"
