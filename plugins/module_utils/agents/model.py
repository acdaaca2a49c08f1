# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The agents as the generators see them, once description.parse_agents has validated them."""

from __future__ import annotations

from dataclasses import dataclass

from ..logs.model import LogSource


@dataclass(frozen=True)
class Alert:
    name: str  # a key of alert_kinds.ALERT_KINDS
    threshold: float | None
    direction: str | None
    for_seconds: float
    severity: str
    quantile: float
    # Xid alerts: the codes they page for.
    codes: tuple = ()


@dataclass(frozen=True)
class Slo:
    sli: str
    objective: float
    threshold: float | None
    period_seconds: float


@dataclass(frozen=True)
class Kubernetes:
    """Where a component runs in Kubernetes, for ServiceMonitor/PodMonitor output."""

    namespace: str
    selector: tuple
    port: str
    monitor: str


@dataclass(frozen=True)
class Component:
    agent: str
    name: str
    kind: str
    preset: str
    targets: tuple
    metrics_path: str | None
    scheme: str
    probe_path: str | None
    labels: tuple
    signals: tuple
    alerts: tuple
    slos: tuple
    kubernetes: Kubernetes | None = None
    logs: object = None  # logs.model.Logs
    remediation: object = None  # remediation.Remediation

    def signal(self, name):
        return dict(self.signals).get(name)


@dataclass(frozen=True)
class Agent:
    name: str
    team: str | None
    environment: str | None
    components: tuple


def log_sources(agents):
    """The components that describe their logs, in the terms of the log outputs."""
    return tuple(LogSource(agent.name, component.name, agent.environment, component.targets, component.logs)
                 for agent in agents for component in agent.components if component.logs is not None)
