# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over module_utils/stack_alerts: the monitoring stack's alerts about itself."""

from __future__ import annotations

DOCUMENTATION = r"""
name: stack_alert_rules
short_description: Alerts of the monitoring stack about itself, with their promtool tests
version_added: 0.2.0
description:
  - From Prometheus' scrape configurations, the alerts that watch the monitoring stack itself, for
    Prometheus (configuration reload, rule evaluation failures, notifications failing, dropped or
    queued, no Alertmanager, TSDB and WAL failures), Alertmanager (configuration reload,
    notifications failing, cluster members missing), the hosts' disks (node_exporter), the
    stack's own targets and blackbox probes, and the always-firing C(Watchdog), a dead man's switch.
  - The log stack's alerts read Elasticsearch through elasticsearch_exporter (health unknown,
    red, yellow, disk watermarks) and Logstash and Filebeat through the statistics their roles
    write for node_exporter's textfile collector (statistics stale, Logstash down, pipeline not
    running or not reloaded, output failing, documents rejected, queue filling, Filebeat down,
    output errors, events dropped).
  - Every alert has a C(runbook_url) to its section of C(docs/runbooks.md), and the returned tests
    give each alert a case where it fires and one where it stays quiet.
  - The C(prometheus) role loads them by default (C(prometheus_stack_alerts)).
positional: _input
options:
  _input:
    description:
      - Prometheus' scrape configurations (C(prometheus_scrape_configs)). Every job is watched by
        C(StackTargetDown); jobs whose C(metrics_path) is C(/probe) are blackbox jobs, watched by
        C(BlackboxProbeFailed).
    type: list
    elements: dict
    required: true
  rule_files:
    description: Paths, relative to the test file, of the rule files that hold the returned C(rules).
    type: list
    elements: str
    required: true
  alertmanager_job:
    description: The job that scrapes Alertmanager; C(AlertmanagerClusterMembersMissing) counts its targets.
    type: str
    default: alertmanager
  runbook_base_url:
    description: Prefix of every C(runbook_url); the alert name in lower case is appended.
    type: str
    default: https://github.com/llmagentos/ops/blob/main/docs/runbooks.md#
  alertmanagers:
    description:
      - Whether Prometheus sends its alerts to Alertmanagers. Without them,
        C(PrometheusNotConnectedToAlertmanagers) is left out instead of firing for ever.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Load the stack's alerts beside your own rules
  ansible.builtin.set_fact:
    stack: "{{ prometheus_scrape_configs | llmagentos.ops.stack_alert_rules(rule_files=['llmagentos-stack.yml']) }}"

- name: Write them
  ansible.builtin.copy:
    content: "{{ stack.rules | to_nice_yaml }}"
    dest: /etc/prometheus/rules/llmagentos-stack.yml
    mode: "0640"
"""

RETURN = r"""
_value:
  description: The rule file and its promtool test file.
  type: dict
  contains:
    rules:
      description: A Prometheus rule file, one group C(llmagentos-stack).
      type: dict
    rule_tests:
      description: A C(promtool test rules) file with C(rule_files), C(evaluation_interval) and C(tests).
      type: dict
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.stack_alerts import (
    DEFAULT_RUNBOOK_BASE_URL, StackOptions, stack_rule_tests, stack_rules)

_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+\Z")


def _job_name(value, path):
    if not isinstance(value, str) or not _PRINTABLE.match(value):
        raise AnsibleFilterError(f"stack_alert_rules: {path} must be a non-empty job name without control characters, got {value!r}")
    return value


def stack_alert_rules(scrape_configs, rule_files, alertmanager_job="alertmanager", runbook_base_url=DEFAULT_RUNBOOK_BASE_URL,
                      alertmanagers=True):
    if not isinstance(scrape_configs, list):
        raise AnsibleFilterError(f"stack_alert_rules: the input must be the list of scrape configs, got {type(scrape_configs).__name__}")
    target_jobs, probe_jobs = [], []
    for index, config in enumerate(scrape_configs):
        if not isinstance(config, dict):
            raise AnsibleFilterError(f"stack_alert_rules: scrape config [{index}] must be a mapping, got {type(config).__name__}")
        job = _job_name(config.get("job_name"), f"[{index}].job_name")
        target_jobs.append(job)
        if config.get("metrics_path") == "/probe":
            probe_jobs.append(job)
    if not isinstance(rule_files, list) or not rule_files or not all(isinstance(path, str) and path for path in rule_files):
        raise AnsibleFilterError("stack_alert_rules: rule_files must be a non-empty list of paths")
    if not isinstance(runbook_base_url, str) or not runbook_base_url:
        raise AnsibleFilterError(f"stack_alert_rules: runbook_base_url must be a URL prefix, got {runbook_base_url!r}")
    if not isinstance(alertmanagers, bool):
        raise AnsibleFilterError(f"stack_alert_rules: alertmanagers must be true or false, got {alertmanagers!r}")
    options = StackOptions(tuple(target_jobs), tuple(probe_jobs), _job_name(alertmanager_job, "alertmanager_job"), runbook_base_url,
                           alertmanagers)
    return {"rules": stack_rules(options), "rule_tests": stack_rule_tests(rule_files, options)}


class FilterModule:
    def filters(self):
        return {"stack_alert_rules": stack_alert_rules}
