"""The elasticsearch_ingest_pipeline module run by ansible-playbook against a stand-in for the
Elasticsearch ingest API on loopback (no Elasticsearch can be installed here): idempotence, check
mode, diff, samples checked before anything is stored, deletion, and errors a person can act on.
The stand-in's _simulate answers from the sample line itself; a real node runs the same requests
in the Elastic Molecule scenario."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

BODY = {"description": "test", "processors": [{"set": {"field": "labels.agent", "value": "bot"}}]}


class FakeIngestApi(BaseHTTPRequestHandler):
    pipelines = {}
    requests = []
    api_key = "aWQ6c2VjcmV0"  # base64 of id:secret

    def _reply(self, status, body=None):
        payload = json.dumps(body if body is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.requests.append((self.command, self.path))
        if self.headers.get("Authorization") != f"ApiKey {self.api_key}":
            return self._reply(401, {"error": {"type": "security_exception", "reason": "unable to authenticate"}})
        if self.path == "/_ingest/pipeline/_simulate":
            docs = []
            for doc in body["docs"]:
                line = doc["_source"]["message"]
                if "BROKEN" in line:
                    docs.append({"error": {"root_cause": [{"type": "illegal_argument_exception",
                                                           "reason": "Provided Grok expressions do not match field value"}]}})
                else:
                    docs.append({"doc": {"_source": {"message": line, "log": {"level": line.split()[0]}}}})
            return self._reply(200, {"docs": docs})
        name = self.path.rsplit("/", 1)[-1]
        if self.command == "GET":
            return self._reply(200, {name: self.pipelines[name]}) if name in self.pipelines else self._reply(404, {})
        if self.command == "PUT":
            if "processors" not in body:
                return self._reply(400, {"error": {"root_cause": [{"type": "parse_exception",
                                                                   "reason": "[processors] required property is missing"}]}})
            self.pipelines[name] = body
            return self._reply(200, {"acknowledged": True})
        if self.command == "DELETE":
            self.pipelines.pop(name, None)
            return self._reply(200, {"acknowledged": True})
        return self._reply(405, {})

    do_GET = do_PUT = do_DELETE = do_POST = _handle

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@pytest.fixture(name="api")
def fixture_api():
    FakeIngestApi.pipelines, FakeIngestApi.requests = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeIngestApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run_module(tmp_path, base_url, check=False, diff=False, **params):
    params = {"id": "llmagentos-bot-llm", "url": base_url, "api_key": "id:secret", **params}
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "Pipeline", "llmagentos.ops.elasticsearch_ingest_pipeline": params}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    command = ["ansible-playbook", "-i", "localhost,", str(tmp_path / "play.yml")] + (["--check"] if check else []) \
        + (["--diff"] if diff else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"))
    return json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_creates_then_changes_nothing_then_updates_with_a_diff(tmp_path, api):
    first = run_module(tmp_path, api, body=BODY)
    assert first["changed"] and first["previous"] is None and FakeIngestApi.pipelines["llmagentos-bot-llm"] == BODY
    second = run_module(tmp_path, api, body=BODY)
    assert not second["changed"]
    assert [request for request in FakeIngestApi.requests if request[0] == "PUT"] == [("PUT", "/_ingest/pipeline/llmagentos-bot-llm")]
    updated = dict(BODY, description="new")
    third = run_module(tmp_path, api, diff=True, body=updated)
    assert third["changed"] and third["previous"] == BODY and third["pipeline"] == updated
    assert '"description": "test"' in third["diff"]["before"] and '"description": "new"' in third["diff"]["after"]


def test_check_mode_reports_the_change_and_stores_nothing(tmp_path, api):
    result = run_module(tmp_path, api, check=True, body=BODY)
    assert result["changed"] and FakeIngestApi.pipelines == {}
    assert not any(method == "PUT" for method, _path in FakeIngestApi.requests)


def test_samples_are_proven_before_the_live_pipeline_is_replaced(tmp_path, api):
    FakeIngestApi.pipelines["llmagentos-bot-llm"] = BODY
    good = run_module(tmp_path, api, body=dict(BODY, description="v2"), samples=[{"line": "INFO up", "expect": {"log.level": "INFO"}}])
    assert good["changed"] and FakeIngestApi.pipelines["llmagentos-bot-llm"]["description"] == "v2"
    wrong = run_module(tmp_path, api, body=dict(BODY, description="v3"), samples=[{"line": "INFO up", "expect": {"log.level": "WARN"}}])
    assert wrong["failed"] and "field log.level is 'INFO', expected 'WARN'" in wrong["msg"]
    broken = run_module(tmp_path, api, body=dict(BODY, description="v3"), samples=[{"line": "BROKEN line", "expect": {}}])
    assert broken["failed"] and "'BROKEN line' failed: illegal_argument_exception: Provided Grok expressions" in broken["msg"]
    assert FakeIngestApi.pipelines["llmagentos-bot-llm"]["description"] == "v2"


def test_absent_deletes_once(tmp_path, api):
    FakeIngestApi.pipelines["llmagentos-bot-llm"] = BODY
    assert run_module(tmp_path, api, state="absent")["changed"]
    assert not run_module(tmp_path, api, state="absent")["changed"]


@pytest.mark.parametrize("params, message", [
    ({"api_key": "id:wrong"}, "refused GET _ingest/pipeline/llmagentos-bot-llm (HTTP 401): check api_key"),
    ({"body": {"description": "no processors"}}, "failed with HTTP 400: parse_exception: [processors] required property is missing"),
    ({"url": "http://127.0.0.1:9"}, "cannot reach Elasticsearch at http://127.0.0.1:9"),
    ({"body": None}, "body is required when state is present"),
])
def test_errors_say_what_to_fix(tmp_path, api, params, message):
    result = run_module(tmp_path, api, **dict({"body": BODY}, **params))
    assert result["failed"] and message in result["msg"], result["msg"]
