# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""A component's `remediation:` entry (which alert triggers which fix, within which guardrails)
and the ansible-rulebook rulebook compiled from every component's entry.

The rulebook only matches an Alertmanager alert to its component's entry and hands both to the
remediation playbook; the guardrails (how long the alert has fired, attempts per window, the
cool-down, a rollout in progress, escalation) are decided there by the remediation_guard module,
on the state it keeps, so that a rulebook restart forgets nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..units import format_duration, parse_duration
from .alert_kinds import ALERT_KINDS, alert_name

ACTIONS = ("restart", "rollback", "playbook")
# Actions on the component's systemd service: they need its name.
SERVICE_ACTIONS = ("restart", "rollback")
REMEDIATION_PLAYBOOK = "llmagentos.ops.remediate"
RULESET_NAME = "llmagentos remediation"
DEFAULTS = {"attempts": 3, "window": "1h", "cooldown": "5m", "after": "1m"}
MAX_ATTEMPTS = 20
_KEYS = ("service", "attempts", "window", "cooldown", "actions")
_ACTION_KEYS = ("action", "after", "playbook")
# A systemd unit name (without .service), as agent_service_name makes one.
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}\Z")
# A playbook file of the remediation role's playbook directory, or a collection's playbook.
_PLAYBOOK = re.compile(r"^(?:[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*|[A-Za-z0-9_][A-Za-z0-9_.-]*\.ya?ml)\Z")


@dataclass(frozen=True)
class Action:
    alert: str  # a key of the component's alerts
    action: str  # one of ACTIONS
    after_seconds: float
    playbook: str | None = None


@dataclass(frozen=True)
class Remediation:
    service: str | None
    attempts: int
    window_seconds: float
    cooldown_seconds: float
    actions: tuple


def parse_remediation(data, path, alert_keys, problems):
    """`remediation:` of a component whose alerts are `alert_keys`; None when it has problems."""
    if problems.mapping(data, path) is None:
        return None
    before = len(problems.items)
    problems.unknown_keys(data, _KEYS, path)
    service = data.get("service")
    if service is not None and (not isinstance(service, str) or not _SERVICE.match(service)):
        problems.add(f"{path}.service", f"{service!r} is not a systemd service name (agent_service_name), such as support-bot")
        service = None
    attempts = data.get("attempts", DEFAULTS["attempts"])
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_ATTEMPTS:
        problems.add(f"{path}.attempts", f"must be a whole number of attempts per window from 1 to {MAX_ATTEMPTS}, got {attempts!r}")
    window = _duration(data, "window", path, problems)
    cooldown = _duration(data, "cooldown", path, problems, allow_zero=True)
    if window is not None and cooldown is not None and cooldown >= window:
        problems.add(f"{path}.cooldown", f"{data.get('cooldown', DEFAULTS['cooldown'])!r} must be shorter than the window "
                                         f"({format_duration(window)}): no second attempt could fit in it")
    actions = _actions(data.get("actions"), f"{path}.actions", alert_keys, problems)
    for action in actions:
        if action.action in SERVICE_ACTIONS and service is None and "service" not in data:
            problems.add(f"{path}.service", f"is required by the {action.action} of {action.alert}: "
                                            "the systemd service that runs the component (agent_service_name)")
            break
    if len(problems.items) > before:
        return None
    return Remediation(service, attempts, window, cooldown, actions)


def _duration(data, key, path, problems, allow_zero=False):
    value = data.get(key, DEFAULTS[key])
    try:
        return parse_duration(value, allow_zero=allow_zero)
    except (TypeError, ValueError) as error:
        problems.add(f"{path}.{key}", str(error))
        return None


def _actions(data, path, alert_keys, problems):
    if not isinstance(data, dict) or not data:
        problems.add(path, "must be a non-empty mapping of alert keys to actions, such as {down: restart}")
        return ()
    actions = []
    for key, spec in data.items():
        where = f"{path}.{key}"
        if key not in ALERT_KINDS:
            problems.add(where, f"unknown alert; known alerts: {', '.join(ALERT_KINDS)}")
            continue
        if key not in alert_keys:
            problems.add(where, f"the component has no {key} alert: add it under alerts, or the action would never run")
            continue
        if isinstance(spec, str):
            spec = {"action": spec}
        if not isinstance(spec, dict):
            problems.add(where, f"must be an action ({', '.join(ACTIONS)}) or a mapping with action, after and playbook, got {spec!r}")
            continue
        problems.unknown_keys(spec, _ACTION_KEYS, where)
        action = spec.get("action")
        if action not in ACTIONS:
            problems.add(f"{where}.action", f"must be one of {', '.join(ACTIONS)}, got {action!r}")
            continue
        playbook = spec.get("playbook")
        if action == "playbook":
            if not isinstance(playbook, str) or not _PLAYBOOK.match(playbook):
                problems.add(f"{where}.playbook", "is required for action playbook: a file of remediation_playbooks_dir such as "
                                                  f"drain_gpu.yml, or a collection's playbook such as team.ops.drain, got {playbook!r}")
                continue
        elif playbook is not None:
            problems.add(f"{where}.playbook", f"applies to action playbook only, not {action}")
            continue
        after = _duration(spec, "after", where, problems, allow_zero=True) if "after" in spec else parse_duration(DEFAULTS["after"])
        if after is not None:
            actions.append(Action(key, action, after, playbook))
    return tuple(actions)


def _condition(alertname, agent, component):
    return (f'event.alert.labels.alertname == "{alertname}" and event.alert.labels.agent == "{agent}" '
            f'and event.alert.labels.component == "{component}"')


def entries(agents):
    """(agent, component, action, alertname) of every remediation action, in description order."""
    for agent in agents:
        for component in agent.components:
            if component.remediation is None:
                continue
            alerts = {alert.name: alert for alert in component.alerts}
            for action in component.remediation.actions:
                yield agent, component, action, alert_name(component, alerts[action.alert])


def component_hosts(component):
    """The hosts a component's targets name, as the `instance` label shows them (host of host:port)."""
    return tuple(dict.fromkeys(target.rsplit(":", 1)[0].strip("[]") for target in component.targets))


def rulebook(agents, source, job_template=None, organization="Default"):
    """An ansible-rulebook rulebook (a list of one ruleset): one rule per remediation action,
    matching its alert of its component, running the remediation playbook with the action's
    settings - or, for a rulebook activation of an EDA controller, the `job_template` that runs
    it. `source` is the event source: {plugin name: its arguments}."""
    rules = []
    for agent, component, action, alertname in entries(agents):
        remediation = component.remediation
        entry = {
            "agent": agent.name,
            "team": agent.team or "",
            "environment": agent.environment or "",
            "component": component.name,
            "alert": action.alert,
            "alertname": alertname,
            "action": action.action,
            "playbook": action.playbook or "",
            "service": remediation.service or "",
            "hosts": list(component_hosts(component)),
            "after_seconds": action.after_seconds,
            "attempts": remediation.attempts,
            "window_seconds": remediation.window_seconds,
            "cooldown_seconds": remediation.cooldown_seconds,
        }
        if job_template:
            action_run = {"run_job_template": {"name": job_template, "organization": organization,
                                               "job_args": {"extra_vars": {"remediation": entry}}}}
        else:
            action_run = {"run_playbook": {"name": REMEDIATION_PLAYBOOK, "extra_vars": {"remediation": entry}}}
        rules.append({"name": f"{agent.name}/{component.name} {alertname}: {action.action}",
                      "condition": _condition(alertname, agent.name, component.name), "action": action_run})
    return [{"name": RULESET_NAME, "hosts": "all", "sources": [dict(source)], "rules": rules}]


def remediable_alerts(agents):
    """(agent, component, alertname) of every alert a remediation acts on, for the routes."""
    return tuple(dict.fromkeys((agent.name, component.name, alertname) for agent, component, _action, alertname in entries(agents)))


def hosts(agents):
    """Every host a remediation may act on, for the remediation host's inventory."""
    return sorted({host for _agent, component, _action, _alertname in entries(agents) for host in component_hosts(component)})
