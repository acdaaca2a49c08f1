# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Grafana dashboards of the agents: one per agent and a fleet dashboard, as JSON models.

Panels read the compiler's recordings (conventions.record_name), so a dashboard shows what the
alerts compare; a panel exists only for a signal the component's preset offers, and draws the
thresholds of the alerts that compare its series. Panel ids are derived from what a panel shows,
not from its position, so a link to a panel (an alert's `dashboard_url`) survives adding
components. Plain dicts, not a builder library: the filter needs nothing beyond Ansible on the
controller; the tests check the models against the types of grafana-foundation-sdk.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

from .alert_kinds import DOWN, STALLED, alert_kind
from .conventions import (
    ERROR_RATIO, GPU_MEMORY_UTILIZATION, HISTOGRAM_SIGNALS, HOST_CPU_UTILIZATION, HOST_MEMORY_UTILIZATION, LOG_DATASET, PREFIX,
    quantile_name, record_name)
from .promql import matchers, number
from .rules import HISTOGRAM_QUANTILES, alert_quantiles, alert_series, has_recording
from .slo import slo_labels, record as slo_record
from ..logs.redaction import REDACTED_FIELD
from ..units import format_duration

# Grafana 11.6's dashboard schema (grafana-foundation-sdk 11.6 types); later releases migrate it on load.
SCHEMA_VERSION = 41
DEFAULT_PROMETHEUS_UID = f"{PREFIX}-prometheus"
DEFAULT_LOGS_UID = f"{PREFIX}-logs"
FLEET_UID = f"{PREFIX}-fleet"
TAG = PREFIX
# The longest SLO window the compiler records: attainment and budget are shown over it.
SLO_VIEW_SECONDS = 3 * 86400
BURN_VIEW_SECONDS = 3600
_UID_MAX = 40
_UID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# The spellings of an error line's log.level across the engines' formats (kept as written).
ERROR_LEVELS = ("ERROR", "error", "Error", "ERR", "err", "CRITICAL", "critical", "FATAL", "fatal", "E")
_WIDTH, _HEIGHT = 8, 8


@dataclass(frozen=True)
class Options:
    prometheus_uid: str = DEFAULT_PROMETHEUS_UID
    # The Elasticsearch datasource of the agents' logs; empty: no logs panel.
    logs_uid: str = DEFAULT_LOGS_UID
    log_dataset: str = LOG_DATASET


@dataclass(frozen=True)
class PanelSpec:
    """A signal's panel: its title (per component kind), unit and range."""

    title: str
    unit: str
    max: float | None = None
    titles: tuple = ()

    def title_for(self, kind):
        return dict(self.titles).get(kind, self.title)


_PERCENT = {"unit": "percentunit", "max": 1.0}
# The component panels, in the order they appear; the GPU and host ones form the resources row.
SIGNAL_PANELS = {
    "requests": PanelSpec("Requests/s", "reqps", titles=(("engine", "Tasks/s"),)),
    ERROR_RATIO: PanelSpec("Error ratio", **_PERCENT, titles=(("engine", "Task failure ratio"),)),
    "latency": PanelSpec("Latency", "s", titles=(("engine", "Task duration"),)),
    "time_to_first_token": PanelSpec("Time to first token", "s"),
    "time_per_output_token": PanelSpec("Time per output token", "s"),
    "queue_time": PanelSpec("Queue time", "s"),
    "token_throughput": PanelSpec("Generated tokens/s", "short"),
    "queue_depth": PanelSpec("Requests waiting", "short"),
    "requests_running": PanelSpec("Requests running", "short"),
    "preemptions": PanelSpec("Preemptions/s", "short"),
    "kv_cache_usage": PanelSpec("KV-cache usage", **_PERCENT),
}
RESOURCE_PANELS = {
    "gpu_utilization": PanelSpec("GPU utilisation", **_PERCENT),
    GPU_MEMORY_UTILIZATION: PanelSpec("GPU memory used", **_PERCENT),
    HOST_CPU_UTILIZATION: PanelSpec("Host CPU", **_PERCENT),
    HOST_MEMORY_UTILIZATION: PanelSpec("Host memory", **_PERCENT),
}
_KIND_TITLES = {"llm": "LLM serving", "tool": "Tool", "engine": "Execution engine", "gpu": "GPU",
                "vector_store": "Vector store", "custom": "Component"}
# What Grafana's editor would set; written out so the models do not depend on a version's defaults.
_OPTIONS = {
    "timeseries": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                   "tooltip": {"mode": "multi", "sort": "desc"}},
    "stat": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value",
             "graphMode": "none", "textMode": "auto", "justifyMode": "auto", "orientation": "auto"},
    "table": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": [], "countRows": False}},
}
_FIRING = "firing_alerts"
_TARGETS = "targets_up"


def dashboard_uid(agent_name):
    """A stable uid Grafana accepts (40 characters of [A-Za-z0-9_-]) for the agent's dashboard."""
    uid = f"{PREFIX}-{agent_name}"
    if len(uid) <= _UID_MAX and not _UID_UNSAFE.search(uid):
        return uid
    digest = hashlib.sha256(agent_name.encode()).hexdigest()[:8]
    return f"{_UID_UNSAFE.sub('-', uid)[:_UID_MAX - 9]}-{digest}"


def _panel_id(key, taken):
    """A panel id derived from what the panel shows (1 .. 2^31-1), another one if that is taken."""
    text = "/".join(key)
    while True:
        panel_id = zlib.crc32(text.encode()) % 0x7FFFFFFE + 1
        if panel_id not in taken:
            return panel_id
        text += "+"


def _records(component):
    """The panels the component's recordings give it (their keys), in panel order."""
    return [key for key in list(SIGNAL_PANELS) + list(RESOURCE_PANELS) if has_recording(component, key)]


def _quantiles(component, signal):
    return sorted(set(HISTOGRAM_QUANTILES) | alert_quantiles(component, signal))


def _target(expr, legend, ref, instant=False, table=False):
    target = {"refId": ref, "expr": expr, "legendFormat": legend, "range": not instant, "instant": instant}
    if table:
        target["format"] = "table"
    return target


def _thresholds(steps):
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for color, value in steps]}


def _alert_steps(component, series):
    """Threshold steps from the component's alerts that compare one of `series`: orange from a
    warning's threshold, red from a critical one's; under a `below` alert's threshold is its colour."""
    base, steps = "green", []
    for alert in component.alerts:
        kind = alert_kind(alert)
        if kind.forecast or kind.gpu or alert.threshold is None or alert_series(alert) not in series:
            continue
        color = "red" if alert.severity == "critical" else "orange"
        if alert.direction == "below":
            base = color
            steps.append(("green", alert.threshold))
        else:
            steps.append((color, alert.threshold))
    return [(base, None)] + sorted(set(steps), key=lambda step: step[1])


class _Layout:
    """Places panels left to right, rows of three, each row panel on a line of its own."""

    def __init__(self):
        self.panels = []
        self.x = self.y = 0

    def row(self, panel):
        self._newline()
        panel["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": self.y}
        self.panels.append(panel)
        self.y += 1

    def add(self, panel, width=_WIDTH):
        if self.x + width > 24:
            self._newline()
        panel["gridPos"] = {"h": _HEIGHT, "w": width, "x": self.x, "y": self.y}
        self.panels.append(panel)
        self.x += width

    def _newline(self):
        if self.x:
            self.x = 0
            self.y += _HEIGHT


class _Dashboard:
    def __init__(self, options):
        self.options = options
        self.prometheus = {"type": "prometheus", "uid": options.prometheus_uid}
        self.layout = _Layout()
        self.ids = {}

    def _id(self, key):
        self.ids[key] = _panel_id(key, set(self.ids.values()))
        return self.ids[key]

    def row(self, title, key):
        self.layout.row({"type": "row", "id": self._id(key), "title": title, "collapsed": False, "panels": []})

    def panel(self, key, kind, title, targets, unit="short", max_value=None, steps=(("green", None),), description="",
              datasource=None, options=None, width=_WIDTH, transformations=None, overrides=()):
        panel_id = self._id(key)
        defaults = {"unit": unit, "thresholds": _thresholds(steps), "color": {"mode": "thresholds" if kind == "stat" else "palette-classic"}}
        if max_value is not None:
            defaults["min"], defaults["max"] = 0, max_value
        if kind == "timeseries":
            defaults["custom"] = {"thresholdsStyle": {"mode": "line" if len(steps) > 1 else "off"}}
        panel = {"type": kind, "id": panel_id, "title": title, "description": description,
                 "datasource": datasource or self.prometheus,
                 "targets": [dict(target, datasource=datasource or self.prometheus) for target in targets],
                 "fieldConfig": {"defaults": defaults, "overrides": list(overrides)}, "options": options or _OPTIONS.get(kind, {})}
        if transformations:
            panel["transformations"] = transformations
        self.layout.add(panel, width)
        return panel_id


def _variable(name, label, query, multi=False, all_value=None, hide=0):
    variable = {"type": "query", "name": name, "label": label, "query": {"query": query, "refId": name},
                "refresh": 2, "sort": 1, "multi": multi, "includeAll": all_value is not None,
                "hide": hide, "current": {}, "options": []}
    if all_value is not None:
        variable["allValue"] = all_value
        variable["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return variable


def _model(uid, title, tags, dashboard, variables, description):
    for variable in variables:
        if variable["type"] == "query":
            variable["datasource"] = dashboard.prometheus
    return {
        "uid": uid, "title": title, "description": description, "tags": tags, "editable": False,
        "schemaVersion": SCHEMA_VERSION, "timezone": "browser", "refresh": "1m", "graphTooltip": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "title": "LLM agents", "tags": [TAG], "asDropdown": True, "includeVars": False,
                   "keepTime": True}],
        "panels": dashboard.layout.panels,
    }


_AGENT = '{agent="$agent"}'


def _overview(agent, board):
    board.row(f"{agent.name}: overview", ("row", "overview"))
    board.panel((_FIRING,), "stat", "Alerts firing",
                [_target('count(ALERTS{agent="$agent", alertstate="firing"}) or vector(0)', "firing", "A", instant=True)],
                steps=(("green", None), ("red", 1)), description="Alerts of this agent that fire now, every severity.")
    for component in agent.components:
        for slo in component.slos:
            selector = matchers({"agent": "$agent", "component": component.name, **slo_labels(slo)})
            ratio = f"{slo_record('error_ratio', SLO_VIEW_SECONDS)}{{{selector}}}"
            budget = 1 - slo.objective
            window = format_duration(SLO_VIEW_SECONDS)
            what = f"{component.name} {slo.sli} SLO {number(slo.objective * 100)}%"
            board.panel(("slo", component.name, slo.sli, number(slo.objective)), "stat", f"{what}: attained ({window})",
                        [_target(f"1 - {ratio}", "attained", "A", instant=True)], unit="percentunit",
                        steps=(("red", None), ("green", slo.objective)),
                        description=f"The share of good events over the last {window}; the objective is "
                                    f"{number(slo.objective * 100)}% over {format_duration(slo.period_seconds)}.")
            board.panel(("budget", component.name, slo.sli, number(slo.objective)), "stat", f"{what}: error budget left ({window})",
                        [_target(f"1 - {ratio} / {number(budget)}", "budget left", "A", instant=True)], unit="percentunit",
                        steps=(("red", None), ("orange", 0.25), ("green", 0.5)),
                        description=f"What the last {window} left of the error budget ({number(budget * 100)}% bad events); "
                                    "below 0 the objective is missed at this pace.")
    if any(component.signal("requests") for component in agent.components):
        board.panel(("overview", "requests"), "timeseries", "Requests/s by component",
                    [_target(f"sum by (component) ({record_name('requests')}{_AGENT})", "{{component}}", "A")],
                    unit="reqps")
    if any(ERROR_RATIO in _records(component) for component in agent.components):
        board.panel(("overview", ERROR_RATIO), "timeseries", "Error ratio by component",
                    [_target(f"{record_name(ERROR_RATIO)}{_AGENT}", "{{component}}", "A")], unit=SIGNAL_PANELS[ERROR_RATIO].unit,
                    max_value=SIGNAL_PANELS[ERROR_RATIO].max)
    board.panel((_TARGETS,), "timeseries", "Targets up",
                [_target('up{agent="$agent", env=~"$env", instance=~"$instance"}', "{{component}} {{instance}}", "A")],
                max_value=1.0, steps=(("red", None), ("green", 1)),
                description="1 while Prometheus scrapes the target (for a probed component: the probe's exporter).")


def _component_rows(agent, board):
    for component in agent.components:
        keys = [key for key in _records(component) if key in SIGNAL_PANELS]
        if not keys:
            continue
        board.row(f"{_KIND_TITLES[component.kind]}: {component.name}", ("row", component.name))
        selector = "{" + matchers({"agent": "$agent", "component": component.name}) + "}"
        for key in keys:
            spec = SIGNAL_PANELS[key]
            if key in HISTOGRAM_SIGNALS:
                quantiles = _quantiles(component, key)
                series = [record_name(key, quantile) for quantile in quantiles]
                legends = [quantile_name(quantile) for quantile in quantiles]
            else:
                series, legends = [record_name(key)], [spec.title_for(component.kind)]
            targets = [_target(f"{name}{selector}", legend, chr(ord("A") + index))
                       for index, (name, legend) in enumerate(zip(series, legends))]
            steps = _alert_steps(component, series)
            board.panel((component.name, key), "timeseries", spec.title_for(component.kind), targets, unit=spec.unit,
                        max_value=spec.max, steps=steps)


def _resources(agent, board):
    shown = [key for key in RESOURCE_PANELS if any(key in _records(component) for component in agent.components)]
    if not shown:
        return
    board.row(f"{agent.name}: GPU and host resources", ("row", "resources"))
    for key in shown:
        spec = RESOURCE_PANELS[key]
        board.panel(("resources", key), "timeseries", spec.title, [_target(f"{record_name(key)}{_AGENT}", "{{component}}", "A")],
                    unit=spec.unit, max_value=spec.max)


def _logs(agent, board):
    options = board.options
    logged = [component for component in agent.components if component.logs is not None]
    if not logged or not options.logs_uid:
        return
    board.row(f"{agent.name}: logs", ("row", "logs"))
    datasource = {"type": "elasticsearch", "uid": options.logs_uid}
    levels = " OR ".join(ERROR_LEVELS)
    query = f'labels.agent:"{agent.name}" AND log.level:({levels})'
    board.panel(("logs", "errors"), "logs", "Error lines",
                [{"refId": "A", "query": query, "queryType": "lucene", "timeField": "@timestamp",
                  "metrics": [{"type": "logs", "id": "1"}], "bucketAggs": []}],
                datasource=datasource, width=24,
                options={"showTime": True, "wrapLogMessage": True, "sortOrder": "Descending", "enableLogDetails": True},
                description=f"Lines of level error or worse in the data stream logs-{options.log_dataset}-*.")
    board.panel(("logs", "redacted"), "timeseries", "Redacted events by kind",
                [{"refId": "A", "query": f'labels.agent:"{agent.name}" AND _exists_:{REDACTED_FIELD}', "queryType": "lucene",
                  "timeField": "@timestamp", "metrics": [{"type": "count", "id": "1"}],
                  "bucketAggs": [{"type": "terms", "id": "2", "field": REDACTED_FIELD,
                                  "settings": {"size": "10", "order": "desc", "orderBy": "_count", "min_doc_count": "1"}},
                                 {"type": "date_histogram", "id": "3", "field": "@timestamp", "settings": {"interval": "auto"}}]}],
                datasource=datasource, width=24,
                description=("Events the pipelines redacted something from, by kind (e-mail, card, api_key...), in "
                             f"logs-{options.log_dataset}-*: what users and tools put into the logs. Events that carried a "
                             "prompt are in their own data stream, which this datasource does not read."))


def agent_dashboard(agent, options=Options()):
    board = _Dashboard(options)
    _overview(agent, board)
    _component_rows(agent, board)
    _resources(agent, board)
    _logs(agent, board)
    constant = {"type": "constant", "name": "agent", "label": "agent", "query": agent.name, "hide": 2,
                "current": {"text": agent.name, "value": agent.name}, "options": []}
    variables = [constant,
                 _variable("env", "environment", 'label_values(up{agent="$agent"}, env)', all_value=".*"),
                 _variable("instance", "instance", 'label_values(up{agent="$agent", env=~"$env"}, instance)', multi=True,
                           all_value=".+")]
    tags = [TAG, f"agent:{agent.name}"] + ([f"team:{agent.team}"] if agent.team else []) + (
        [f"env:{agent.environment}"] if agent.environment else [])
    model = _model(dashboard_uid(agent.name), f"LLM agent: {agent.name}", tags, board, variables,
                   f"Generated by llmagentos.ops from the description of {agent.name}; edits are overwritten.")
    return model, board.ids


def _or(terms):
    return " or ".join(terms)


def fleet_dashboard(agents, options=Options()):
    board = _Dashboard(options)
    board.row("Every agent", ("row", "fleet"))
    slos = [(agent, component, slo) for agent in agents for component in agent.components for slo in component.slos]
    if slos:
        def per_slo(window, template):
            terms = []
            for agent, component, slo in slos:
                selector = matchers({"component": component.name, **slo_labels(slo)})
                series = f'{slo_record("error_ratio", window)}{{agent=~"$agent", agent="{agent.name}", {selector}}}'
                terms.append(template.format(series=series, budget=number(1 - slo.objective)))
            return _or(terms)

        window, burn = format_duration(SLO_VIEW_SECONDS), f"burn rate ({format_duration(BURN_VIEW_SECONDS)})"
        board.panel(("fleet", "slos"), "table", f"SLOs ({window})", [
            _target(per_slo(SLO_VIEW_SECONDS, "1 - {series}"), "", "A", instant=True, table=True),
            _target(per_slo(SLO_VIEW_SECONDS, "1 - {series} / {budget}"), "", "B", instant=True, table=True),
            _target(per_slo(BURN_VIEW_SECONDS, "{series} / {budget}"), "", "C", instant=True, table=True),
        ], unit="percentunit", width=24, transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "__name__": True, "kind": True},
                "renameByName": {"Value #A": "attained", "Value #B": "error budget left", "Value #C": burn}}}],
            # A burn rate is a factor, not a share.
            overrides=[{"matcher": {"id": "byName", "options": burn}, "properties": [{"id": "unit", "value": "none"}]}],
            description=f"Every SLO over the last {window}: the share of good events, what is left of the error budget, "
                        f"and how fast the last {format_duration(BURN_VIEW_SECONDS)} spends it (1: exactly on budget).")
        board.panel(("fleet", "burn"), "timeseries", f"Error budget burn rate ({format_duration(BURN_VIEW_SECONDS)})",
                    [_target(per_slo(BURN_VIEW_SECONDS, "{series} / {budget}"), "{{agent}}/{{component}} {{sli}}", "A")],
                    steps=(("green", None), ("orange", 1)), width=12,
                    description="Above 1 an SLO spends its error budget faster than its period allows.")
    board.panel(("fleet", _FIRING), "table", "Alerts firing by agent",
                [_target('count by (agent) (ALERTS{alertstate="firing", agent=~"$agent"}) '
                         'or count by (agent) (up{agent=~"$agent"}) * 0', "", "A", instant=True, table=True)],
                steps=(("green", None), ("red", 1)), width=12,
                transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                                "renameByName": {"Value": "alerts firing"}}}])
    if any(component.signal("requests") for agent in agents for component in agent.components):
        board.panel(("fleet", "requests"), "timeseries", "Requests/s by agent",
                    [_target(f'sum by (agent) ({record_name("requests")}{{agent=~"$agent"}})', "{{agent}}", "A")], unit="reqps",
                    width=12)
    variables = [_variable("env", "environment", "label_values(up, env)", all_value=".*"),
                 _variable("agent", "agent", 'label_values(up{env=~"$env"}, agent)', multi=True, all_value=".+")]
    return _model(FLEET_UID, "LLM agents: fleet", [TAG, "fleet"], board, variables,
                  "Generated by llmagentos.ops: every agent's SLOs, burn rate and firing alerts.")


def agent_dashboards(agents, options=Options()):
    """The fleet dashboard, then one per agent."""
    return [fleet_dashboard(agents, options)] + [agent_dashboard(agent, options)[0] for agent in agents]


def _panel_key(component, alert):
    kind = alert_kind(alert)
    if alert.name == DOWN:
        return (_TARGETS,)
    if kind.gpu or alert.name == STALLED:
        return (_FIRING,) if alert.name != STALLED else (component.name, "queue_depth")
    key = kind.reads
    return ("resources", key) if key in RESOURCE_PANELS else (component.name, key)


class DashboardLinks:
    """For the rules: the URL of an agent's dashboard at the panel of what an alert watches
    (an alert, an SLO's burn, or a signal that went missing); the fleet's alerts panel if the
    dashboard has no panel of its own for it."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self._ids = {}

    def __call__(self, agent, component, alert=None, slo=None, signal=None):
        if agent.name not in self._ids:
            self._ids[agent.name] = agent_dashboard(agent)[1]
        ids = self._ids[agent.name]
        if slo is not None:
            key = ("budget", component.name, slo.sli, number(slo.objective))
        elif signal is not None:
            key = ("resources", signal) if signal in RESOURCE_PANELS else (component.name, signal)
        else:
            key = _panel_key(component, alert)
        return f"{self.base_url}/d/{dashboard_uid(agent.name)}?viewPanel={ids.get(key, ids[(_FIRING,)])}"
