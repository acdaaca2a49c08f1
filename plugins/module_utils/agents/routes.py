# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Alertmanager routes for agents' alerts and the inhibit rule that keeps a down component
from also paging for its symptoms."""

from __future__ import annotations

from .alert_kinds import DOWN, ALERT_KINDS, alert_name
from .conventions import GROUP_BY

_DOWN_ALERT = ALERT_KINDS[DOWN].name
DEFAULT_TEAM_RECEIVER = "team-{team}"
DEFAULT_CRITICAL_RECEIVER = "team-{team}-critical"


def alertmanager_routes(agents, team_receiver=DEFAULT_TEAM_RECEIVER, critical_receiver=DEFAULT_CRITICAL_RECEIVER):
    """Routes (for alertmanager_route.routes), inhibit rules (for alertmanager_inhibit_rules) and
    route tests (labels -> expected receivers, for `amtool config routes test`).

    Alerts of a team's agents go to team_receiver, critical ones to critical_receiver (when it is
    not empty); alerts of agents without a team stay on the parent route's receiver."""
    teams = sorted({agent.team for agent in agents if agent.team})
    routes, tests = [], []
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
