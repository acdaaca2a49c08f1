# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Options shared by the agent compiler's filters."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  _input:
    description:
      - The agents, as in C(llmagentos_agents); the format is documented in
        docs/agent-description.md of the collection.
      - A malformed description fails with one line per problem, each naming its field path, for
        example C(llmagentos_agents[0].components[2].slos[0].objective).
    type: list
    elements: dict
    required: true
  groups:
    description: The inventory groups (pass C(groups)), needed when a component names a C(hosts_group).
    type: dict
"""

    RULES = r"""
options:
  runbook_base_url:
    description: Prefix of every alert's C(runbook_url); the lower-cased alert name is appended.
    type: str
    default: https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#
  min_request_rate:
    description: Requests per second below which ratio, quantile and throughput alerts stay quiet.
    type: float
    default: 0.0166666666667
  signal_missing_for:
    description:
      - How long a scraped component may lack a signal that its alerts or SLOs read before
        C(AgentSignalMissing) fires (a Prometheus duration).
    type: str
    default: 15m
  grafana_url:
    description:
      - Grafana's address (C(https://grafana.example:3000)). When set, every alert carries a C(dashboard_url)
        annotation that opens its agent's dashboard (filter C(llmagentos.ops.agent_grafana_dashboards)) at the panel
        of the signal it watches. Empty for no links.
    type: str
    default: ""
"""

    SCRAPE = r"""
options:
  blackbox_address:
    description: C(host:port) of the blackbox_exporter that probes components without a metrics endpoint.
    type: str
  blackbox_client:
    description:
      - How Prometheus reaches the blackbox exporter, merged into each probe job (C(scheme), C(basic_auth),
        C(authorization), C(tls_config)), for an exporter that serves HTTPS and asks for a password.
    type: dict
  preset_clients:
    description:
      - How Prometheus reaches the components of a preset, by preset name, merged into their scrape jobs (C(scheme),
        C(basic_auth), C(authorization), C(tls_config)) - for the GPU exporters the collection's roles run with HTTPS and
        a password (C(dcgm), C(nvidia_smi)).
    type: dict
"""

    ROUTES = r"""
options:
  team_receiver:
    description: Receiver of a team's alerts; C({team}) is replaced by the team.
    type: str
    default: team-{team}
  critical_receiver:
    description: Receiver of a team's critical alerts; C({team}) is replaced. Empty for no separate route.
    type: str
    default: team-{team}-critical
  remediation_receiver:
    description:
      - Receiver of the alerts a component's C(remediation) acts on (the webhook of the remediation host's rulebook);
        their routes come first, group by C(instance) too and repeat every minute while the alert fires. Empty for no
        such routes.
    type: str
    default: ""
  remediation_notifies_team:
    description: Whether the alerts a remediation acts on also reach the team (else the team hears of them when the
      remediation escalates).
    type: bool
    default: false
"""
