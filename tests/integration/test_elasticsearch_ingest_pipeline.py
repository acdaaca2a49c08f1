"""The elasticsearch_ingest_pipeline module run by ansible-playbook against the Elasticsearch
stand-in of the Molecule scenario on loopback (no Elasticsearch can be installed here):
idempotence, check mode, diff, samples checked before anything is stored (the stand-in's
_simulate runs grok with the collection's engine), deletion, and errors a person can act on."""

import json

import pytest
from playbook_runner import run_module as run_playbook

from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.agent_log_samples import agent_log_samples

BODY = {"description": "test", "processors": [
    {"set": {"field": "labels.agent", "value": "bot"}},
    {"grok": {"field": "message", "patterns": ["^%{LOGLEVEL:log.level} %{GREEDYDATA:message}$"]}},
]}


@pytest.fixture(name="api_key")
def fixture_api_key(cluster):
    """An API key with the owner's rights (no role descriptors), as id:key."""
    created = cluster.create_api_key({"name": "pipelines"}, {}, {"username": "elastic"})
    return f"{created['id']}:{created['api_key']}"


def run_module(tmp_path, cluster, key, check=False, diff=False, **params):
    params = {"id": "llmagentos-bot-llm", "url": cluster.url, "api_key": key, **params}
    return run_playbook(tmp_path, "elasticsearch_ingest_pipeline", params, check, diff)


def puts(cluster):
    return [request for request in cluster.requests if request[0] == "PUT"]


def test_creates_then_changes_nothing_then_updates_with_a_diff(tmp_path, cluster, api_key):
    first = run_module(tmp_path, cluster, api_key, body=BODY)
    assert first["changed"] and first["previous"] is None and cluster.state["pipelines"]["llmagentos-bot-llm"] == BODY
    second = run_module(tmp_path, cluster, api_key, body=BODY)
    assert not second["changed"]
    assert puts(cluster) == [("PUT", "/_ingest/pipeline/llmagentos-bot-llm")]
    updated = dict(BODY, description="new")
    third = run_module(tmp_path, cluster, api_key, diff=True, body=updated)
    assert third["changed"] and third["previous"] == BODY and third["pipeline"] == updated
    assert '"description": "test"' in third["diff"]["before"] and '"description": "new"' in third["diff"]["after"]


def test_check_mode_reports_the_change_and_stores_nothing(tmp_path, cluster, api_key):
    result = run_module(tmp_path, cluster, api_key, check=True, body=BODY)
    assert result["changed"] and cluster.state["pipelines"] == {} and not puts(cluster)


def test_samples_are_proven_before_the_live_pipeline_is_replaced(tmp_path, cluster, api_key):
    cluster.state["pipelines"]["llmagentos-bot-llm"] = BODY
    good = run_module(tmp_path, cluster, api_key, body=dict(BODY, description="v2"),
                      samples=[{"line": "INFO up", "expect": {"log.level": "INFO"}}])
    assert good["changed"] and cluster.state["pipelines"]["llmagentos-bot-llm"]["description"] == "v2"
    wrong = run_module(tmp_path, cluster, api_key, body=dict(BODY, description="v3"),
                       samples=[{"line": "INFO up", "expect": {"log.level": "WARN"}}])
    assert wrong["failed"] and "field log.level is 'INFO', expected 'WARN'" in wrong["msg"]
    broken = run_module(tmp_path, cluster, api_key, body=dict(BODY, description="v3"),
                        samples=[{"line": "BROKEN line", "expect": {}}])
    assert broken["failed"] and "'BROKEN line' failed: illegal_argument_exception: Provided Grok expressions" in broken["msg"]
    assert cluster.state["pipelines"]["llmagentos-bot-llm"]["description"] == "v2"


def test_a_compiled_pipeline_is_stored_only_if_it_redacts_the_planted_secrets(tmp_path, cluster, api_key):
    """The redaction samples are lines stored unparsed (tagged) and redacted; a pipeline that lost
    its redaction step is refused before anything is stored."""
    description = [{"name": "bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["10.0.0.5:8000"],
                                                   "logs": {"paths": ["/var/log/vllm.log"], "format": "vllm"}}]}]
    body = agent_ingest_pipelines(description)["llmagentos-bot-llm"]
    samples = agent_log_samples(description)["llmagentos-bot-llm"]

    def as_data(name, value):
        """A body read from a file: the pipeline's {{{_ingest...}}} templates are Elasticsearch's, not Jinja."""
        (tmp_path / name).write_text(json.dumps(value))
        return "{{ lookup('ansible.builtin.file', '%s') | from_json }}" % (tmp_path / name)

    stored = run_module(tmp_path, cluster, api_key, body=as_data("body.json", body), samples=samples)
    assert stored.get("changed"), stored.get("msg")
    assert cluster.state["pipelines"]["llmagentos-bot-llm"] == body
    unredacted = dict(body, processors=[processor for processor in body["processors"] if "script" not in processor
                                        or processor["script"].get("tag") != "llmagentos-redaction"], description="v2")
    refused = run_module(tmp_path, cluster, api_key, body=as_data("unredacted.json", unredacted), samples=samples)
    assert refused["failed"] and "pipeline llmagentos-bot-llm was not stored" in refused["msg"]
    assert "field source.address is '10.0.3.7', expected '<IP>'" in refused["msg"]
    assert cluster.state["pipelines"]["llmagentos-bot-llm"] == body


def test_absent_deletes_once(tmp_path, cluster, api_key):
    cluster.state["pipelines"]["llmagentos-bot-llm"] = BODY
    assert run_module(tmp_path, cluster, api_key, state="absent")["changed"]
    assert not run_module(tmp_path, cluster, api_key, state="absent")["changed"]


@pytest.mark.parametrize("params, message", [
    ({"api_key": "id:wrong"}, "refused GET _ingest/pipeline/llmagentos-bot-llm (HTTP 401): check api_key"),
    ({"body": {"description": "no processors"}},
     "answered PUT /_ingest/pipeline/llmagentos-bot-llm with HTTP 400: parse_exception: [processors] required property is missing"),
    ({"url": "http://127.0.0.1:9"}, "cannot reach Elasticsearch at http://127.0.0.1:9"),
    ({"body": None}, "body is required when state is present"),
])
def test_errors_say_what_to_fix(tmp_path, cluster, api_key, params, message):
    params = {"body": BODY, **params}
    result = run_module(tmp_path, cluster, params.pop("api_key", api_key), **params)
    assert result["failed"] and message in result["msg"], result["msg"]
