"""The textfile writer of Logstash's and Filebeat's statistics (roles/common/files/elastic_stats_textfile.py)."""

import http.server
import importlib.util
import json
import math
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from loopback import free_port
from tools import tool

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).parent / "fixtures"
_SPEC = importlib.util.spec_from_file_location("elastic_stats_textfile", ROOT / "roles/common/files/elastic_stats_textfile.py")
stats = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(stats)


def samples(families):
    """{(name, sorted label items): value} of an exposition, read back with prometheus_client's parser."""
    text = stats.exposition(families).decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def test_logstash_pipelines_queue_reloads_and_output_failures():
    found = samples(stats.logstash_metrics(fixture("logstash_node_stats_pipelines.json"), ["llmagentos-agents", "gone"]))
    agents = (("pipeline", "llmagentos-agents"),)
    assert found[("logstash_up", ())] == 1
    assert found[("logstash_pipeline_up", agents)] == 1
    assert found[("logstash_pipeline_up", (("pipeline", "gone"),))] == 0
    assert found[("logstash_pipeline_events_in_total", agents)] == 5210
    assert found[("logstash_pipeline_events_out_total", agents)] == 5000
    # The failure (09:15) is newer than the success (08:00): the pipeline runs its previous configuration.
    assert found[("logstash_pipeline_last_reload_successful", agents)] == 0
    assert found[("logstash_pipeline_last_reload_successful", (("pipeline", "extra"),))] == 1
    assert found[("logstash_pipeline_reloads_failures_total", agents)] == 2
    assert found[("logstash_pipeline_queue_size_bytes", agents)] == 858993459
    assert found[("logstash_pipeline_queue_max_size_bytes", agents)] == 1073741824
    assert found[("logstash_pipeline_queue_events", agents)] == 210
    # A memory queue has no size on disk to watch.
    assert ("logstash_pipeline_queue_max_size_bytes", (("pipeline", "extra"),)) not in found
    assert found[("logstash_pipeline_dead_letter_queue_dropped_events_total", agents)] == 4
    output = (("pipeline", "llmagentos-agents"), ("plugin_id", "es-agents"))
    assert found[("logstash_output_bulk_requests_failures_total", output)] == 7
    assert found[("logstash_output_documents_rejected_total", output + (("reason", "non_retryable"),))] == 3
    assert found[("logstash_output_documents_rejected_total", output + (("reason", "dlq_routed"),))] == 7
    # Counters Logstash has not incremented yet are 0, so rate() has a start; other outputs are left out.
    assert found[("logstash_output_bulk_requests_failures_total", (("pipeline", "extra"), ("plugin_id", "es-extra")))] == 0
    assert not [key for key in found if ("plugin_id", "stdout-debug") in key[1]]
    # The redaction's counting filters, by agent, component and kind; one not reached yet is 0.
    llm = agents + (("agent", "support-bot"), ("component", "llm"))
    redacted = {labels: value for (name, labels), value in found.items() if name == "logstash_redacted_events_total"}
    assert redacted == {tuple(sorted(llm + (("kind", "email"),))): 12, tuple(sorted(llm + (("kind", "card"),))): 0}


def test_filebeat_output_and_pipeline_counters():
    found = samples(stats.filebeat_metrics(fixture("filebeat_stats.json")))
    output = (("output", "elasticsearch"),)
    assert found[("filebeat_up", ())] == 1
    assert found[("filebeat_output_events_acked_total", output)] == 49000
    assert found[("filebeat_output_events_failed_total", output)] == 120
    assert found[("filebeat_output_events_dropped_total", output)] == 6
    assert found[("filebeat_output_events_active", output)] == 50
    assert found[("filebeat_output_write_errors_total", output)] == 5
    assert found[("filebeat_output_read_errors_total", output)] == 1
    assert found[("filebeat_pipeline_events_dropped_total", ())] == 1
    assert found[("filebeat_harvester_open_files", ())] == 4
    assert found[("filebeat_registrar_writes_failed_total", ())] == 2


@pytest.mark.parametrize("metrics", [lambda document: stats.logstash_metrics(document, ["main"]), stats.filebeat_metrics])
@pytest.mark.parametrize("document", [{}, {"pipelines": []}, {"pipelines": {"main": None}}, {"pipelines": {"main": {"events": "x"}}},
                                      {"libbeat": {"output": {"type": 3, "events": {"acked": True}}}},
                                      {"pipelines": {"main": {"reloads": {"last_failure_timestamp": "yesterday"},
                                                              "queue": {"type": "persisted", "capacity": []},
                                                              "plugins": {"outputs": [None, {"name": "elasticsearch"}]}}}}])
def test_documents_of_another_shape_still_give_valid_metrics(metrics, document):
    families = metrics(document)
    found = samples(families)
    assert not any(math.isnan(value) for value in found.values())
    assert found[(families[0].name, ())] == 1


@pytest.mark.parametrize("metrics,name", [(stats.logstash_metrics, "logstash_up"), (stats.filebeat_metrics, "filebeat_up")])
def test_no_answer_is_up_zero_and_nothing_else(metrics, name):
    assert samples(metrics(None)) == {(name, ()): 0}


def test_the_exposition_passes_promtool():
    text = stats.exposition(stats.logstash_metrics(fixture("logstash_node_stats_pipelines.json"), ["main"])
                            + stats.filebeat_metrics(fixture("filebeat_stats.json")))
    # promtool check metrics reads the exposition from stdin and also reports naming problems.
    result = subprocess.run([tool("promtool"), "check", "metrics"], input=text, capture_output=True, check=False)
    assert result.returncode == 0 and not result.stdout + result.stderr, (result.stdout + result.stderr).decode()


class _Replies(http.server.BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Replies)
    server.body = b"{}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def _run_once(api, tmp_path, service, *extra):
    output = tmp_path / f"llmagentos-{service}.prom"
    stats.main([service, "--url", f"http://127.0.0.1:{api.server_port}", "--output", str(output), "--once", *extra])
    return output


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{" * 100000, b" " * (stats.MAX_BODY_BYTES + 2)])
def test_a_broken_answer_is_up_zero(api, tmp_path, capsys, body):
    api.body = body
    output = _run_once(api, tmp_path, "filebeat")
    assert "filebeat_up 0.0" in output.read_text()
    assert "cannot read http://127.0.0.1" in capsys.readouterr().err


def test_the_file_is_replaced_whole_and_readable_by_node_exporter(api, tmp_path):
    api.body = (FIXTURES / "logstash_node_stats_pipelines.json").read_bytes()
    output = _run_once(api, tmp_path, "logstash", "--pipeline", "llmagentos-agents")
    assert 'logstash_pipeline_up{pipeline="llmagentos-agents"} 1.0' in output.read_text()
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o644
    assert [path.name for path in tmp_path.iterdir()] == [output.name]


def test_an_api_that_is_down_is_up_zero(tmp_path):
    output = tmp_path / "llmagentos-logstash.prom"
    stats.main(["logstash", "--url", f"http://127.0.0.1:{free_port()}", "--output", str(output), "--once", "--timeout", "1"])
    assert output.read_text().splitlines()[-1] == "logstash_up 0.0"
