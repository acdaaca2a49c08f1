import asyncio
import base64
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ansible_collections.llmagentos.ops.extensions.eda.plugins.event_source import alertmanager as source

ALERT = {"status": "firing", "labels": {"alertname": "AgentComponentDown", "agent": "support-bot", "component": "search",
                                        "instance": "agent-2:8081"},
         "annotations": {"summary": "down"}, "startsAt": "2026-12-03T09:00:00.123456789Z", "endsAt": "0001-01-01T00:00:00Z"}
PAYLOAD = {"version": "4", "receiver": "llmagentos-remediation", "groupKey": "{}:{alertname=\"AgentComponentDown\"}",
           "status": "firing", "alerts": [ALERT, dict(ALERT, status="resolved", labels=dict(ALERT["labels"], instance="[::1]:8081"))]}
CREDENTIALS = "Basic " + base64.b64encode(b"alertmanager:s3cret").decode()


def serve(requests, password="s3cret", max_body_bytes=1048576):
    """Sends (method, path, headers, body) requests; returns their (status, text) and the events queued."""
    async def run():
        queue = asyncio.Queue()
        client = TestClient(TestServer(source.application(queue, "alertmanager", password, max_body_bytes)))
        await client.start_server()
        try:
            answers = []
            for method, path, headers, body in requests:
                response = await client.request(method, path, headers=headers, data=body)
                answers.append((response.status, await response.text()))
        finally:
            await client.close()
        events = []
        while not queue.empty():
            events.append(queue.get_nowait())
        return answers, events
    return asyncio.run(run())


def test_one_event_per_alert_shaped_as_ansible_eda_shapes_them():
    answers, events = serve([("POST", "/alerts", {"Authorization": CREDENTIALS}, json.dumps(PAYLOAD))])
    assert answers == [(202, "received 2 alert(s)")]
    assert [event["alert"]["status"] for event in events] == ["firing", "resolved"]
    # No meta.hosts: ansible-rulebook would limit the remediation playbook to them.
    assert events[0]["meta"] == {"endpoint": "alerts", "receiver": "llmagentos-remediation", "group_key": PAYLOAD["groupKey"]}
    # The credentials of the request never reach an event (and so no rule, playbook or log).
    assert "s3cret" not in json.dumps(events) and "headers" not in events[0]["meta"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic " + base64.b64encode(b"alertmanager:wrong").decode()},
                                     {"Authorization": "Basic !!!"}, {"Authorization": "Bearer s3cret"},
                                     {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}])
def test_a_request_without_the_password_is_refused(headers):
    answers, events = serve([("POST", "/alerts", headers, json.dumps(PAYLOAD))])
    assert answers[0][0] == 401 and events == []


@pytest.mark.parametrize(("body", "message"), [
    ("{not json", "the body is not JSON"),
    ("[]", "the body must be a JSON object, got list"),
    ('{"alerts": {}}', "alerts must be a list"),
    ('{"alerts": [1]}', "alerts[0] must be an object"),
    ('{"alerts": [{"status": "pending", "labels": {}, "startsAt": "x"}]}', "alerts[0].status must be firing or resolved, got 'pending'"),
    ('{"alerts": [{"status": "firing", "labels": {"a": 1}, "startsAt": "x"}]}', "alerts[0].labels must map label names to strings"),
    ('{"alerts": [{"status": "firing", "labels": {}}]}', "alerts[0].startsAt must be a time"),
])
def test_what_is_not_an_alertmanager_notification_gets_400_and_no_event(body, message):
    answers, events = serve([("POST", "/alerts", {"Authorization": CREDENTIALS}, body)])
    assert answers[0][0] == 400 and message in answers[0][1], answers
    assert events == []


def test_a_body_over_the_limit_gets_413():
    answers, events = serve([("POST", "/alerts", {"Authorization": CREDENTIALS}, json.dumps(PAYLOAD))], max_body_bytes=100)
    assert answers[0][0] == 413 and events == []


def test_health_answers_without_credentials_and_says_nothing_else():
    assert serve([("GET", "/health", {}, None)])[0] == [(200, "up")]


def test_without_a_password_file_no_credentials_are_asked():
    answers, events = serve([("POST", "/alerts", {}, json.dumps(PAYLOAD))], password=None)
    assert answers[0][0] == 202 and len(events) == 2


@pytest.mark.parametrize(("args", "message"), [
    ({}, "give certfile and keyfile, password_file, or both"),
    ({"certfile": "/c"}, "give both certfile and keyfile, or neither"),
])
def test_a_listener_with_neither_tls_nor_a_password_must_be_asked_for(args, message):
    with pytest.raises(ValueError, match=message):
        source._settings(args)  # pylint: disable=protected-access


def test_an_empty_password_file_is_refused(tmp_path):
    (tmp_path / "password").write_text("\n")
    with pytest.raises(ValueError, match="holds no password"):
        source._settings({"password_file": str(tmp_path / "password")})  # pylint: disable=protected-access
