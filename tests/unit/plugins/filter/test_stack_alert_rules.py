"""The filter's input and options: the stack's jobs from the scrape configs, and clear errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.stack_alert_rules import stack_alert_rules

SCRAPE_CONFIGS = [{"job_name": "prometheus"}, {"job_name": "node"}, {"job_name": "blackbox", "metrics_path": "/probe"}]


def test_jobs_come_from_the_scrape_configs():
    rules = stack_alert_rules(SCRAPE_CONFIGS, rule_files=["stack.yml"])["rules"]["groups"][0]["rules"]
    exprs = {rule["alert"]: rule["expr"] for rule in rules}
    assert exprs["StackTargetDown"] == 'up{job=~"prometheus|node|blackbox"} == 0'
    assert exprs["BlackboxProbeFailed"] == 'probe_success{job=~"blackbox"} == 0'


@pytest.mark.parametrize("scrape_configs, kwargs, message", [
    ({"job_name": "x"}, {}, "the input must be the list of scrape configs, got dict"),
    (["node"], {}, "scrape config [0] must be a mapping, got str"),
    ([{"static_configs": []}], {}, "[0].job_name must be a non-empty job name"),
    ([{"job_name": "node\n"}], {}, "[0].job_name must be a non-empty job name without control characters, got 'node\\n'"),
    (SCRAPE_CONFIGS, {"rule_files": []}, "rule_files must be a non-empty list of paths"),
    (SCRAPE_CONFIGS, {"rule_files": "stack.yml"}, "rule_files must be a non-empty list of paths"),
    (SCRAPE_CONFIGS, {"alertmanager_job": 7}, "alertmanager_job must be a non-empty job name"),
    (SCRAPE_CONFIGS, {"runbook_base_url": ""}, "runbook_base_url must be a URL prefix"),
    (SCRAPE_CONFIGS, {"alertmanagers": "yes"}, "alertmanagers must be true or false, got 'yes'"),
])
def test_bad_input_is_refused_by_name(scrape_configs, kwargs, message):
    with pytest.raises(AnsibleFilterError) as error:
        stack_alert_rules(scrape_configs, **{"rule_files": ["stack.yml"], **kwargs})
    assert message in str(error.value)
