"""The elasticsearch_resource module run by ansible-playbook against the Elasticsearch stand-in of
the Molecule scenario (on loopback, plain HTTP), which stores objects the way Elasticsearch returns
them: the module must see its own body in that form and change nothing on a second run."""

import base64
import json

import pytest
from elasticsearch_helpers import ELASTIC_PASSWORD, elasticsearch_stand_in
from playbook_runner import run_module as run_playbook

from ansible_collections.llmagentos.ops.plugins.modules.elasticsearch_resource import contains, normalize

ROLE = {"cluster": ["monitor", "read_ilm", "read_pipeline"],
        "indices": [{"names": ["logs-llmagentos.agents-*"], "privileges": ["auto_configure", "create_doc"]}]}
POLICY = {"policy": {"_meta": {"managed_by": "llmagentos.ops"},
                     "phases": {"hot": {"actions": {"rollover": {"max_age": "7d"}}},
                                "delete": {"min_age": "30d", "actions": {"delete": {}}}}}}
TEMPLATE = {"index_patterns": ["logs-llmagentos.agents-*"], "data_stream": {}, "priority": 200,
            "template": {"settings": {"index.lifecycle.name": "llmagentos-agent-logs", "number_of_replicas": 0,
                                      "index.hidden": False},
                         "mappings": {"properties": {"log": {"properties": {"level": {"type": "keyword"}}}}}}}


def run_module(tmp_path, cluster, check=False, diff=False, **params):
    credentials = {} if "api_key" in params else {"username": "elastic", "password": ELASTIC_PASSWORD}
    return run_playbook(tmp_path, "elasticsearch_resource", {"url": cluster.url, **credentials, **params}, check, diff)


@pytest.mark.parametrize("kind, body, stored_key", [
    ("role", ROLE, "roles"), ("ilm_policy", POLICY, "ilm"), ("index_template", TEMPLATE, "index_templates"),
    ("component_template", {"template": {"settings": {"number_of_shards": 1}}}, "component_templates"),
])
def test_created_once_then_unchanged_although_stored_in_another_form(tmp_path, cluster, kind, body, stored_key):
    first = run_module(tmp_path, cluster, kind=kind, name="llmagentos-test", body=body)
    assert first["changed"] and first["previous"] is None and first["resource"] is not None
    assert "llmagentos-test" in cluster.state[stored_key]
    second = run_module(tmp_path, cluster, kind=kind, name="llmagentos-test", body=body)
    assert not second["changed"], second


def test_a_changed_field_is_put_with_a_diff_and_check_mode_stores_nothing(tmp_path, cluster):
    run_module(tmp_path, cluster, kind="index_template", name="t", body=TEMPLATE)
    wider = json.loads(json.dumps(TEMPLATE))
    wider["template"]["settings"]["number_of_replicas"] = 1
    checked = run_module(tmp_path, cluster, check=True, diff=True, kind="index_template", name="t", body=wider)
    assert checked["changed"] and '"number_of_replicas": 1' in checked["diff"]["after"]
    assert cluster.state["index_templates"]["t"]["template"]["settings"]["index"]["number_of_replicas"] == "0"
    applied = run_module(tmp_path, cluster, kind="index_template", name="t", body=wider)
    assert applied["changed"] and cluster.state["index_templates"]["t"]["template"]["settings"]["index"]["number_of_replicas"] == "1"


def test_absent_deletes_once(tmp_path, cluster):
    run_module(tmp_path, cluster, kind="role", name="r", body=ROLE)
    assert run_module(tmp_path, cluster, kind="role", name="r", state="absent")["changed"]
    assert "r" not in cluster.state["roles"]
    assert not run_module(tmp_path, cluster, kind="role", name="r", state="absent")["changed"]


def test_a_limited_api_key_is_told_which_privilege_it_lacks(tmp_path, cluster):
    created = cluster.create_api_key({"name": "shipper", "role_descriptors": {"writer": ROLE}}, {}, {"username": "elastic"})
    result = run_module(tmp_path, cluster, kind="role", name="r", body=ROLE,
                        api_key=f"{created['id']}:{created['api_key']}")
    assert result["failed"] and "(HTTP 403)" in result["msg"] and "manage_security privilege" in result["msg"]


@pytest.mark.parametrize("params, message", [
    ({"password": "wrong"}, "refused GET _security/role/r (HTTP 401)"),
    ({"kind": "ilm_policy", "body": {"phases": {}}}, "body of ilm_policy r must be {policy: {phases: ...}}"),
    ({"body": None}, "body is required when state is present: give the role"),
])
def test_errors_say_what_to_fix(tmp_path, cluster, params, message):
    result = run_module(tmp_path, cluster, **dict({"kind": "role", "name": "r", "body": ROLE}, **params))
    assert result["failed"] and message in result["msg"], result["msg"]


def test_settings_compare_the_way_elasticsearch_stores_them():
    stored = {"template": {"settings": {"index": {"lifecycle": {"name": "p"}, "number_of_replicas": "1", "hidden": "false"}}}}
    wanted = {"template": {"settings": {"index.lifecycle.name": "p", "number_of_replicas": 1, "index": {"hidden": False}}}}
    assert contains(normalize(stored), normalize(wanted))
    assert not contains(normalize(stored), normalize({"template": {"settings": {"index.number_of_replicas": 2}}}))
    assert not contains({"names": ["a", "b"]}, {"names": ["a"]})


def test_the_stand_in_refuses_what_elasticsearch_refuses(cluster):
    with pytest.raises(elasticsearch_stand_in.ApiError) as refused:
        cluster.authenticate("Basic " + base64.b64encode(b"elastic:nope").decode())
    assert refused.value.status == 401
