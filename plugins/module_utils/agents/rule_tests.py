# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""promtool unit tests for the generated alerts: for every alert a case where it fires, one
where it does not, and for gated alerts one where traffic is too low for it to fire.

The input series are the recorded series the alerts read (llmagentos:...), so the tests check
thresholds, `for` durations, gates and labels whatever metric names the components use; the
recording expressions themselves are checked by `promtool check rules` and end to end."""

from __future__ import annotations

import math

from . import gpu_health, slo as slo_rules
from .alert_kinds import DOWN, PROGRESS_SIGNALS, STALLED, alert_kind
from .conventions import FORECAST_FLOOR, GPU_ASSIGNMENT_RECORD, RATIO_RECORDINGS, SIGNAL_MISSING_ALERT, SLO_ALERT, WATCHED_ON_METRICS, job_name, record_name
from .promql import matchers, number
from ..units import format_duration
from .rules import Options, alert_rule, alert_series, is_gated, signal_missing_rules, slo_alert_rules, watched_series

INTERVAL_SECONDS = 60


def _samples(value, count):
    return f"{number(value)}x{count}"


def rule_tests(agents, rule_files, options=Options()):
    """A promtool test file (as a dict) for `rule_files`, the paths of the files holding
    agent_rules(agents, options)."""
    tests = []
    for agent in agents:
        for component in agent.components:
            for alert in component.alerts:
                tests.extend(_cases(agent, component, alert, options))
            for slo in component.slos:
                tests.extend(_slo_cases(agent, component, slo, options))
            tests.extend(_signal_missing_cases(agent, component, options))
    return {"rule_files": list(rule_files), "evaluation_interval": "1m", "tests": tests}


def _cases(agent, component, alert, options):
    rule = alert_rule(agent, component, alert, options)
    kind = alert_kind(alert)
    name = rule["alert"]
    minutes = math.ceil(alert.for_seconds / INTERVAL_SECONDS)
    eval_time = f"{minutes + 2}m"
    count = minutes + 5
    base = {"agent": agent.name, "component": component.name, "kind": component.kind}
    expected_labels = {**base, **rule["labels"]}

    def series(metric, labels, value):
        return {"series": f"{metric}{{{matchers(labels)}}}", "values": _samples(value, count)}

    def case(title, inputs, fires):
        exp = [{"exp_labels": dict(expected_labels), "exp_annotations": rule["annotations"]}] if fires else []
        return {
            "name": f"{agent.name}/{component.name} {name}: {title}",
            "interval": "1m",
            "input_series": inputs,
            "alert_rule_test": [{"eval_time": eval_time, "alertname": name, "exp_alerts": exp}],
        }

    if alert.name == DOWN:
        metric = "probe_success" if component.probe_path else "up"
        instance = component.targets[0] if component.targets else f"{component.name}:{component.kubernetes.port}"
        target = {**base, "job": job_name(agent, component), "instance": instance}
        expected_labels.update(job=target["job"], instance=target["instance"])
        return [
            case("fires when the target is down", [series(metric, target, 0)], True),
            case("quiet while the target is up", [series(metric, target, 1)], False),
        ]

    if kind.gpu:
        return _gpu_cases(agent, component, alert, rule, case, series, base)

    if kind.forecast:
        # From FORECAST_FLOOR, a climb whose trend reaches 1 well within the horizon from the
        # start; a resource held high and flat (vLLM's reservation) stays quiet.
        slope = 1.5 * (1 - FORECAST_FLOOR) / (1 + alert.threshold / 60)
        return [
            case(f"fires when the trend reaches full within {format_duration(alert.threshold)}",
                 [{"series": f"{alert_series(alert)}{{{matchers(base)}}}", "values": f"{number(FORECAST_FLOOR)}+{number(slope)}x{count}"}],
                 True),
            case("quiet while high and flat", [series(alert_series(alert), base, 0.95)], False),
        ]

    if alert.name == STALLED:
        progress = [name for name in kind.reads_signals(component) if name in PROGRESS_SIGNALS]

        def stall_inputs(waiting, moving):
            return [series(record_name("queue_depth"), base, waiting)] + [
                series(record_name(name), base, moving) for name in progress]
        return [
            case("fires while requests wait and nothing moves", stall_inputs(5, 0), True),
            case("quiet while requests wait and work goes on", stall_inputs(5, 3), False),
            case("quiet while nothing waits", stall_inputs(0, 0), False),
        ]

    bad, good = kind.threshold.far_side(alert.threshold), kind.threshold.near_side(alert.threshold)
    if alert.direction == "below":
        bad, good = good, bad
    busy = options.min_request_rate * 10
    idle = options.min_request_rate / 10

    def inputs(value, request_rate):
        requests = [series(record_name("requests"), base, request_rate)] if is_gated(component, alert) else []
        if kind.reads_ratio:
            # The ratio is itself recorded from its two rates, so that rule is exercised too: the
            # requests are the whole (given above when gated), the part is their share.
            part, whole = RATIO_RECORDINGS[kind.reads]
            wholes = requests or [series(record_name(whole), base, request_rate)]
            return wholes + [series(record_name(part), base, request_rate * value)]
        return requests + [series(alert_series(alert), base, value)]

    cases = [
        case(f"fires {alert.direction} the threshold", inputs(bad, busy), True),
        case("quiet on the good side of the threshold", inputs(good, busy), False),
    ]
    if is_gated(component, alert):
        cases.append(case("quiet when traffic is below the minimum", inputs(bad, idle), False))
    return cases


def _presence_metric(component, name):
    """The series that shows a signal is read: its recording, or for the signals watched on
    their metrics (GPU health, GPU memory) the metric itself."""
    if name not in WATCHED_ON_METRICS:
        return watched_series(name)
    metric = component.signal(name).metrics[0]
    return metric.watched_by or metric.selector.split("{")[0]


# An application fault (an illegal address in a CUDA kernel): the program's error, not the GPU's.
_APPLICATION_XID = 13


def _gpu_cases(agent, component, alert, rule, case, series, base):
    """A GPU in trouble pages with its identity in the labels and texts; a healthy one (and an
    application's own Xid) does not."""
    kind = alert_kind(alert)
    instance = component.targets[0] if component.targets else f"{component.name}:{component.kubernetes.port}"
    minutes = math.ceil(alert.for_seconds / INTERVAL_SECONDS)
    if alert.name == "gpu_missing":
        counted = {**base, "instance": instance}
        rule_case = case("fires when a host shows fewer GPUs", [
            {"series": f"{record_name('gpu_count')}{{{matchers(counted)}}}", "values": f"8x30 7x{minutes + 5}"}], True)
        rule_case["alert_rule_test"][0]["eval_time"] = f"{30 + minutes + 2}m"
        rule_case["alert_rule_test"][0]["exp_alerts"] = [_gpu_expected(agent, component, alert, rule, counted)]
        return [rule_case, case("quiet while every GPU is there", [series(record_name("gpu_count"), counted, 8)], False)]
    host = instance.rsplit(":", 1)[0]
    gpu = {**base, "instance": instance, "host": host, "gpu": "0", "UUID": "GPU-6d7a8f2e-1c3b-4f5a-9e0d-2b4c6e8a0f13",
           "pci_bus_id": "00000000:3B:00.0"}
    bad = {**gpu, "xid": str(alert.codes[0])} if alert.codes else gpu
    good_value, good = (1, {**gpu, "xid": str(_quiet_code(alert.codes))}) if alert.codes else (0, gpu)
    failing = series(record_name(kind.reads), bad, 1)

    def pinned_to(agent_name, component_name):
        return series(GPU_ASSIGNMENT_RECORD, {"host": host, "gpu": "0", "assigned_agent": agent_name,
                                              "assigned_component": component_name}, 1)

    cases = [
        case("fires for the GPU in trouble", [failing], True),
        case("quiet while the GPU is healthy", [series(record_name(kind.reads), good, good_value)], False),
        case("names the component the GPU is pinned to", [failing, pinned_to(agent.name, "engine")], True),
        case("quiet when another agent's component is pinned to the GPU", [failing, pinned_to(f"{agent.name}-other", "llm")], False),
    ]
    cases[0]["alert_rule_test"][0]["exp_alerts"] = [_gpu_expected(agent, component, alert, rule, bad)]
    cases[2]["alert_rule_test"][0]["exp_alerts"] = [_gpu_expected(agent, component, alert, rule, {**bad, "assigned_component": "engine"})]
    return cases


def _quiet_code(codes):
    return _APPLICATION_XID if _APPLICATION_XID not in codes else next(code for code in range(1, 10000) if code not in codes)


def _gpu_expected(agent, component, alert, rule, labels):
    """The alert one GPU raises: its labels, and the texts with them filled in."""
    kind = alert_kind(alert)
    summary, description = gpu_health.texts(kind, f"{agent.name}/{component.name}", component.kind, alert,
                                            gpu_health.label_values(labels))
    return {"exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": {**rule["annotations"], "summary": summary, "description": description}}


def _signal_missing_cases(agent, component, options):
    """Per watched signal, the others present: fires while the target is up and the signal's
    recording is absent, quiet while it is there, quiet while the target is down (the down alert
    speaks then)."""
    rules = {rule["labels"]["signal"]: rule for rule in signal_missing_rules(agent, component, options)}
    if not rules:
        return []
    minutes = math.ceil(options.signal_missing_seconds / INTERVAL_SECONDS)
    count = minutes + 5
    base = {"agent": agent.name, "component": component.name, "kind": component.kind}
    instance = component.targets[0] if component.targets else f"{component.name}:{component.kubernetes.port}"
    target = {**base, "job": job_name(agent, component), "instance": instance}
    up = {"series": f"up{{{matchers(target)}}}", "values": _samples(1, count)}
    down = {"series": up["series"], "values": _samples(0, count)}
    present = {name: {"series": f"{_presence_metric(component, name)}{{{matchers(base)}}}", "values": _samples(1, count)}
               for name in rules}
    cases = []
    for name, rule in rules.items():
        def case(title, target_up, there, fires, rule=rule, name=name):
            # copies: a dumped test file must not carry YAML aliases
            inputs = [dict(up if target_up else down)] + [dict(series) for other, series in present.items()
                                                          if there or other != name]
            exp = [{"exp_labels": {**base, **rule["labels"]}, "exp_annotations": rule["annotations"]}] if fires else []
            return {
                "name": f"{agent.name}/{component.name} {SIGNAL_MISSING_ALERT} {name}: {title}",
                "interval": "1m",
                "input_series": inputs,
                "alert_rule_test": [{"eval_time": f"{minutes + 2}m", "alertname": SIGNAL_MISSING_ALERT, "exp_alerts": exp}],
            }
        cases += [
            case("fires while the target is up and the signal is absent", True, False, True),
            case("quiet while the signal is there", True, True, False),
            case("quiet while the target is down", False, False, False),
        ]
    return cases


def _slo_cases(agent, component, slo, options):
    """Burn-rate cases: a fast burn pages, a slow burn opens a ticket, a burn within budget and
    a burn on too little traffic do neither. Ratios that cannot be told apart for a low
    objective (a page threshold above 100% errors) leave their case out."""
    page, ticket = slo_alert_rules(agent, component, slo, options)
    budget = 1 - slo.objective
    thresholds = {
        severity: [slo_rules.burn_factor(slo, burn.long, burn.budget_share) * budget
                   for burn in slo_rules.BURN_ALERTS if burn.severity == severity]
        for severity in ("critical", "warning")
    }
    lowest_page = min(thresholds["critical"])
    ticket_threshold = thresholds["warning"][0]  # the 1d/2h pair, reachable within the test
    base = {"agent": agent.name, "component": component.name, "kind": component.kind, **slo_rules.slo_labels(slo)}
    busy, idle = options.min_request_rate * 10, options.min_request_rate / 10
    count = 160

    def inputs(ratio, request_rate):
        return [
            {"series": f"{slo_rules.record('requests', 300)}{{{matchers(base)}}}", "values": _samples(request_rate, count)},
            {"series": f"{slo_rules.record('errors', 300)}{{{matchers(base)}}}", "values": _samples(request_rate * ratio, count)},
        ]

    def case(title, ratio, request_rate, eval_minutes, fired):
        exp = [{"exp_labels": {**base, **rule["labels"]}, "exp_annotations": rule["annotations"]} for rule in fired]
        return {
            "name": f"{agent.name}/{component.name} {SLO_ALERT} {slo.sli} {number(slo.objective * 100)}: {title}",
            "interval": "1m",
            "input_series": inputs(ratio, request_rate),
            "alert_rule_test": [{"eval_time": f"{eval_minutes}m", "alertname": SLO_ALERT, "exp_alerts": exp}],
        }

    cases = []
    if lowest_page < 1:
        cases.append(case("a fast burn pages", min(1.0, lowest_page * 2), busy, 90, [page]))
    if ticket_threshold < min(lowest_page, 1):
        cases.append(case("a slow burn opens a ticket", (ticket_threshold + min(lowest_page, 1)) / 2, busy, 150, [ticket]))
    cases.append(case("quiet within the error budget", budget / 2, busy, 150, []))
    cases.append(case("quiet when traffic is below the minimum", 1.0, idle, 90, []))
    return cases
