"""The alertmanager_silence and prometheus_gate modules run by ansible-playbook against a real
Alertmanager and a real Prometheus (the binaries `make deps` unpacks) on loopback; Prometheus
scrapes a tiny exporter whose values the tests change."""

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from loopback import free_port, http_get, wait_until
from playbook_runner import run_module
from tools import tool


class Exporter(BaseHTTPRequestHandler):
    values = {}

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        body = "".join(f"{series} {value}\n" for series, value in self.values.items()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@pytest.fixture(name="prometheus", scope="module")
def fixture_prometheus(tmp_path_factory):
    work = tmp_path_factory.mktemp("prometheus")
    Exporter.values = {'agent_up{agent="bot"}': 1, 'agent_error_ratio{agent="bot"}': 0.01}
    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    (work / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        f"scrape_configs: [{{job_name: agent, static_configs: [{{targets: ['127.0.0.1:{exporter.server_address[1]}']}}]}}]\n")
    port = free_port()
    process = subprocess.Popen([tool("prometheus"), f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
                                f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: '"agent_error_ratio"' in http_get(f"{url}/api/v1/query?query=agent_error_ratio")[1], "the first scrape", 60)
    yield url
    process.terminate()
    process.wait()
    exporter.shutdown()


def silences(alertmanager):
    return json.loads(http_get(f"{alertmanager}/api/v2/silences")[1])


def silence(tmp_path, alertmanager, check=False, **params):
    return run_module(tmp_path, "alertmanager_silence", {"url": alertmanager, **params}, check=check)


def test_a_silence_is_created_once_renewed_when_longer_and_expired(tmp_path, alertmanager):
    matchers = {"agent": "bot", "instance": "host-1:8000"}
    checked = silence(tmp_path, alertmanager, check=True, matchers=matchers, duration="30m")
    assert checked["changed"] and not [s for s in silences(alertmanager) if s["status"]["state"] == "active"]
    created = silence(tmp_path, alertmanager, matchers=matchers, duration="30m", comment="rolling update")
    again = silence(tmp_path, alertmanager, matchers=matchers, duration="30m")
    assert created["changed"] and not again["changed"] and again["silence_id"] == created["silence_id"]
    active = [s for s in silences(alertmanager) if s["status"]["state"] == "active"]
    assert len(active) == 1 and active[0]["comment"] == "rolling update" and active[0]["createdBy"] == "llmagentos.ops"
    assert sorted((m["name"], m["value"]) for m in active[0]["matchers"]) == [("agent", "bot"), ("instance", "host-1:8000")]
    renewed = silence(tmp_path, alertmanager, matchers=matchers, duration="2h")
    assert renewed["changed"] and len([s for s in silences(alertmanager) if s["status"]["state"] == "active"]) == 1
    expired = silence(tmp_path, alertmanager, matchers=matchers, state="absent")
    assert expired["changed"] and expired["expired"] == [renewed["silence_id"]]
    assert not [s for s in silences(alertmanager) if s["status"]["state"] == "active"]
    assert not silence(tmp_path, alertmanager, matchers=matchers, state="absent")["changed"]


def test_regex_matchers_and_another_author_are_other_silences(tmp_path, alertmanager):
    regex = [{"name": "instance", "value": "gpu-0[12]:.*", "is_regex": True}, {"name": "agent", "value": "bot"}]
    first = silence(tmp_path, alertmanager, matchers=regex)
    other = silence(tmp_path, alertmanager, matchers=regex, created_by="oncall")
    assert first["changed"] and other["changed"] and first["silence_id"] != other["silence_id"]
    ours = silence(tmp_path, alertmanager, matchers=regex, state="absent")
    assert ours["expired"] == [first["silence_id"]]
    assert [s["createdBy"] for s in silences(alertmanager) if s["status"]["state"] == "active"] == ["oncall"]


@pytest.mark.parametrize("params, message", [
    ({"matchers": [{"name": "agent"}]}, "matchers[0] must have a name and a value"),
    ({"matchers": {}}, "matchers must be a non-empty mapping"),
    ({"matchers": {"agent": "bot"}, "duration": "soon"}, "duration must be like 30m, 2h or 1h30m"),
    ({"matchers": [{"name": "agent", "value": "(", "is_regex": True}]}, "Alertmanager answered POST /api/v2/silences with HTTP 400"),
    ({"matchers": {"agent": "bot"}, "url": "http://127.0.0.1:9"}, "cannot reach Alertmanager at http://127.0.0.1:9"),
])
def test_silence_errors_say_what_to_fix(tmp_path, alertmanager, params, message):
    result = silence(tmp_path, alertmanager, **params)
    assert result["failed"] and message in result["msg"], result["msg"]


def gate(tmp_path, prometheus, check=False, **params):
    return run_module(tmp_path, "prometheus_gate", {"url": prometheus, "interval": "1s", "settle": "0s", **params}, check=check)


HEALTHY = [{"name": "up", "query": 'agent_up{agent="bot"}', "min": 1},
           {"name": "error rate", "query": 'agent_error_ratio{agent="bot"}', "max": 0.05}]


def test_a_healthy_service_passes_the_gate_at_every_evaluation(tmp_path, prometheus):
    Exporter.values.update({'agent_up{agent="bot"}': 1, 'agent_error_ratio{agent="bot"}': 0.01})
    result = gate(tmp_path, prometheus, check=True, checks=HEALTHY, duration="3s")
    assert not result.get("failed") and not result["changed"] and result["evaluations"] >= 3
    assert result["results"][1]["series"][0]["value"] == 0.01


def test_an_error_rate_above_the_bound_stops_the_gate_naming_it(tmp_path, prometheus):
    Exporter.values['agent_error_ratio{agent="bot"}'] = 0.5
    wait_until(lambda: '"0.5"' in http_get(f"{prometheus}/api/v1/query?query=agent_error_ratio")[1], "the bad value scraped")
    result = gate(tmp_path, prometheus, checks=HEALTHY, duration="1m")
    assert result["failed"] and result["evaluations"] == 0
    assert "gate 'error rate' failed: agent_error_ratio{agent=\"bot\"} is 0.5" in result["msg"] and "outside max 0.05" in result["msg"]
    Exporter.values['agent_error_ratio{agent="bot"}'] = 0.01


def test_a_service_gets_the_settle_time_to_become_healthy(tmp_path, prometheus):
    Exporter.values['agent_up{agent="bot"}'] = 0
    wait_until(lambda: '"0"]' in http_get(f"{prometheus}/api/v1/query?query=agent_up")[1], "the service down")
    threading.Timer(2, lambda: Exporter.values.update({'agent_up{agent="bot"}': 1})).start()
    result = gate(tmp_path, prometheus, checks=HEALTHY, settle="30s", duration="2s")
    assert not result.get("failed") and result["evaluations"] >= 2, result.get("msg")
    Exporter.values['agent_up{agent="bot"}'] = 0
    wait_until(lambda: '"0"]' in http_get(f"{prometheus}/api/v1/query?query=agent_up")[1], "the service down")
    never = gate(tmp_path, prometheus, checks=HEALTHY, settle="3s", duration="2s")
    Exporter.values['agent_up{agent="bot"}'] = 1
    assert never["failed"] and "gate 'up' failed" in never["msg"] and "never held within settle 3s" in never["msg"]


def test_a_service_that_turns_bad_during_the_window_fails_it(tmp_path, prometheus):
    Exporter.values['agent_up{agent="bot"}'] = 1
    wait_until(lambda: '"1"]' in http_get(f"{prometheus}/api/v1/query?query=agent_up")[1], "the service up")
    threading.Timer(2, lambda: Exporter.values.update({'agent_up{agent="bot"}': 0})).start()
    result = gate(tmp_path, prometheus, checks=HEALTHY, duration="20s")
    Exporter.values['agent_up{agent="bot"}'] = 1
    assert result["failed"] and result["evaluations"] >= 1 and "gate 'up' failed" in result["msg"] and "outside min 1" in result["msg"]


@pytest.mark.parametrize("checks, message", [
    ([{"name": "missing", "query": 'agent_up{agent="nobody"}', "min": 1}], "gate 'missing' failed: agent_up{agent=\"nobody\"} returned no series"),
    ([{"name": "bad", "query": "rate(agent_up[", "max": 1}], "Prometheus answered GET /api/v1/query with HTTP 400"),
    ([{"name": "no bound", "query": "agent_up"}], "checks[0] needs min and/or max"),
    ([{"query": "agent_up", "min": "one"}], "checks[0] needs a name; checks[0].min must be a number"),
])
def test_gate_errors_say_what_to_fix(tmp_path, prometheus, checks, message):
    result = gate(tmp_path, prometheus, checks=checks, duration="0s")
    assert result["failed"] and message in result["msg"], result["msg"]


def test_no_series_passes_when_the_check_allows_it(tmp_path, prometheus):
    result = gate(tmp_path, prometheus, checks=[{"name": "errors", "query": 'agent_up{agent="nobody"}', "max": 0, "if_empty": "pass"}],
                  duration="0s")
    assert not result.get("failed") and result["results"][0]["series"] == []
