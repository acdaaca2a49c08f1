# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Reads `llmagentos_agents` into model objects, reporting every problem with its field path."""

from __future__ import annotations

import re

from ..logs.spec import parse_logs
from ..units import parse_duration, parse_objective
from .alert_kinds import ALERT_KINDS, MAX_XID, SEVERITIES
from .conventions import KINDS, RESERVED_LABELS, SIGNALS, SLIS, VARIABLE
from .errors import Problems
from .model import Agent, Alert, Component, Kubernetes, Slo
from .presets import CUSTOM, PRESETS, signal
from .promql import parse_selector
from .remediation import parse_remediation

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\Z")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")
_TARGET = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})\Z", re.ASCII)
DEFAULT_FOR = 300.0
# Longest `for` of an alert: beyond a week a condition is a state, and its generated test would
# need a series of that many minutes.
MAX_FOR_SECONDS = 7 * 86400
# SLO periods: a day at least (the burn windows reach three days), a year at most.
SLO_PERIOD_RANGE = (86400, 366 * 86400)


def _string(data, key, path, problems, required=False, pattern=None, hint=""):
    value = data.get(key)
    if value is None:
        if required:
            problems.add(f"{path}.{key}", "is required")
        return None
    if not isinstance(value, str) or not value:
        problems.add(f"{path}.{key}", f"must be a non-empty string, got {value!r}")
        return None
    if pattern and not pattern.match(value):
        problems.add(f"{path}.{key}", f"{value!r} is not valid{hint}")
        return None
    return value


def _parse(parser, value, path, problems):
    try:
        return parser(value)
    except (TypeError, ValueError) as error:
        problems.add(path, str(error))
        return None


def parse_agents(raw, groups=None):
    """Validates the description and returns a tuple of Agent. `groups` maps inventory group
    names to host names, for components that name a hosts_group. Raises DescriptionError
    listing every problem."""
    problems = Problems()
    agents = []
    if not isinstance(raw, list):
        problems.add(VARIABLE, f"must be a list of agents, got {type(raw).__name__}")
        problems.raise_if_any()
    seen = set()
    # Names as they end up in ids that ignore case or punctuation (Elasticsearch pipelines,
    # Kubernetes resources): two that differ only there would silently replace each other.
    ids = {}
    for index, data in enumerate(raw):
        path = f"{VARIABLE}[{index}]"
        if problems.mapping(data, path) is None:
            continue
        problems.unknown_keys(data, ("name", "team", "environment", "components"), path)
        name = _string(data, "name", path, problems, required=True, pattern=_NAME,
                       hint=": use letters, digits, '.', '_' and '-', at most 63 characters")
        if name in seen:
            problems.add(f"{path}.name", f"agent {name!r} is described twice")
        elif name:
            _claim(ids, ("agent", _normalized(name)), f"{path}.name", f"agent {name!r}", problems)
        seen.add(name)
        team = _string(data, "team", path, problems, pattern=_NAME, hint=": use letters, digits, '.', '_' and '-'")
        environment = _string(data, "environment", path, problems, pattern=_NAME,
                              hint=": use letters, digits, '.', '_' and '-'")
        components = data.get("components")
        if not isinstance(components, list) or not components:
            problems.add(f"{path}.components", "must be a non-empty list of components")
            continue
        parsed = []
        component_names = set()
        for position, component in enumerate(components):
            result = _parse_component(name, component, f"{path}.components[{position}]", groups, problems)
            if result is None:
                continue
            where = f"{path}.components[{position}].name"
            if result.name in component_names:
                problems.add(where, f"component {result.name!r} appears twice in agent {name!r}")
            elif name:
                _claim(ids, ("component", _normalized(f"{name}-{result.name}")), where, f"component {name}/{result.name}", problems)
            component_names.add(result.name)
            parsed.append(result)
        if name:
            agents.append(Agent(name, team, environment, tuple(parsed)))
    problems.raise_if_any()
    return tuple(agents)


def _normalized(name):
    """A name as ids that ignore case and punctuation see it: 'Support_Bot' -> 'support-bot'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower())


def _claim(ids, key, path, what, problems):
    if key in ids:
        other_path, other = ids[key]
        problems.add(path, f"{what} and {other} ({other_path}) give the same id {key[1]!r} once lower-cased with "
                           "'_' and '.' read as '-' (Elasticsearch pipelines, Kubernetes resources); rename one")
    else:
        ids[key] = (path, what)


_COMPONENT_KEYS = ("name", "kind", "preset", "targets", "hosts_group", "port", "metrics_path", "scheme",
                   "labels", "metrics", "alerts", "slos", "kubernetes", "logs", "remediation")
_KUBERNETES_KEYS = ("namespace", "selector", "port", "monitor")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
_K8S_LABEL_VALUE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)\Z")
_K8S_LABEL_KEY = re.compile(r"^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
# An IANA service name, as Kubernetes names container and Service ports.
_K8S_PORT_NAME = re.compile(r"^(?=.{1,15}\Z)(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def _parse_component(agent, data, path, groups, problems):
    if problems.mapping(data, path) is None:
        return None
    before = len(problems.items)
    problems.unknown_keys(data, _COMPONENT_KEYS, path)
    name = _string(data, "name", path, problems, required=True, pattern=_NAME,
                   hint=": use letters, digits, '.', '_' and '-', at most 63 characters")
    kind = _string(data, "kind", path, problems, required=True)
    if kind and kind not in KINDS:
        problems.add(f"{path}.kind", f"{kind!r} is not a kind; choose one of {', '.join(KINDS)}")
    preset_name = _string(data, "preset", path, problems)
    preset = CUSTOM
    if preset_name is not None:
        preset = PRESETS.get(preset_name)
        if preset is None:
            problems.add(f"{path}.preset", f"unknown preset {preset_name!r}; known presets: {', '.join(sorted(PRESETS))}")
            return None
        if kind and kind not in preset.kinds:
            problems.add(f"{path}.kind", f"preset {preset_name!r} is for kind {' or '.join(preset.kinds)}, not {kind!r}")
    elif kind and kind != "custom":
        problems.add(f"{path}.preset", f"is required for kind {kind!r}; only kind 'custom' may omit it")

    port = data.get("port", preset.port)
    if "port" in data and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        problems.add(f"{path}.port", f"must be a port number from 1 to 65535, got {data['port']!r}")
        port = None
    kubernetes = _parse_kubernetes(data["kubernetes"], f"{path}.kubernetes", problems) if "kubernetes" in data else None
    if kubernetes is not None and preset.probe_path:
        problems.add(f"{path}.kubernetes",
                     f"preset {preset.name!r} has no metrics endpoint for a ServiceMonitor; "
                     "give targets so it is probed through blackbox_exporter")
    targets = _parse_targets(data, path, port, groups, problems, optional=kubernetes is not None)
    metrics_path = data.get("metrics_path", preset.metrics_path)
    if "metrics_path" in data and (not isinstance(metrics_path, str) or not metrics_path.startswith("/")):
        problems.add(f"{path}.metrics_path", f"must be a path starting with '/', got {metrics_path!r}")
    scheme = data.get("scheme", "http")
    if scheme not in ("http", "https"):
        problems.add(f"{path}.scheme", f"must be http or https, got {scheme!r}")
    labels = _parse_labels(data.get("labels", {}), f"{path}.labels", problems)
    signals = dict(preset.signals)
    signals.update(_parse_metrics(data.get("metrics", {}), f"{path}.metrics", problems))
    alerts = _parse_alerts(data.get("alerts", {}), f"{path}.alerts", preset, signals, problems, kind)
    slos = _parse_slos(data.get("slos", []), f"{path}.slos", preset, signals, problems)
    logs = parse_logs(data["logs"], f"{path}.logs", problems) if "logs" in data else None
    remediation = None
    if "remediation" in data:
        remediation = parse_remediation(data["remediation"], f"{path}.remediation", {alert.name for alert in alerts}, problems)
        if remediation is not None and not targets:
            problems.add(f"{path}.remediation", "needs targets or hosts_group: the remediation acts on the hosts that run "
                                                "the component (in Kubernetes, let the cluster restart it)")
    if len(problems.items) > before:
        return None
    return Component(agent, name, kind, preset.name, targets, metrics_path, scheme, preset.probe_path,
                     tuple(sorted(labels.items())), tuple(sorted(signals.items())), alerts, slos, kubernetes, logs, remediation)


def _parse_kubernetes(data, path, problems):
    if problems.mapping(data, path) is None:
        return None
    problems.unknown_keys(data, _KUBERNETES_KEYS, path)
    namespace = _string(data, "namespace", path, problems, required=True, pattern=_DNS_LABEL,
                        hint=": a Kubernetes namespace is lower-case letters, digits and '-'")
    selector = data.get("selector")
    if not isinstance(selector, dict) or not selector:
        problems.add(f"{path}.selector", "must be a non-empty mapping of label names to values (matchLabels)")
        selector = {}
    for key, value in selector.items():
        if not isinstance(key, str) or not _K8S_LABEL_KEY.match(key):
            problems.add(f"{path}.selector", f"{key!r} is not a Kubernetes label key ([prefix/]name, name at most 63 "
                                             "letters, digits, '-', '_' or '.')")
        elif not isinstance(value, str) or not _K8S_LABEL_VALUE.match(value):
            problems.add(f"{path}.selector.{key}", f"{value!r} is not a Kubernetes label value (at most 63 letters, digits, "
                                                   "'-', '_' or '.', starting and ending with a letter or digit)")
    port = _string(data, "port", path, problems, required=True, pattern=_K8S_PORT_NAME,
                   hint=": a port name is at most 15 lower-case letters, digits and '-', with a letter")
    monitor = data.get("monitor", "service")
    if monitor not in ("service", "pod"):
        problems.add(f"{path}.monitor", f"must be service (ServiceMonitor) or pod (PodMonitor), got {monitor!r}")
    if namespace is None or port is None:
        return None
    return Kubernetes(namespace, tuple(sorted(selector.items())), port, monitor)


def _parse_targets(data, path, port, groups, problems, optional=False):
    has_targets, has_group = "targets" in data, "hosts_group" in data
    if has_targets and has_group or not (has_targets or has_group or optional):
        problems.add(path, "give exactly one of targets (a host:port list) and hosts_group (an inventory group)"
                     + ("" if optional else ", or kubernetes for a component that runs in a cluster"))
        return ()
    if not (has_targets or has_group):
        return ()
    if has_targets:
        targets = data["targets"]
        if not isinstance(targets, list) or not targets:
            problems.add(f"{path}.targets", "must be a non-empty list of host:port strings")
            return ()
        for position, target in enumerate(targets):
            match = _TARGET.match(target) if isinstance(target, str) else None
            if not match or not 0 < int(match.group(1)) < 65536:
                problems.add(f"{path}.targets[{position}]", f"{target!r} is not host:port, such as 10.0.0.5:8000")
        return tuple(targets)
    group = data["hosts_group"]
    if not isinstance(group, str) or not group:
        problems.add(f"{path}.hosts_group", f"must be the name of an inventory group, got {group!r}")
        return ()
    if groups is None or group not in groups:
        problems.add(f"{path}.hosts_group", f"inventory group {group!r} does not exist (pass groups=groups to the filter)")
        return ()
    if not groups[group]:
        problems.add(f"{path}.hosts_group", f"inventory group {group!r} has no hosts")
        return ()
    if port is None:
        problems.add(f"{path}.port", "is required with hosts_group: the preset gives no default port")
        return ()
    return tuple(f"{host}:{port}" for host in groups[group])


def _parse_labels(labels, path, problems):
    if problems.mapping(labels, path) is None:
        return {}
    parsed = {}
    for key, value in labels.items():
        if not isinstance(key, str) or not _LABEL_NAME.match(key) or key.startswith("__"):
            problems.add(f"{path}.{key}", "is not a valid Prometheus label name")
        elif key in RESERVED_LABELS:
            problems.add(f"{path}.{key}", f"is set by the compiler; choose another name (reserved: {', '.join(RESERVED_LABELS)})")
        elif isinstance(value, (dict, list)) or value is None:
            problems.add(f"{path}.{key}", f"must be a string or number, got {value!r}")
        else:
            parsed[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return parsed


def _parse_metrics(metrics, path, problems):
    """`metrics.<signal>`: a selector of one metric, or a list of them in order of preference
    (the current name first, then the names older versions expose)."""
    if problems.mapping(metrics, path) is None:
        return {}
    parsed = {}
    for key, value in metrics.items():
        if key not in SIGNALS:
            problems.add(f"{path}.{key}", f"unknown signal; known signals: {', '.join(SIGNALS)}")
            continue
        selectors = value if isinstance(value, list) and value else [value]
        problem = next((_selector_problem(selector) for selector in selectors if _selector_problem(selector)), None)
        if problem:
            problems.add(f"{path}.{key}", problem)
        else:
            parsed[key] = signal(*(selector.strip() for selector in selectors))
    return parsed


def _selector_problem(selector):
    if isinstance(selector, str) and "__name__" in selector:
        return (f"{selector!r} matches metric names by a pattern; list the names instead, current name first: "
                "each is then read on its own, so two names with the same labels never collide")
    try:
        parse_selector(selector)
    except ValueError as error:
        return (f"{error}; give a metric name or selector such as search_requests_total{{code=~\"5..\"}}, "
                "or a list of them (current name first)")
    return None


def _signal_problem(preset, missing):
    if preset.name == "custom":
        return f"needs the {' and '.join(missing)} signal(s): map them under metrics"
    if all(name in preset.user_signals for name in missing):
        return f"needs the {' and '.join(missing)} signal(s): map them under metrics (preset {preset.name!r} leaves them to you)"
    return f"needs {' and '.join(missing)}, which preset {preset.name!r} does not offer"


def _parse_alerts(alerts, path, preset, signals, problems, component_kind):
    if problems.mapping(alerts, path) is None:
        return ()
    parsed = []
    for key, spec in alerts.items():
        alert_path = f"{path}.{key}"
        if key not in ALERT_KINDS:
            problems.add(alert_path, f"unknown alert; known alerts: {', '.join(ALERT_KINDS)}")
            continue
        kind = ALERT_KINDS[key]
        if not kind.applies_to(component_kind):
            problems.add(alert_path, f"is an alert of {' and '.join(kind.component_kinds)} components, not of kind {component_kind!r}")
            continue
        direction = kind.direction
        missing = [name for name in kind.signals if name not in signals]
        if kind.any_of and not any(name in signals for name in kind.any_of):
            missing.append(" or ".join(kind.any_of))
        if missing:
            problems.add(alert_path, _signal_problem(preset, missing))
            continue
        if problems.mapping(spec, alert_path) is None:
            continue
        problems.unknown_keys(spec, kind.options(), alert_path)
        threshold = None
        if direction:
            if direction not in spec:
                problems.add(f"{alert_path}.{direction}", "is required")
            else:
                threshold = _parse(kind.threshold.parse, spec[direction], f"{alert_path}.{direction}", problems)
                problem = kind.threshold_problem(threshold) if threshold is not None else None
                if problem:
                    problems.add(f"{alert_path}.{direction}", f"{spec[direction]!r} {problem}")
                    threshold = None
        for_seconds = _parse(parse_duration, spec.get("for", kind.default_for), f"{alert_path}.for", problems)
        if for_seconds is not None and for_seconds > MAX_FOR_SECONDS:
            problems.add(f"{alert_path}.for", f"{spec['for']!r} is longer than the 7d an alert may wait")
        codes = _codes(spec.get("codes", list(kind.codes)), f"{alert_path}.codes", problems) if kind.codes else ()
        severity = spec.get("severity", kind.default_severity)
        if severity not in SEVERITIES:
            problems.add(f"{alert_path}.severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}")
        quantile = spec.get("quantile", 0.95)
        if not _is_quantile(quantile):
            problems.add(f"{alert_path}.quantile",
                         f"must be a number from 0.001 to 0.999 with at most four decimals, such as 0.95, got {quantile!r}")
        parsed.append(Alert(key, threshold, direction, for_seconds or DEFAULT_FOR, severity,
                            float(quantile) if _is_quantile(quantile) else 0.95, codes))
    return tuple(parsed)


def _codes(value, path, problems):
    """Xid codes: a non-empty list of distinct whole numbers from 1 to MAX_XID."""
    if (not isinstance(value, list) or not value or len(set(map(repr, value))) != len(value)
            or not all(not isinstance(code, bool) and isinstance(code, int) and 1 <= code <= MAX_XID for code in value)):
        problems.add(path, f"must be a list of distinct Xid codes (whole numbers from 1 to {MAX_XID}), got {value!r}")
        return ()
    return tuple(sorted(value))


def _is_quantile(value):
    """0.95, 0.999: a quantile whose percentile names a recording (p95, p99_9)."""
    return (not isinstance(value, bool) and isinstance(value, (int, float)) and 0.001 <= value <= 0.999
            and round(value, 4) == value)


def _parse_slos(slos, path, preset, signals, problems):
    if not isinstance(slos, list):
        problems.add(path, f"must be a list, got {type(slos).__name__}")
        return ()
    parsed = []
    for index, spec in enumerate(slos):
        slo_path = f"{path}[{index}]"
        if problems.mapping(spec, slo_path) is None:
            continue
        problems.unknown_keys(spec, ("sli", "objective", "threshold", "period"), slo_path)
        sli = spec.get("sli")
        if not isinstance(sli, str) or sli not in SLIS:
            problems.add(f"{slo_path}.sli", f"must be one of {', '.join(SLIS)}, got {sli!r}")
            continue
        missing = [name for name in SLIS[sli] if name not in signals]
        if missing:
            problems.add(f"{slo_path}.sli", _signal_problem(preset, missing))
            continue
        if "objective" not in spec:
            problems.add(f"{slo_path}.objective", "is required")
            continue
        objective = _parse(parse_objective, spec["objective"], f"{slo_path}.objective", problems)
        threshold = None
        if sli == "latency":
            if "threshold" not in spec:
                problems.add(f"{slo_path}.threshold", "is required for a latency SLO, for example 2s")
            else:
                threshold = _parse(parse_duration, spec["threshold"], f"{slo_path}.threshold", problems)
        elif "threshold" in spec:
            problems.add(f"{slo_path}.threshold", "applies to latency SLOs only")
        period = _parse(parse_duration, spec.get("period", "30d"), f"{slo_path}.period", problems)
        if period is not None and not SLO_PERIOD_RANGE[0] <= period <= SLO_PERIOD_RANGE[1]:
            problems.add(f"{slo_path}.period", f"{spec['period']!r} is not an SLO period: give 1d to 366d, such as 28d or 30d")
            period = None
        if objective is not None and period is not None:
            if any(other.sli == sli and other.objective == objective for other in parsed):
                problems.add(slo_path, f"repeats the {sli} SLO of {spec['objective']!r}; give each objective once")
                continue
            parsed.append(Slo(sli, objective, threshold, period))
    return tuple(parsed)
