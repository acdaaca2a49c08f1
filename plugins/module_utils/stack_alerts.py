# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The monitoring stack's alerts about itself, and their promtool tests.

One row of STACK_ALERTS is one alert: its expression over the metrics Prometheus, Alertmanager,
node_exporter and blackbox_exporter expose about themselves, elasticsearch_exporter about
Elasticsearch, and the textfile writer of the logstash and filebeat roles
(roles/common/files/elastic_stats_textfile.py) about Logstash and Filebeat, its `for`, severity and texts, and
the input series of a case where it fires and of one where it stays quiet. The rule file and the
test file are both generated from the table, so no alert ships without its tests, and every
alert links to its section of docs/runbooks.md (a unit test checks that the section exists).

Watchdog always fires: routed to a receiver outside the stack, its absence there means that the
path Prometheus -> Alertmanager -> notification is broken (a dead man's switch)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from .agents.conventions import DEFAULT_RUNBOOK_BASE_URL
from .agents.promql import escaped, matchers

RULE_GROUP = "llmagentos-stack"
WATCHDOG = "Watchdog"
INTERVAL_MINUTES = 1
# File systems that hold nothing worth alerting on: memory, images, kernel views, container layers.
_DATA_FS = 'fstype!~"tmpfs|ramfs|devtmpfs|squashfs|nsfs|overlay|autofs|fuse\\\\.lxcfs"'
# Stand-ins, in expressions and test series, for the job names the user's scrape configs give.
TARGET_JOB, PROBE_JOB, ALERTMANAGER_JOB = "$target_job", "$probe_job", "$alertmanager_job"


@dataclass(frozen=True)
class StackAlert:
    """`expr` may name $target_jobs and $probe_jobs (regex alternatives of job names) and
    $alertmanager_job. `firing` and `quiet` are input series: (metric, labels, promtool values);
    `labels` are those the alert carries in the firing case, besides severity. `quiet` is None
    for an alert that always fires. The tests evaluate `eval_minutes` after the start, by default
    well after `for` has passed. `needs` names the option without which the alert is left out
    (no such job, or no Alertmanager to send to)."""

    name: str
    expr: str
    for_minutes: int
    severity: str
    summary: str
    description: str
    firing: tuple
    quiet: tuple | None
    labels: dict
    eval_minutes: int = 0
    needs: str | None = None


PROMETHEUS = {"job": "prometheus", "instance": "localhost:9090"}
ALERTMANAGER = {"job": ALERTMANAGER_JOB, "instance": "am-1:9093"}
NOTIFY = {**PROMETHEUS, "alertmanager": "http://am-1:9093/api/v2/alerts"}
DISK = {"job": "node", "instance": "host-1:9100", "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/var/lib/prometheus"}
RUN = {**DISK, "device": "tmpfs", "fstype": "tmpfs", "mountpoint": "/run"}
WEBHOOK = {**ALERTMANAGER, "integration": "webhook"}
# Logstash's and Filebeat's statistics reach Prometheus through node_exporter's textfile collector.
LOGSTASH = {"job": "node", "instance": "logstash-1:9100"}
PIPELINE = {**LOGSTASH, "pipeline": "llmagentos-agents"}
ES_OUTPUT = {**PIPELINE, "plugin_id": "es-agents"}
FILEBEAT = {"job": "node", "instance": "agent-1:9100", "output": "elasticsearch"}
FILEBEAT_HOST = {"job": "node", "instance": "agent-1:9100"}
STATS_FILE = {**LOGSTASH, "file": "/var/lib/node_exporter/textfile_collector/llmagentos-logstash.prom"}
ES_EXPORTER = {"job": "elasticsearch", "instance": "es-1:9114"}
ES_CLUSTER = {**ES_EXPORTER, "cluster": "llmagentos"}
ES_DATA = {**ES_EXPORTER, "cluster": "llmagentos", "name": "es-1", "mount": "/var/lib/elasticsearch (/dev/sdb1)",
           "path": "/var/lib/elasticsearch"}
# Elasticsearch's default disk watermarks: no new shards (low), shards moved away (high), indices
# made read-only (flood stage).
ES_WATERMARKS = (("Low", 0.85, "warning", 15, "Elasticsearch allocates no new shards (replicas, tomorrow's indices) to this node."),
                 ("High", 0.90, "critical", 5, "Elasticsearch moves shards away from this node; the others may follow."),
                 ("FloodStage", 0.95, "critical", 1, "Elasticsearch has made the indices with a shard here read-only: "
                  "Logstash and Filebeat cannot write logs."))


def _filesystem(labels, avail, size="100000x150"):
    return (("node_filesystem_avail_bytes", labels, avail), ("node_filesystem_size_bytes", labels, size),
            ("node_filesystem_readonly", labels, "0x150"))


def _es_disk(available):
    return (("elasticsearch_filesystem_data_available_bytes", ES_DATA, f"{available}x30"),
            ("elasticsearch_filesystem_data_size_bytes", ES_DATA, "1000x30"))


def _es_watermark(name, used, severity, for_minutes, description):
    return StackAlert(
        f"ElasticsearchDisk{name}Watermark" if name != "FloodStage" else "ElasticsearchDiskFloodStage",
        f"1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes > {used}",
        for_minutes, severity,
        f"The data path {{{{ $labels.path }}}} of Elasticsearch node {{{{ $labels.name }}}} is more than {used:.0%} full.",
        description,
        firing=_es_disk(round(1000 * (1 - used)) - 10), quiet=_es_disk(round(1000 * (1 - used)) + 10), labels=ES_DATA)


STACK_ALERTS = (
    StackAlert(
        WATCHDOG, "vector(1)", 0, "none",
        "Always firing: proves that alerts flow from Prometheus through Alertmanager to its receivers.",
        "Route it to a receiver outside this stack (a dead man's switch service), which raises the "
        "alarm when the notifications stop.",
        firing=(), quiet=None, labels={}),
    StackAlert(
        "StackTargetDown", 'up{job=~"$target_jobs"} == 0', 5, "critical",
        "{{ $labels.job }} target {{ $labels.instance }} is down.",
        "Prometheus cannot scrape a part of the monitoring stack: what that part watches is unwatched.",
        firing=(("up", {"job": TARGET_JOB, "instance": "am-1:9093"}, "0x20"),),
        quiet=(("up", {"job": TARGET_JOB, "instance": "am-1:9093"}, "1x20"),),
        labels={"job": TARGET_JOB, "instance": "am-1:9093"}, needs="target_jobs"),
    StackAlert(
        "BlackboxProbeFailed", 'probe_success{job=~"$probe_jobs"} == 0', 5, "warning",
        "The probe of {{ $labels.instance }} ({{ $labels.job }}) fails.",
        "The blackbox exporter answers, but the probe fails: status, TLS, body or timeout.",
        firing=(("probe_success", {"job": PROBE_JOB, "instance": "https://kibana:5601/api/status"}, "0x20"),),
        quiet=(("probe_success", {"job": PROBE_JOB, "instance": "https://kibana:5601/api/status"}, "1x20"),),
        labels={"job": PROBE_JOB, "instance": "https://kibana:5601/api/status"}, needs="probe_jobs"),
    StackAlert(
        "PrometheusConfigReloadFailed", "max_over_time(prometheus_config_last_reload_successful[5m]) == 0", 10, "critical",
        "Prometheus {{ $labels.instance }} failed to reload its configuration.",
        "Prometheus runs an older configuration than the one on disk: new jobs and rules are not in effect.",
        firing=(("prometheus_config_last_reload_successful", PROMETHEUS, "0x30"),),
        quiet=(("prometheus_config_last_reload_successful", PROMETHEUS, "1x30"),),
        labels=PROMETHEUS),
    StackAlert(
        "PrometheusRuleEvaluationFailures",
        "sum by (job, instance) (increase(prometheus_rule_evaluation_failures_total[5m])) > 0", 15, "critical",
        "Prometheus {{ $labels.instance }} fails to evaluate rules.",
        "Some recording or alerting rules produce no result, so the alerts that depend on them cannot fire.",
        firing=(("prometheus_rule_evaluation_failures_total", {**PROMETHEUS, "rule_group": "agents.yml;g"}, "0+3x40"),),
        quiet=(("prometheus_rule_evaluation_failures_total", {**PROMETHEUS, "rule_group": "agents.yml;g"}, "7x40"),),
        labels=PROMETHEUS),
    StackAlert(
        "PrometheusNotConnectedToAlertmanagers",
        "max_over_time(prometheus_notifications_alertmanagers_discovered[5m]) < 1", 10, "critical",
        "Prometheus {{ $labels.instance }} has no Alertmanager to send alerts to.",
        "No alert of this Prometheus reaches anyone; check its alerting section and the Alertmanager targets.",
        firing=(("prometheus_notifications_alertmanagers_discovered", PROMETHEUS, "0x30"),),
        quiet=(("prometheus_notifications_alertmanagers_discovered", PROMETHEUS, "2x30"),),
        labels=PROMETHEUS, needs="alertmanagers"),
    StackAlert(
        "PrometheusNotificationsFailing",
        "sum by (job, instance, alertmanager) (rate(prometheus_notifications_errors_total[5m]))"
        " / sum by (job, instance, alertmanager) (rate(prometheus_notifications_sent_total[5m])) > 0.01", 15, "warning",
        "Prometheus {{ $labels.instance }} fails to send alerts to {{ $labels.alertmanager }}.",
        "More than 1% of the alerts sent to this Alertmanager fail; they still arrive through the others, if any.",
        firing=(("prometheus_notifications_errors_total", NOTIFY, "0+5x40"), ("prometheus_notifications_sent_total", NOTIFY, "0+10x40")),
        quiet=(("prometheus_notifications_errors_total", NOTIFY, "0x40"), ("prometheus_notifications_sent_total", NOTIFY, "0+10x40")),
        labels=NOTIFY),
    StackAlert(
        "PrometheusNotificationsDropped",
        "sum by (job, instance) (increase(prometheus_notifications_dropped_total[5m])) > 0", 15, "warning",
        "Prometheus {{ $labels.instance }} drops alerts it cannot deliver.",
        "Alerts were dropped after failing to reach every Alertmanager, or because the queue was full.",
        firing=(("prometheus_notifications_dropped_total", PROMETHEUS, "0+2x40"),),
        quiet=(("prometheus_notifications_dropped_total", PROMETHEUS, "4x40"),),
        labels=PROMETHEUS),
    StackAlert(
        "PrometheusNotificationQueueFilling",
        "predict_linear(prometheus_notifications_queue_length[5m], 1800)"
        " > min_over_time(prometheus_notifications_queue_capacity[5m])", 15, "warning",
        "The alert queue of Prometheus {{ $labels.instance }} will be full within 30 minutes.",
        "Alerts are produced faster than they are delivered; once the queue is full they are dropped.",
        firing=(("prometheus_notifications_queue_length", PROMETHEUS, "0+300x40"),
                ("prometheus_notifications_queue_capacity", PROMETHEUS, "10000x40")),
        quiet=(("prometheus_notifications_queue_length", PROMETHEUS, "5x40"),
               ("prometheus_notifications_queue_capacity", PROMETHEUS, "10000x40")),
        labels=PROMETHEUS),
    StackAlert(
        "PrometheusTSDBFailing",
        "sum by (job, instance) (increase(prometheus_tsdb_reloads_failures_total[3h])) > 0"
        " or sum by (job, instance) (increase(prometheus_tsdb_compactions_failed_total[3h])) > 0"
        " or sum by (job, instance) (increase(prometheus_tsdb_head_truncations_failed_total[3h])) > 0", 240, "warning",
        "The TSDB of Prometheus {{ $labels.instance }} keeps failing to reload, compact or truncate.",
        "Left alone, the head block grows, memory and disk use climb and queries slow down.",
        firing=(("prometheus_tsdb_compactions_failed_total", PROMETHEUS, "0+1x300"),),
        quiet=(("prometheus_tsdb_compactions_failed_total", PROMETHEUS, "2x300"),),
        labels=PROMETHEUS, eval_minutes=290),
    StackAlert(
        "PrometheusWALFailing",
        "sum by (job, instance) (increase(prometheus_tsdb_wal_corruptions_total[10m])) > 0"
        " or sum by (job, instance) (increase(prometheus_tsdb_wal_writes_failed_total[10m])) > 0", 0, "critical",
        "The write-ahead log of Prometheus {{ $labels.instance }} is corrupt or cannot be written.",
        "Samples not yet in a block may be lost at the next restart.",
        firing=(("prometheus_tsdb_wal_writes_failed_total", PROMETHEUS, "0 0 0 0 0 1 1 1 1 1"),),
        quiet=(("prometheus_tsdb_wal_writes_failed_total", PROMETHEUS, "3x10"),),
        labels=PROMETHEUS, eval_minutes=7),
    StackAlert(
        "HostDiskFillingUp",
        f"node_filesystem_avail_bytes{{{_DATA_FS}}} / node_filesystem_size_bytes < 0.15"
        f" and predict_linear(node_filesystem_avail_bytes{{{_DATA_FS}}}[6h], 86400) < 0"
        " and node_filesystem_readonly == 0", 60, "warning",
        "{{ $labels.mountpoint }} on {{ $labels.instance }} will be full within a day.",
        "Less than 15% is free and the trend of the last 6 hours reaches zero within 24 hours; "
        "Prometheus, Alertmanager and Elasticsearch stop writing on a full disk.",
        firing=_filesystem(DISK, "10000-10x150"), quiet=_filesystem(DISK, "10000x150"),
        labels=DISK, eval_minutes=120),
    StackAlert(
        "HostDiskAlmostFull",
        f"node_filesystem_avail_bytes{{{_DATA_FS}}} / node_filesystem_size_bytes < 0.05"
        " and node_filesystem_readonly == 0", 15, "critical",
        "{{ $labels.mountpoint }} on {{ $labels.instance }} has less than 5% free.",
        "What writes there fails soon: free space or grow the volume now.",
        firing=_filesystem(DISK, "4000x150"), quiet=_filesystem(RUN, "0x150"),
        labels=DISK),
    StackAlert(
        "AlertmanagerConfigReloadFailed", "max_over_time(alertmanager_config_last_reload_successful[5m]) == 0", 10, "critical",
        "Alertmanager {{ $labels.instance }} failed to reload its configuration.",
        "Alertmanager routes with an older configuration than the one on disk.",
        firing=(("alertmanager_config_last_reload_successful", ALERTMANAGER, "0x30"),),
        quiet=(("alertmanager_config_last_reload_successful", ALERTMANAGER, "1x30"),),
        labels=ALERTMANAGER),
    StackAlert(
        "AlertmanagerNotificationsFailing",
        # Since Alertmanager 0.26 the failures carry a `reason` that the totals do not.
        "sum without (reason) (rate(alertmanager_notifications_failed_total[5m]))"
        " / sum without (reason) (rate(alertmanager_notifications_total[5m])) > 0.01", 5, "critical",
        "Alertmanager {{ $labels.instance }} fails to deliver notifications through {{ $labels.integration }}.",
        "More than 1% of the notifications through this integration fail: people are not being told.",
        firing=(("alertmanager_notifications_failed_total", {**WEBHOOK, "reason": "serverError"}, "0+2x30"),
                ("alertmanager_notifications_total", WEBHOOK, "0+4x30")),
        quiet=(("alertmanager_notifications_failed_total", {**WEBHOOK, "reason": "serverError"}, "3x30"),
               ("alertmanager_notifications_total", WEBHOOK, "0+4x30")),
        labels=WEBHOOK),
    StackAlert(
        "AlertmanagerClusterMembersMissing",
        'max_over_time(alertmanager_cluster_members{job="$alertmanager_job"}[5m])'
        ' < on (job) group_left () count by (job) (up{job="$alertmanager_job"})', 15, "critical",
        "Alertmanager {{ $labels.instance }} sees fewer cluster members than there are Alertmanagers.",
        "The peers do not gossip: silences and notification state are not shared, so alerts may be "
        "sent twice or, with a peer gone, not at all.",
        firing=(("alertmanager_cluster_members", ALERTMANAGER, "1x30"),
                ("up", ALERTMANAGER, "1x30"), ("up", {**ALERTMANAGER, "instance": "am-2:9093"}, "1x30")),
        quiet=(("alertmanager_cluster_members", ALERTMANAGER, "2x30"),
               ("alertmanager_cluster_members", {**ALERTMANAGER, "instance": "am-2:9093"}, "2x30"),
               ("up", ALERTMANAGER, "1x30"), ("up", {**ALERTMANAGER, "instance": "am-2:9093"}, "1x30")),
        labels=ALERTMANAGER),
    # The log stack: Elasticsearch through prometheus-community's elasticsearch_exporter,
    # Logstash and Filebeat through the textfile writer of their roles.
    StackAlert(
        "ElasticsearchHealthUnknown",
        # elasticsearch_exporter before 1.7 also says elasticsearch_cluster_health_up 0; from 1.7 on
        # the health series are simply missing, so their absence is what is watched.
        "max by (job, instance) (elasticsearch_exporter_build_info)"
        " unless on (job, instance) elasticsearch_cluster_health_status", 10, "warning",
        "The elasticsearch_exporter {{ $labels.instance }} cannot read the cluster's health.",
        "The exporter answers, but Elasticsearch refuses or does not answer it: every Elasticsearch alert is blind.",
        firing=(("elasticsearch_exporter_build_info", {**ES_EXPORTER, "version": "1.9.0"}, "1x30"),),
        quiet=(("elasticsearch_exporter_build_info", {**ES_EXPORTER, "version": "1.9.0"}, "1x30"),
               ("elasticsearch_cluster_health_status", {**ES_CLUSTER, "color": "green"}, "1x30")),
        labels=ES_EXPORTER),
    StackAlert(
        "ElasticsearchClusterRed", 'max by (cluster) (elasticsearch_cluster_health_status{color="red"}) == 1', 5, "critical",
        "Elasticsearch cluster {{ $labels.cluster }} is red.",
        "A primary shard is unassigned: writes to its index fail and its logs cannot be searched.",
        firing=(("elasticsearch_cluster_health_status", {**ES_CLUSTER, "color": "red"}, "1x30"),),
        quiet=(("elasticsearch_cluster_health_status", {**ES_CLUSTER, "color": "red"}, "0x30"),),
        labels={"cluster": "llmagentos"}),
    StackAlert(
        "ElasticsearchClusterYellow", 'max by (cluster) (elasticsearch_cluster_health_status{color="yellow"}) == 1', 30,
        "warning",
        "Elasticsearch cluster {{ $labels.cluster }} has been yellow for 30 minutes.",
        "Replica shards are unassigned: the loss of one more node can lose logs.",
        firing=(("elasticsearch_cluster_health_status", {**ES_CLUSTER, "color": "yellow"}, "1x50"),),
        quiet=(("elasticsearch_cluster_health_status", {**ES_CLUSTER, "color": "yellow"}, "1x10 0x40"),),
        labels={"cluster": "llmagentos"}),
    *(_es_watermark(*watermark) for watermark in ES_WATERMARKS),
    # Before the flood stage: the trend of a data path over 6 hours reaches it within a day.
    StackAlert(
        "ElasticsearchDiskFillingUp",
        "predict_linear(elasticsearch_filesystem_data_available_bytes[6h], 86400)"
        " < 0.05 * elasticsearch_filesystem_data_size_bytes"
        " and 1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes > 0.5", 60, "warning",
        "The data path {{ $labels.path }} of Elasticsearch node {{ $labels.name }} reaches the flood stage within a day.",
        "It is more than half full and its trend over the last 6 hours reaches 95% within 24 hours, where Elasticsearch "
        "makes its indices read-only and the agents' logs stop.",
        firing=(("elasticsearch_filesystem_data_available_bytes", ES_DATA, "480-2x150"),
                ("elasticsearch_filesystem_data_size_bytes", ES_DATA, "1000x150")),
        quiet=(("elasticsearch_filesystem_data_available_bytes", ES_DATA, "450x150"),
               ("elasticsearch_filesystem_data_size_bytes", ES_DATA, "1000x150")),
        labels=ES_DATA, eval_minutes=120),
    StackAlert(
        "LogStackStatsStale",
        # The file label holds the full path in node_exporter 1.5 (tested here); a bare name matches too.
        'time() - node_textfile_mtime_seconds{file=~"(.*/)?llmagentos-(logstash|filebeat)[.]prom"} > 300', 5, "warning",
        "The statistics file {{ $labels.file }} on {{ $labels.instance }} is no longer updated.",
        "Its writer (logstash-stats or filebeat-stats) has stopped: Logstash and Filebeat alerts on this host are blind.",
        firing=(("node_textfile_mtime_seconds", STATS_FILE, "0x30"),),
        quiet=(("node_textfile_mtime_seconds", STATS_FILE, "0+60x30"),),
        labels=STATS_FILE),
    StackAlert(
        "LogstashDown", "logstash_up == 0", 5, "critical",
        "Logstash on {{ $labels.instance }} does not answer.",
        "Its monitoring API is silent: Logstash is stopped or hung, and Filebeat holds the agents' logs back.",
        firing=(("logstash_up", LOGSTASH, "0x20"),), quiet=(("logstash_up", LOGSTASH, "1x20"),), labels=LOGSTASH),
    StackAlert(
        "LogstashPipelineNotRunning", "logstash_pipeline_up == 0", 5, "critical",
        "Logstash pipeline {{ $labels.pipeline }} on {{ $labels.instance }} is not running.",
        "The pipeline did not start (a configuration or plugin error): its logs are not read.",
        firing=(("logstash_pipeline_up", PIPELINE, "0x20"),), quiet=(("logstash_pipeline_up", PIPELINE, "1x20"),),
        labels=PIPELINE),
    StackAlert(
        "LogstashPipelineReloadFailed", "logstash_pipeline_last_reload_successful == 0", 5, "warning",
        "Logstash could not reload pipeline {{ $labels.pipeline }} on {{ $labels.instance }}.",
        "The pipeline keeps running its previous configuration: the last change is not in effect.",
        firing=(("logstash_pipeline_last_reload_successful", PIPELINE, "0x20"),),
        quiet=(("logstash_pipeline_last_reload_successful", PIPELINE, "1x20"),), labels=PIPELINE),
    StackAlert(
        "LogstashOutputFailing", "sum by (job, instance, pipeline) (rate(logstash_output_bulk_requests_failures_total[5m])) > 0",
        10, "critical",
        "Logstash pipeline {{ $labels.pipeline }} on {{ $labels.instance }} cannot write to Elasticsearch.",
        "Bulk requests fail (unreachable, 429, 5xx) and are retried: events wait in the queue until it is full, "
        "then Filebeat waits too.",
        firing=(("logstash_output_bulk_requests_failures_total", ES_OUTPUT, "0+4x30"),),
        quiet=(("logstash_output_bulk_requests_failures_total", ES_OUTPUT, "12x30"),), labels=PIPELINE),
    StackAlert(
        "LogstashDocumentsRejected",
        "sum by (job, instance, pipeline, reason) (increase(logstash_output_documents_rejected_total[10m])) > 0", 0, "warning",
        "Elasticsearch rejected documents of Logstash pipeline {{ $labels.pipeline }} on {{ $labels.instance }} "
        "({{ $labels.reason }}).",
        "These log events are not stored: they were dropped, or sent to the dead letter queue if it is on.",
        firing=(("logstash_output_documents_rejected_total", {**ES_OUTPUT, "reason": "dlq_routed"}, "0 0 0 0 0 3 3 3 3 3"),),
        quiet=(("logstash_output_documents_rejected_total", {**ES_OUTPUT, "reason": "dlq_routed"}, "3x10"),),
        labels={**PIPELINE, "reason": "dlq_routed"}, eval_minutes=7),
    StackAlert(
        "LogstashQueueFilling",
        "logstash_pipeline_queue_size_bytes / (logstash_pipeline_queue_max_size_bytes > 0) > 0.8", 5, "warning",
        "The persisted queue of Logstash pipeline {{ $labels.pipeline }} on {{ $labels.instance }} is more than 80% full.",
        "Once full, Logstash stops reading from Filebeat; usually Elasticsearch is slow or down (see LogstashOutputFailing).",
        firing=(("logstash_pipeline_queue_size_bytes", PIPELINE, "900x20"), ("logstash_pipeline_queue_max_size_bytes", PIPELINE, "1000x20")),
        quiet=(("logstash_pipeline_queue_size_bytes", PIPELINE, "100x20"), ("logstash_pipeline_queue_max_size_bytes", PIPELINE, "1000x20")),
        labels=PIPELINE),
    StackAlert(
        "FilebeatDown", "filebeat_up == 0", 10, "warning",
        "Filebeat on {{ $labels.instance }} does not answer.",
        "The agents' logs on this host are not shipped; Filebeat resumes from its registry when it is back, "
        "unless the files were rotated away meanwhile.",
        firing=(("filebeat_up", FILEBEAT_HOST, "0x30"),), quiet=(("filebeat_up", FILEBEAT_HOST, "1x30"),), labels=FILEBEAT_HOST),
    StackAlert(
        "FilebeatOutputErrors",
        "sum by (job, instance, output) (rate(filebeat_output_write_errors_total[5m]) + rate(filebeat_output_events_failed_total[5m])) > 0",
        15, "warning",
        "Filebeat on {{ $labels.instance }} fails to send events to its {{ $labels.output }} output.",
        "Events are retried and wait in Filebeat's queue; the agents' logs arrive late or, if this lasts past log "
        "rotation, not at all.",
        firing=(("filebeat_output_write_errors_total", FILEBEAT, "0+2x30"), ("filebeat_output_events_failed_total", FILEBEAT, "0x30")),
        quiet=(("filebeat_output_write_errors_total", FILEBEAT, "5x30"), ("filebeat_output_events_failed_total", FILEBEAT, "9x30")),
        labels=FILEBEAT),
    StackAlert(
        "FilebeatEventsDropped",
        "sum by (job, instance) (increase(filebeat_output_events_dropped_total[10m]))"
        " + sum by (job, instance) (increase(filebeat_pipeline_events_dropped_total[10m])) > 0", 0, "warning",
        "Filebeat on {{ $labels.instance }} dropped events.",
        "These log lines are lost: the output refused them for good (a mapping or encoding error) or the pipeline dropped them.",
        firing=(("filebeat_output_events_dropped_total", FILEBEAT, "0 0 0 0 0 2 2 2 2 2"),
                ("filebeat_pipeline_events_dropped_total", FILEBEAT_HOST, "0x10")),
        quiet=(("filebeat_output_events_dropped_total", FILEBEAT, "2x10"), ("filebeat_pipeline_events_dropped_total", FILEBEAT_HOST, "1x10")),
        labels=FILEBEAT_HOST, eval_minutes=7),
)


@dataclass(frozen=True)
class StackOptions:
    """The stack's job names (from prometheus_scrape_configs) and where the runbooks live."""

    target_jobs: tuple
    probe_jobs: tuple = ()
    alertmanager_job: str = "alertmanager"
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    # Whether Prometheus is configured to send alerts anywhere.
    alertmanagers: bool = True

    def jobs(self):
        """The stand-ins' values: a job name for the tests, regex alternatives for the expressions."""
        return {TARGET_JOB: self.target_jobs[0] if self.target_jobs else "", PROBE_JOB: self.probe_jobs[0] if self.probe_jobs else "",
                ALERTMANAGER_JOB: self.alertmanager_job}


def alert_names():
    return [alert.name for alert in STACK_ALERTS]


def _expr(alert, options):
    return Template(alert.expr).substitute(
        target_jobs=escaped("|".join(map(re.escape, options.target_jobs))),
        probe_jobs=escaped("|".join(map(re.escape, options.probe_jobs))),
        alertmanager_job=escaped(options.alertmanager_job))


def _alerts(options):
    return [alert for alert in STACK_ALERTS if alert.needs is None or getattr(options, alert.needs)]


def _rule(alert, options):
    rule = {"alert": alert.name, "expr": _expr(alert, options)}
    if alert.for_minutes:
        rule["for"] = f"{alert.for_minutes}m"
    rule["labels"] = {"severity": alert.severity}
    rule["annotations"] = {"summary": alert.summary, "description": alert.description,
                           "runbook_url": options.runbook_base_url + alert.name.lower()}
    return rule


def stack_rules(options):
    """The rule file (as a dict) of the stack's alerts."""
    return {"groups": [{"name": RULE_GROUP, "rules": [_rule(alert, options) for alert in _alerts(options)]}]}


def _expanded(text, labels):
    """An annotation as Prometheus expands it for these labels (the texts use only $labels.X)."""
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda match: labels.get(match.group(1), ""), text)


def _case(alert, options, inputs, fires):
    jobs = options.jobs()

    def resolved(labels):
        return {key: jobs.get(value, value) for key, value in labels.items()}

    expected = []
    if fires:
        labels = {**resolved(alert.labels), "severity": alert.severity}
        annotations = {key: _expanded(value, labels) for key, value in _rule(alert, options)["annotations"].items()}
        expected = [{"exp_labels": labels, "exp_annotations": annotations}]
    eval_minutes = alert.eval_minutes or alert.for_minutes + 10
    return {
        "name": f"{alert.name} {'fires' if fires else 'stays quiet'}",
        "interval": f"{INTERVAL_MINUTES}m",
        "input_series": [{"series": f"{metric}{{{matchers(resolved(labels))}}}", "values": values} for metric, labels, values in inputs],
        "alert_rule_test": [{"eval_time": f"{eval_minutes}m", "alertname": alert.name, "exp_alerts": expected}],
    }


def stack_rule_tests(rule_files, options):
    """A promtool test file (as a dict) for `rule_files`, the paths of the files holding stack_rules(options)."""
    tests = []
    for alert in _alerts(options):
        tests.append(_case(alert, options, alert.firing, True))
        if alert.quiet is not None:
            tests.append(_case(alert, options, alert.quiet, False))
    return {"rule_files": list(rule_files), "evaluation_interval": f"{INTERVAL_MINUTES}m", "tests": tests}
