# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Logstash's and Filebeat's own statistics as Prometheus metrics, for node_exporter's textfile
collector.

Neither serves Prometheus metrics: Logstash answers `/_node/stats/pipelines` and Filebeat `/stats`
in JSON on loopback. Every `--interval` seconds this reads one of them and replaces `--output`
atomically (a symlink in node_exporter's textfile directory points at it), so the metrics reach
Prometheus through node_exporter's endpoint and no new port is opened. When the API does not
answer, `<service>_up` is 0; when this program stops, node_textfile_mtime_seconds ages (both are
alerted, see docs/runbooks.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

# A stats document is a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 16 * 1024 * 1024
# The no-op filters the compiled pipeline runs on events with secrets of a kind are named
# llmagentos-redacted/AGENT/COMPONENT/KIND (plugins/module_utils/logs/logstash.py).
REDACTION_COUNTER_PREFIX = "llmagentos-redacted/"
STATS_PATHS = {"logstash": "/_node/stats/pipelines", "filebeat": "/stats"}


def _number(document, *keys):
    """The number at document[keys[0]][keys[1]]..., or 0 where the path is missing or not numeric
    (Logstash reports a counter only after its first increment)."""
    for key in keys:
        document = document.get(key) if isinstance(document, dict) else None
    return float(document) if isinstance(document, (int, float)) and not isinstance(document, bool) else 0.0


def _timestamp(value):
    """An ISO 8601 time of Logstash (up to nanoseconds, `Z`) as an aware datetime, or None; older
    Pythons read exactly six fraction digits."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(re.sub(r"\.(\d+)", lambda match: "." + match.group(1).ljust(6, "0")[:6], value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _reload_successful(reloads):
    """0 when the last reload of a pipeline failed (Logstash keeps running the previous one)."""
    failed, succeeded = _timestamp(reloads.get("last_failure_timestamp")), _timestamp(reloads.get("last_success_timestamp"))
    return 0.0 if failed and (succeeded is None or failed > succeeded) else 1.0


def logstash_metrics(stats, expected_pipelines=()):
    """Metric families from Logstash's `_node/stats/pipelines` (None: the API did not answer)."""
    up = GaugeMetricFamily("logstash_up", "Whether Logstash's monitoring API answered with its statistics.")
    up.add_metric([], 0.0 if stats is None else 1.0)
    families = [up]
    if stats is None:
        return families
    pipelines = stats.get("pipelines") if isinstance(stats.get("pipelines"), dict) else {}
    pipeline_up = GaugeMetricFamily("logstash_pipeline_up", "Whether the pipeline runs (0: expected but not running).",
                                    labels=["pipeline"])
    for name in sorted(set(expected_pipelines) - set(pipelines)):
        pipeline_up.add_metric([name], 0.0)
    events = {kind: CounterMetricFamily(f"logstash_pipeline_events_{kind}", f"Events the pipeline's {kind} stage handled.",
                                        labels=["pipeline"]) for kind in ("in", "filtered", "out")}
    reload_ok = GaugeMetricFamily("logstash_pipeline_last_reload_successful",
                                  "Whether the pipeline's last reload succeeded.", labels=["pipeline"])
    reload_failures = CounterMetricFamily("logstash_pipeline_reloads_failures", "Failed reloads of the pipeline.",
                                          labels=["pipeline"])
    queue_events = GaugeMetricFamily("logstash_pipeline_queue_events", "Events in the persisted queue.", labels=["pipeline"])
    queue_bytes = GaugeMetricFamily("logstash_pipeline_queue_size_bytes", "Size of the persisted queue on disk.",
                                    labels=["pipeline"])
    queue_max = GaugeMetricFamily("logstash_pipeline_queue_max_size_bytes", "queue.max_bytes of the persisted queue.",
                                  labels=["pipeline"])
    dlq_dropped = CounterMetricFamily("logstash_pipeline_dead_letter_queue_dropped_events",
                                      "Events the full dead letter queue dropped.", labels=["pipeline"])
    output_labels = ["pipeline", "plugin_id"]
    bulk_failures = CounterMetricFamily("logstash_output_bulk_requests_failures",
                                        "Bulk requests to Elasticsearch that failed (unreachable, 429, 5xx); retried.",
                                        labels=output_labels)
    documents_rejected = CounterMetricFamily(
        "logstash_output_documents_rejected",
        "Documents Elasticsearch refused for good: non_retryable (dropped) or dlq_routed (to the dead letter queue, "
        "or dropped when it is off).", labels=output_labels + ["reason"])
    redacted = CounterMetricFamily("logstash_redacted_events", "Events in which the redaction replaced secrets of a kind.",
                                   labels=["pipeline", "agent", "component", "kind"])
    for name, pipeline in sorted(pipelines.items()):
        if not isinstance(pipeline, dict):
            continue
        pipeline_up.add_metric([name], 1.0)
        for kind, family in events.items():
            family.add_metric([name], _number(pipeline, "events", kind))
        reloads = pipeline.get("reloads") if isinstance(pipeline.get("reloads"), dict) else {}
        reload_ok.add_metric([name], _reload_successful(reloads))
        reload_failures.add_metric([name], _number(reloads, "failures"))
        queue = pipeline.get("queue") if isinstance(pipeline.get("queue"), dict) else {}
        if queue.get("type") == "persisted":
            queue_events.add_metric([name], _number(queue, "events_count") or _number(queue, "events"))
            queue_bytes.add_metric([name], _number(queue, "queue_size_in_bytes") or _number(queue, "capacity", "queue_size_in_bytes"))
            queue_max.add_metric([name], _number(queue, "max_queue_size_in_bytes")
                                 or _number(queue, "capacity", "max_queue_size_in_bytes"))
        if isinstance(pipeline.get("dead_letter_queue"), dict):
            dlq_dropped.add_metric([name], _number(pipeline, "dead_letter_queue", "dropped_events"))
        plugins = pipeline.get("plugins") if isinstance(pipeline.get("plugins"), dict) else {}
        for plugin in plugins.get("filters") or []:
            plugin_id = plugin.get("id") if isinstance(plugin, dict) else None
            if isinstance(plugin_id, str) and plugin_id.startswith(REDACTION_COUNTER_PREFIX) and plugin_id.count("/") == 3:
                redacted.add_metric([name, *plugin_id.split("/")[1:]], _number(plugin, "events", "out"))
        for output in plugins.get("outputs") or []:
            if not isinstance(output, dict) or output.get("name") != "elasticsearch":
                continue
            labels = [name, str(output.get("id", ""))]
            bulk_failures.add_metric(labels, _number(output, "bulk_requests", "failures"))
            documents_rejected.add_metric(labels + ["non_retryable"], _number(output, "documents", "non_retryable_failures"))
            documents_rejected.add_metric(labels + ["dlq_routed"], _number(output, "documents", "dlq_routed"))
    return families + [pipeline_up, *events.values(), reload_ok, reload_failures, queue_events, queue_bytes, queue_max,
                       dlq_dropped, bulk_failures, documents_rejected, redacted]


def filebeat_metrics(stats):
    """Metric families from Filebeat's `/stats` (None: the endpoint did not answer)."""
    up = GaugeMetricFamily("filebeat_up", "Whether Filebeat's HTTP endpoint answered with its statistics.")
    up.add_metric([], 0.0 if stats is None else 1.0)
    if stats is None:
        return [up]
    libbeat = stats.get("libbeat") if isinstance(stats.get("libbeat"), dict) else {}
    output = libbeat.get("output") if isinstance(libbeat.get("output"), dict) else {}
    output_type = output.get("type") if isinstance(output.get("type"), str) else ""
    families = [up]
    for kind, text in (("acked", "acknowledged by the output"), ("failed", "the output failed to send (retried)"),
                       ("dropped", "the output dropped for good")):
        family = CounterMetricFamily(f"filebeat_output_events_{kind}", f"Events {text}.", labels=["output"])
        family.add_metric([output_type], _number(output, "events", kind))
        families.append(family)
    active = GaugeMetricFamily("filebeat_output_events_active", "Events sent and not yet acknowledged.", labels=["output"])
    active.add_metric([output_type], _number(output, "events", "active"))
    families.append(active)
    for direction in ("write", "read"):
        family = CounterMetricFamily(f"filebeat_output_{direction}_errors", f"Network {direction} errors of the output.",
                                     labels=["output"])
        family.add_metric([output_type], _number(output, direction, "errors"))
        families.append(family)
    for kind, text in (("dropped", "dropped by the publishing pipeline"), ("failed", "the publishing pipeline failed")):
        family = CounterMetricFamily(f"filebeat_pipeline_events_{kind}", f"Events {text}.")
        family.add_metric([], _number(libbeat, "pipeline", "events", kind))
        families.append(family)
    open_files = GaugeMetricFamily("filebeat_harvester_open_files", "Files the harvesters hold open.")
    open_files.add_metric([], _number(stats, "filebeat", "harvester", "open_files"))
    registrar = CounterMetricFamily("filebeat_registrar_writes_failed", "Failed writes of the registry (read positions).")
    registrar.add_metric([], _number(stats, "registrar", "writes", "fail"))
    return families + [open_files, registrar]


class _Families:
    """A prometheus_client collector over a fixed list of families."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return iter(self.families)


def exposition(families):
    registry = CollectorRegistry()
    registry.register(_Families(families))
    return generate_latest(registry)


def fetch(url, timeout):
    """The decoded JSON object at url, or None with the reason on stderr."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL from the role
            body = response.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise ValueError(f"more than {MAX_BODY_BYTES} bytes")
        stats = json.loads(body)
        if not isinstance(stats, dict):
            raise ValueError("not a JSON object")
        return stats
    except (OSError, ValueError, urllib.error.URLError) as error:
        print(f"cannot read {url}: {error}", file=sys.stderr, flush=True)
        return None


def write_atomically(path, content):
    directory = os.path.dirname(path) or "."
    handle, staged = tempfile.mkstemp(dir=directory, prefix=".stats-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        # node_exporter reads it under its own user.
        os.chmod(staged, 0o644)
        os.replace(staged, path)
    except BaseException:
        os.unlink(staged)
        raise


def collect_once(args):
    stats = fetch(args.url.rstrip("/") + STATS_PATHS[args.service], args.timeout)
    families = logstash_metrics(stats, args.pipeline) if args.service == "logstash" else filebeat_metrics(stats)
    write_atomically(args.output, exposition(families))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=sorted(STATS_PATHS))
    parser.add_argument("--url", required=True, help="base URL of the monitoring API, on loopback")
    parser.add_argument("--output", required=True, help="the .prom file to replace")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between two reads")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the API")
    parser.add_argument("--pipeline", action="append", default=[], help="a Logstash pipeline id that must run")
    parser.add_argument("--once", action="store_true", help="write once and exit")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    while True:
        started = time.monotonic()
        collect_once(args)
        if args.once:
            return 0
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main())
