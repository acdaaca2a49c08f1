# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Alertmanager routes for agents' alerts and the inhibit rule that keeps a down component
from also paging for its symptoms."""

from __future__ import annotations

from .alert_kinds import DOWN, ALERT_KINDS, alert_name
from .conventions import GROUP_BY
from .remediation import remediable_alerts

_DOWN_ALERT = ALERT_KINDS[DOWN].name
DEFAULT_TEAM_RECEIVER = "team-{team}"
DEFAULT_CRITICAL_RECEIVER = "team-{team}-critical"
# Remediable alerts reach the rulebook at once and again every minute while they fire: each
# notification is a new decision (the alert has fired long enough, the cool-down is over).
REMEDIATION_TIMING = {"group_wait": "5s", "group_interval": "30s", "repeat_interval": "1m"}


def alertmanager_routes(agents, team_receiver=DEFAULT_TEAM_RECEIVER, critical_receiver=DEFAULT_CRITICAL_RECEIVER,
                        remediation_receiver="", remediation_notifies_team=False):
    """Routes (for alertmanager_route.routes), inhibit rules (for alertmanager_inhibit_rules) and
    route tests (labels -> expected receivers, for `amtool config routes test`).

    Alerts of a team's agents go to team_receiver, critical ones to critical_receiver (when it is
    not empty); alerts of agents without a team stay on the parent route's receiver. With a
    remediation_receiver, the alerts a remediation acts on go to it first, and to the team too
    only with remediation_notifies_team (else the team hears of them through the escalation)."""
    teams = sorted({agent.team for agent in agents if agent.team})
    routes, tests = _remediation_routes(agents, remediation_receiver, remediation_notifies_team,
                                        team_receiver, critical_receiver) if remediation_receiver else ([], [])
    for team in teams:
        agent_names = sorted(agent.name for agent in agents if agent.team == team)
        for severity in ("warning", "critical"):
            receiver = critical_receiver if severity == "critical" and critical_receiver else team_receiver
            tests.append({
                "labels": {"alertname": _DOWN_ALERT, "agent": agent_names[0], "team": team, "severity": severity},
                "receivers": [receiver.format(team=team)],
            })
        route = {
            "receiver": team_receiver.format(team=team),
            "matchers": [f'team="{team}"', f'agent=~"{"|".join(agent_names)}"'],
            "group_by": list(GROUP_BY),
        }
        if critical_receiver:
            route["routes"] = [{"receiver": critical_receiver.format(team=team), "matchers": ['severity="critical"']}]
        routes.append(route)
    symptoms = sorted({alert_name(component, alert) for agent in agents for component in agent.components
                       for alert in component.alerts if alert.name != DOWN})
    inhibit_rules = []
    if symptoms:
        inhibit_rules.append({
            "source_matchers": [f'alertname="{_DOWN_ALERT}"'],
            "target_matchers": [f'alertname=~"{"|".join(symptoms)}"'],
            "equal": ["agent", "component"],
        })
    return {"routes": routes, "inhibit_rules": inhibit_rules, "tests": tests}


def _remediation_routes(agents, receiver, notifies_team, team_receiver, critical_receiver):
    routes, tests = [], []
    teams = {agent.name: agent.team for agent in agents}
    for agent, component, alertname in remediable_alerts(agents):
        routes.append({
            "receiver": receiver,
            "matchers": [f'alertname="{alertname}"', f'agent="{agent}"', f'component="{component}"'],
            "group_by": [*GROUP_BY, "instance"],
            **REMEDIATION_TIMING,
            "continue": notifies_team,
        })
        team = teams[agent]
        expected = [receiver]
        if notifies_team and team:
            expected.append((critical_receiver or team_receiver).format(team=team))
        labels = {"alertname": alertname, "agent": agent, "component": component, "severity": "critical"}
        if team:
            labels["team"] = team
        tests.append({"labels": labels, "receivers": expected})
    return routes, tests
