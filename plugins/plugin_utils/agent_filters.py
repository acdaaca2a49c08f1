# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""What the agent compiler's filters share: reading the description and reporting its problems
as an Ansible error instead of a traceback."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.dashboards import DashboardLinks
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.model import log_sources
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import (
    DEFAULT_MIN_REQUEST_RATE, DEFAULT_RUNBOOK_BASE_URL, DEFAULT_SIGNAL_MISSING_SECONDS, Options)
from ansible_collections.llmagentos.ops.plugins.module_utils.units import format_duration, parse_duration

# At most 92, so that the prompts' DATASET.prompts stays within Elasticsearch's 100.
_DATASET = re.compile(r"^[a-z0-9_.]{1,92}\Z")
_BASE_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?\Z")
_HOST_PORT = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):[0-9]{1,5}\Z")


def rule_options(filter_name, runbook_base_url=DEFAULT_RUNBOOK_BASE_URL, min_request_rate=DEFAULT_MIN_REQUEST_RATE,
                 signal_missing_for=format_duration(DEFAULT_SIGNAL_MISSING_SECONDS), grafana_url="", **unknown):
    """The rule generator's options from a filter's keyword arguments, each checked by name."""
    if unknown:
        raise AnsibleFilterError(f"{filter_name}: unknown option(s) {', '.join(sorted(unknown))}; "
                                 "the rule options are runbook_base_url, min_request_rate, signal_missing_for and grafana_url")
    if not isinstance(runbook_base_url, str) or not runbook_base_url:
        raise AnsibleFilterError(f"{filter_name}: runbook_base_url must be a URL prefix, got {runbook_base_url!r}")
    if grafana_url is None:
        grafana_url = ""
    if not isinstance(grafana_url, str) or grafana_url and not _BASE_URL.match(grafana_url):
        raise AnsibleFilterError(f"{filter_name}: grafana_url must be Grafana's address such as https://grafana.example:3000 "
                                 f"(or empty for no dashboard links), got {grafana_url!r}")
    try:
        rate = float(min_request_rate)
    except (TypeError, ValueError):
        rate = -1.0
    if isinstance(min_request_rate, bool) or not rate >= 0:
        raise AnsibleFilterError(f"{filter_name}: min_request_rate must be a number of requests per second, "
                                 f"got {min_request_rate!r}")
    try:
        missing_seconds = parse_duration(signal_missing_for)
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError(f"{filter_name}: signal_missing_for: {error}") from None
    return Options(runbook_base_url, rate, missing_seconds, DashboardLinks(grafana_url) if grafana_url else None)


def compile_agents(generate, agents, groups=None):
    """Validates `agents` and returns generate(parsed agents)."""
    try:
        return generate(parse_agents(agents, groups))
    except DescriptionError as error:
        raise AnsibleFilterError(f"invalid agent description:\n{error}") from None


def compile_log_sources(generate, agents, groups=None):
    """Validates `agents` and returns generate(the log sources of their components)."""
    return compile_agents(lambda parsed: generate(log_sources(parsed)), agents, groups)


def receivers(filter_name, team_receiver, critical_receiver):
    """The routes' receiver templates, checked: strings whose only placeholder is {team}."""
    for option, value, may_be_empty in (("team_receiver", team_receiver, False), ("critical_receiver", critical_receiver, True)):
        if not isinstance(value, str) or not (value or may_be_empty):
            raise AnsibleFilterError(f"{filter_name}: {option} must be a receiver name such as team-{{team}}, got {value!r}")
        try:
            value.format(team="t")
        except (KeyError, IndexError, ValueError, AttributeError):
            raise AnsibleFilterError(f"{filter_name}: {option} {value!r} may use {{team}} and no other placeholder "
                                     "(write a literal brace as {{ or }})") from None
    return team_receiver, critical_receiver


def remediation_routing(filter_name, remediation_receiver, remediation_notifies_team):
    """The remediation routes' receiver (empty: none) and whether the team hears of them too."""
    if remediation_receiver is None:
        remediation_receiver = ""
    if not isinstance(remediation_receiver, str):
        raise AnsibleFilterError(f"{filter_name}: remediation_receiver must be a receiver name or empty, got {remediation_receiver!r}")
    if not isinstance(remediation_notifies_team, bool):
        raise AnsibleFilterError(f"{filter_name}: remediation_notifies_team must be true or false, got {remediation_notifies_team!r}")
    return remediation_receiver, remediation_notifies_team


def blackbox(filter_name, address):
    """The blackbox exporter's host:port, or None."""
    if address is None or address == "":
        return None
    if not isinstance(address, str) or not _HOST_PORT.match(address):
        raise AnsibleFilterError(f"{filter_name}: blackbox_address must be host:port, such as probe-1:9115, got {address!r}")
    return address


_CLIENT_KEYS = frozenset({"scheme", "basic_auth", "authorization", "tls_config"})


def _client(filter_name, option, client):
    """Scrape-job HTTP settings: how Prometheus reaches an endpoint that serves HTTPS or asks for a password."""
    if not isinstance(client, dict) or not set(client) <= _CLIENT_KEYS:
        raise AnsibleFilterError(f"{filter_name}: {option} must be a mapping of {', '.join(sorted(_CLIENT_KEYS))}, got {client!r}")
    if client.get("scheme", "http") not in ("http", "https"):
        raise AnsibleFilterError(f"{filter_name}: {option}.scheme must be http or https, got {client['scheme']!r}")
    return dict(client)


def blackbox_client(filter_name, client):
    """How Prometheus reaches the blackbox exporter."""
    return {} if client is None else _client(filter_name, "blackbox_client", client)


def preset_clients(filter_name, clients):
    """How Prometheus reaches the components of a preset: preset name -> scrape-job HTTP settings."""
    if clients is None:
        return {}
    if not isinstance(clients, dict):
        raise AnsibleFilterError(f"{filter_name}: preset_clients must map preset names to scrape settings, got {clients!r}")
    unknown = sorted(set(clients) - set(PRESETS))
    if unknown:
        raise AnsibleFilterError(f"{filter_name}: preset_clients names unknown preset(s) {', '.join(map(str, unknown))}; "
                                 f"known: {', '.join(sorted(PRESETS))}")
    return {name: _client(filter_name, f"preset_clients.{name}", client) for name, client in clients.items()}


def dataset_option(filter_name, dataset):
    """A data stream dataset as the log filters take it: what Elasticsearch allows in the middle
    of logs-DATASET-NAMESPACE."""
    if not isinstance(dataset, str) or not _DATASET.match(dataset):
        raise AnsibleFilterError(f"{filter_name}: dataset must be a data stream dataset (lower-case letters, digits, "
                                 f"'_' and '.', at most 92: the prompts go to DATASET.prompts), got {dataset!r}")
    return dataset
