# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The agent simulator as a real process on loopback: its metrics are what the presets select,
its faults change what it records and serves, and its logs have the real programs' formats."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from loopback import free_port
from profiles import PROFILES

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.formats import LOG_FORMATS
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.steps import run

SIMULATOR = Path(__file__).resolve().parents[2] / "roles" / "agent_simulator" / "files" / "agent_simulator.py"


class Simulator:
    def __init__(self, tmp_path, *options):
        self.log_dir = tmp_path / "logs"
        # A free port can be taken by another process before the simulator binds it: try others.
        for _attempt in range(3):
            self.ports = {name: free_port() for name in ("llm", "tool", "engine", "control", "gpu")}
            self.process = subprocess.Popen(
                [sys.executable, str(SIMULATOR), "--listen-address", "127.0.0.1", "--tasks-per-second", "40",
                 "--seed", "7", "--log-dir", str(self.log_dir), *options]
                + [arg for name, port in self.ports.items() for arg in (f"--{name}-port", str(port))],
                stderr=subprocess.PIPE, text=True)
            error = self._started()
            if error is None:
                return
            if "Address already in use" not in error:
                break
        raise RuntimeError(f"the simulator did not start: {error}")

    def _started(self):
        """None once the simulator answers, else what it printed."""
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(self.url("control", "/health"), timeout=1)
                return None
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    return self.process.stderr.read()
                time.sleep(0.1)

    def url(self, component, path):
        return f"http://127.0.0.1:{self.ports[component]}{path}"

    def samples(self, component):
        text = requests.get(self.url(component, "/metrics"), timeout=5).text
        return [sample for family in text_string_to_metric_families(text) for sample in family.samples]

    def value(self, component, name, **labels):
        return sum(sample.value for sample in self.samples(component)
                   if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()))

    def fault(self, component, **fault):
        return requests.put(self.url("control", f"/faults/{component}"), json=fault, timeout=5)


@pytest.fixture(name="simulator")
def fixture_simulator(tmp_path):
    simulator = Simulator(tmp_path)
    yield simulator
    simulator.process.kill()
    simulator.process.wait()


SELECTOR = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{(?P<matchers>.*)\})?$')
MATCHER = re.compile(r'(?P<label>[a-zA-Z_]+)(?P<op>=~|!~|!=|=)"(?P<value>[^"]*)"')


def selects(selector, sample):
    """Whether a PromQL series selector picks this sample (histograms through their _count; the
    parser adds _total to counters whose engine names them without it)."""
    parsed = SELECTOR.match(selector)
    names = {sample.name, re.sub(r"_count$", "", sample.name), re.sub(r"_total$", "", sample.name)}
    if parsed["name"] and parsed["name"] not in names:
        return False
    for m in MATCHER.finditer(parsed["matchers"] or ""):
        actual = sample.labels.get(m["label"], "")
        matched = re.fullmatch(m["value"], actual) is not None if "~" in m["op"] else actual == m["value"]
        if matched == m["op"].startswith("!"):
            return False
    return True


GPU_PRESETS = ("dcgm", "nvidia_smi")


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_what_is_served_is_what_the_profile_describes(profile, tmp_path):
    """Each profile served as written, an engine's by the LLM server and an exporter's by the GPUs:
    its families with their types, and every signal its preset reads (unless the profile lacks it)
    selects a series of what is served."""
    gpus = PROFILES[profile]["preset"] in GPU_PRESETS
    served = Simulator(tmp_path, *(["--gpus", "2", "--gpu-profile", profile] if gpus else ["--llm-profile", profile]))
    try:
        served.fault("llm", error_rate=0.3).raise_for_status()  # so that failure series move
        if gpus:
            served.fault("gpu1", xid=79).raise_for_status()  # so that an Xid's time series exists
        time.sleep(1)
        text = requests.get(served.url("gpu" if gpus else "llm", "/metrics"), timeout=5).text
    finally:
        served.process.kill()
        served.process.wait()
    families = {family.name: family.type for family in text_string_to_metric_families(text)}
    described = {re.sub("_total$", "", family["name"]) if family["type"] == "counter" else family["name"]: family["type"]
                 for family in PROFILES[profile]["families"]}
    assert families == described
    samples = [sample for family in text_string_to_metric_families(text) for sample in family.samples]
    preset = PRESETS[PROFILES[profile]["preset"]]
    for signal_name, signal_spec in preset.signals.items():
        if signal_name in PROFILES[profile]["lacks"]:
            assert not any(selects(name, sample) for name in signal_spec.names for sample in samples), signal_name
        else:
            assert any(selects(name, sample) for name in signal_spec.names for sample in samples), \
                f"{preset.name} signal {signal_name} ({' or '.join(signal_spec.names)}) selects nothing served"


def test_an_unknown_profile_is_refused_naming_the_known_ones():
    result = subprocess.run([sys.executable, str(SIMULATOR), "--llm-profile", "vllm-9"], capture_output=True, text=True,
                            check=False, timeout=30)
    assert result.returncode == 2 and "no exposition profile 'vllm-9'; known profiles: dcgm-default" in result.stderr


def test_a_stalled_engine_queues_requests_and_stops_generating(simulator):
    simulator.fault("llm", stalled=True).raise_for_status()
    time.sleep(0.5)
    tokens = simulator.value("llm", "vllm:generation_tokens_total")
    time.sleep(1)
    assert simulator.value("llm", "vllm:generation_tokens_total") == tokens
    assert simulator.value("llm", "vllm:num_requests_waiting") > 0
    assert simulator.value("llm", "vllm:num_requests_running") == 0


def test_preemptions_and_queue_time_follow_their_faults(simulator):
    simulator.fault("llm", preemptions_per_second=20, queue_seconds=3).raise_for_status()
    time.sleep(1)
    assert simulator.value("llm", "vllm:num_preemptions_total") >= 10
    slow = simulator.value("llm", "vllm:request_queue_time_seconds_count") - simulator.value(
        "llm", "vllm:request_queue_time_seconds_bucket", le="2.5")
    assert slow > 0


def test_without_faults_requests_succeed(simulator):
    time.sleep(1)
    assert simulator.value("llm", "http_requests_total", status="2xx") > 0
    assert simulator.value("llm", "http_requests_total", status="5xx") == 0
    assert simulator.value("tool", "tool_requests_total", code="200") > 0
    assert simulator.value("engine", "agent_tasks_total") > 0
    assert simulator.value("engine", "agent_tasks_failed_total") == 0


def test_a_tool_error_rate_turns_tool_calls_and_tasks_into_failures(simulator):
    assert simulator.fault("tool", error_rate=1).status_code == 200
    ok_before = simulator.value("tool", "tool_requests_total", code="200")
    time.sleep(1.5)
    assert simulator.value("tool", "tool_requests_total", code="200") == ok_before
    failed = sum(simulator.value("tool", "tool_requests_total", code=code) for code in ("500", "502", "503"))
    assert failed > 0
    assert simulator.value("engine", "agent_tasks_failed_total") > 0

    requests.delete(simulator.url("control", "/faults/tool"), timeout=5).raise_for_status()
    time.sleep(0.5)
    failed_after_clear = sum(simulator.value("tool", "tool_requests_total", code=code) for code in ("500", "502", "503"))
    time.sleep(1)
    assert sum(simulator.value("tool", "tool_requests_total", code=code) for code in ("500", "502", "503")) \
        == failed_after_clear


def test_a_release_started_with_a_fault_fails_from_its_first_request(tmp_path):
    simulator = Simulator(tmp_path, "--release", "2.0.0-bad", "--fault", "tool:error_rate=1,latency_seconds=0")
    try:
        assert requests.get(simulator.url("control", "/health"), timeout=5).json() == {"status": "ok", "release": "2.0.0-bad"}
        assert requests.get(simulator.url("control", "/faults"), timeout=5).json()["tool"]["error_rate"] == 1
        time.sleep(1)
        assert simulator.value("tool", "tool_requests_total", code="200") == 0
        assert sum(simulator.value("tool", "tool_requests_total", code=code) for code in ("500", "502", "503")) > 0
    finally:
        simulator.process.kill()
        simulator.process.wait()


def test_a_bad_fault_option_is_refused_at_start_naming_the_field():
    result = subprocess.run([sys.executable, str(SIMULATOR), "--fault", "tool:error_rate=3"], capture_output=True, text=True,
                            check=False, timeout=30)
    assert result.returncode == 2 and "tool.error_rate: expected a number from 0 to 1, got 3.0" in result.stderr


def test_added_latency_shows_in_the_histograms(simulator):
    count_before = simulator.value("tool", "tool_request_duration_seconds_count")
    sum_before = simulator.value("tool", "tool_request_duration_seconds_sum")
    simulator.fault("tool", latency_seconds=3).raise_for_status()
    time.sleep(1)
    calls = simulator.value("tool", "tool_request_duration_seconds_count") - count_before
    assert calls > 0
    assert simulator.value("tool", "tool_request_duration_seconds_sum") - sum_before >= 3 * calls - 3


def test_down_closes_the_port_until_the_fault_is_cleared(simulator):
    simulator.fault("llm", down=True).raise_for_status()
    with pytest.raises(requests.ConnectionError):
        requests.get(simulator.url("llm", "/metrics"), timeout=2)
    time.sleep(0.5)
    assert simulator.value("engine", "agent_tasks_failed_total") > 0
    faults = requests.delete(simulator.url("control", "/faults"), timeout=5).json()
    assert faults["llm"] == {"down": False, "error_rate": 0.0, "latency_seconds": 0.0, "queue_seconds": 0.0,
                             "preemptions_per_second": 0.0, "stalled": False}
    assert requests.get(simulator.url("llm", "/metrics"), timeout=2).status_code == 200


@pytest.mark.parametrize(("component", "body", "message"), [
    ("tool", {"error_rate": 1.5}, "tool.error_rate: expected a number from 0 to 1, got 1.5"),
    ("llm", {"queue_seconds": -1}, "llm.queue_seconds: expected a number from 0 to 600"),
    ("llm", {"stalled": "yes"}, "llm.stalled: expected true or false"),
    ("tool", {"error_rate": "high"}, "tool.error_rate: expected a number"),
    ("llm", {"down": 1}, "llm.down: expected true or false"),
    ("llm", {"latency_seconds": True}, "llm.latency_seconds: expected a number"),
    ("engine", {"errors": 0.5}, "engine.errors: unknown field"),
])
def test_bad_faults_are_refused_with_the_field_named(simulator, component, body, message):
    response = simulator.fault(component, **body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert requests.get(simulator.url("control", "/faults"), timeout=5).json()["tool"]["error_rate"] == 0


@pytest.fixture(name="gpus")
def fixture_gpus(tmp_path, request):
    simulator = Simulator(tmp_path, "--gpus", "2", "--gpu-profile", getattr(request, "param", "dcgm-health"))
    yield simulator
    simulator.process.kill()
    simulator.process.wait()


def per_gpu(simulator, name):
    """{gpu index: value} of one metric, by DCGM's `gpu` label or nvidia_gpu_exporter's uuid."""
    samples = simulator.samples("gpu")
    index_of = {sample.labels["uuid"]: sample.labels["index"] for sample in samples if sample.name == "nvidia_smi_gpu_info"}
    return {sample.labels.get("gpu") or index_of[sample.labels["uuid"]]: sample.value
            for sample in samples if sample.name == name}


def test_each_gpu_has_its_own_identity(gpus):
    samples = [sample for sample in gpus.samples("gpu") if sample.name == "DCGM_FI_DEV_GPU_UTIL"]
    assert sorted(sample.labels["gpu"] for sample in samples) == ["0", "1"]
    for key in ("UUID", "pci_bus_id", "device"):
        assert len({sample.labels[key] for sample in samples}) == 2, key
    assert all(re.fullmatch(r"GPU-[0-9a-f-]{36}", sample.labels["UUID"]) for sample in samples)


def test_an_xid_sets_the_last_code_and_stays_after_the_fault_is_cleared(gpus):
    gpus.fault("gpu0", xid=79).raise_for_status()
    assert per_gpu(gpus, "DCGM_FI_DEV_XID_ERRORS") == {"0": 79, "1": 0}
    requests.delete(gpus.url("control", "/faults/gpu0"), timeout=5).raise_for_status()
    assert per_gpu(gpus, "DCGM_FI_DEV_XID_ERRORS")["0"] == 79


@pytest.mark.parametrize("gpus", ["nvidia-gpu-exporter-nvml"], indirect=True)
def test_the_nvml_backend_shows_the_time_of_each_xid(gpus):
    before = time.time()
    gpus.fault("gpu1", xid=94).raise_for_status()
    gpus.fault("gpu1", xid=79).raise_for_status()
    times = {sample.labels["xid"]: sample.value for sample in gpus.samples("gpu")
             if sample.name == "nvidia_smi_xid_last_timestamp_seconds"}
    assert set(times) == {"79", "94"} and all(before <= value <= time.time() for value in times.values())


@pytest.mark.parametrize(("gpus", "fault", "metric", "value"), [
    ("dcgm-health", {"thermal_slowdown": True}, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS", 0x40),
    ("dcgm-health", {"thermal_slowdown": True, "power_brake_slowdown": True}, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS", 0xC0),
    ("nvidia-gpu-exporter", {"thermal_slowdown": True}, "nvidia_smi_clocks_event_reasons_hw_thermal_slowdown", 1),
    ("nvidia-gpu-exporter", {"power_brake_slowdown": True}, "nvidia_smi_clocks_event_reasons_hw_power_brake_slowdown", 1),
    ("dcgm-health", {"row_remap_pending": True}, "DCGM_FI_DEV_ROW_REMAP_PENDING", 1),
    ("nvidia-gpu-exporter", {"row_remap_failure": True}, "nvidia_smi_remapped_rows_failure", 1),
    ("nvidia-gpu-exporter-nvml", {"recovery_action": 2}, "nvidia_smi_gpu_recovery_action", 2),
], indirect=["gpus"])
def test_a_gpu_fault_shows_on_that_gpu_only(gpus, fault, metric, value):
    gpus.fault("gpu1", **fault).raise_for_status()
    time.sleep(0.6)
    assert per_gpu(gpus, metric) == {"0": 0, "1": value}


@pytest.mark.parametrize(("gpus", "metric"), [("dcgm-health", "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL_total"),
                                              ("nvidia-gpu-exporter", "nvidia_smi_ecc_errors_uncorrected_volatile_total")],
                         indirect=["gpus"])
def test_ecc_errors_are_counted_while_the_fault_lasts(gpus, metric):
    gpus.fault("gpu0", ecc_errors_per_second=20).raise_for_status()
    time.sleep(1)
    first = per_gpu(gpus, metric)["0"]
    time.sleep(1)
    assert per_gpu(gpus, metric)["0"] > first >= 10 and per_gpu(gpus, metric)["1"] == 0


def test_a_lost_gpu_leaves_the_exposition_and_comes_back_when_cleared(gpus):
    gpus.fault("gpu1", lost=True).raise_for_status()
    time.sleep(0.6)
    assert set(per_gpu(gpus, "DCGM_FI_DEV_GPU_UTIL")) == {"0"}
    requests.delete(gpus.url("control", "/faults"), timeout=5).raise_for_status()
    time.sleep(0.6)
    assert set(per_gpu(gpus, "DCGM_FI_DEV_GPU_UTIL")) == {"0", "1"}


def test_a_busy_gpu_computes_fully_with_its_framebuffer_reserved(gpus):
    gpus.fault("gpu0", busy=True).raise_for_status()
    time.sleep(0.6)
    assert per_gpu(gpus, "DCGM_FI_DEV_GPU_UTIL")["0"] == 100
    assert per_gpu(gpus, "DCGM_FI_DEV_FB_USED")["0"] == pytest.approx(0.95 * 80 * 1024)
    assert per_gpu(gpus, "DCGM_FI_DEV_GPU_UTIL")["1"] < 100


def test_a_memory_leak_grows_the_framebuffer_in_use(gpus):
    gpus.fault("gpu1", memory_leak_mib_per_second=4096).raise_for_status()
    time.sleep(0.6)
    first = per_gpu(gpus, "DCGM_FI_DEV_FB_USED")
    time.sleep(1.5)
    second = per_gpu(gpus, "DCGM_FI_DEV_FB_USED")
    # the LLM's KV cache moves both GPUs by a few hundred MiB; the leak adds about 6 GiB
    assert second["1"] - first["1"] > 4096 and abs(second["0"] - first["0"]) < 2048


@pytest.mark.parametrize(("component", "body", "message"), [
    ("gpu0", {"xid": 300}, "gpu0.xid: expected a whole number from 0 to 255, got 300"),
    ("gpu0", {"xid": 79.5}, "gpu0.xid: expected a whole number from 0 to 255, got 79.5"),
    ("gpu1", {"lost": "yes"}, "gpu1.lost: expected true or false"),
    ("gpu1", {"down": True}, "gpu1.down: unknown field; expected one of xid, "),
    ("gpu2", {"xid": 79}, "unknown component 'gpu2'; expected one of llm, tool, engine, gpu0, gpu1"),
])
def test_bad_gpu_faults_are_refused_with_the_field_named(gpus, component, body, message):
    response = gpus.fault(component, **body)
    assert response.status_code == 400 and message in response.json()["error"]
    assert per_gpu(gpus, "DCGM_FI_DEV_XID_ERRORS") == {"0": 0, "1": 0}


def test_without_gpus_there_is_no_gpu_port_and_no_gpu_fault(simulator):
    with pytest.raises(requests.ConnectionError):
        requests.get(simulator.url("gpu", "/metrics"), timeout=2)
    assert "unknown component 'gpu0'" in simulator.fault("gpu0", xid=79).json()["error"]


def test_a_body_that_is_not_json_is_refused(simulator):
    response = requests.put(simulator.url("control", "/faults/tool"), data="error_rate=1", timeout=5)
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]


VLLM_LINE = re.compile(r'^(INFO|ERROR) \d\d-\d\d \d\d:\d\d:\d\d \[[a-z_]+\.py:\d+\] .+$')
UVICORN_LINE = re.compile(r'^INFO:     [\d.]+:\d+ - "POST /v1/chat/completions HTTP/1\.1" (200 OK|500 Internal Server Error)$')
CELERY_LINE = re.compile(r'^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: (INFO|ERROR)/MainProcess\] Task agent\.run_task\[[0-9a-f-]{36}\] '
                         r'(succeeded in \d+\.\d{3}s: None|raised unexpected: .+)$')


def test_logs_have_the_formats_of_the_real_programs(simulator):
    simulator.fault("llm", error_rate=0.5).raise_for_status()
    time.sleep(1.5)
    llm_lines = (simulator.log_dir / "llm.log").read_text().splitlines()
    assert llm_lines and all(VLLM_LINE.match(line) or UVICORN_LINE.match(line) for line in llm_lines)
    assert any(line.startswith("ERROR") for line in llm_lines)
    assert any(line.endswith("500 Internal Server Error") for line in llm_lines)
    tool_records = [json.loads(line) for line in (simulator.log_dir / "tool.log").read_text().splitlines()]
    assert tool_records and all(record["http.response.status_code"] == 200 and record["event.duration"] > 0
                                for record in tool_records)
    engine_lines = (simulator.log_dir / "engine.log").read_text().splitlines()
    assert engine_lines and all(CELERY_LINE.match(line) for line in engine_lines)
    assert any("raised unexpected: InternalServerError" in line for line in engine_lines)


def test_sigterm_stops_it_cleanly(simulator):
    simulator.process.send_signal(signal.SIGTERM)
    assert simulator.process.wait(timeout=10) == 0


def test_the_collection_log_formats_read_every_line_it_writes(simulator):
    """The simulator's logs are the inputs of the vllm, json and celery log formats."""
    simulator.fault("llm", error_rate=0.5).raise_for_status()
    simulator.fault("engine", error_rate=0.5).raise_for_status()
    time.sleep(1.5)
    events = {name: [run(LOG_FORMATS[fmt].steps, line)[0]
                     for line in (simulator.log_dir / f"{name}.log").read_text().splitlines()]
              for name, fmt in (("llm", "vllm"), ("tool", "json"), ("engine", "celery"))}
    llm = events["llm"]
    assert {event.get("http.response.status_code") for event in llm} >= {200, 500}
    assert any(event.get("gen_ai.request.max_tokens") == 1024 and event["gen_ai.response.id"].startswith("chatcmpl-")
               for event in llm)
    assert any(event.get("log.level") == "ERROR" and "EngineDeadError" in event.get("error.message", "") for event in llm)
    assert all("@timestamp" in event for event in llm if "log.origin.file.name" in event)
    assert all(event["http.response.status_code"] == 200 and event["log.level"] == "info" for event in events["tool"])
    engine = events["engine"]
    assert any(event.get("event.duration", 0) > 0 and event["celery.task.name"] == "agent.run_task" for event in engine)
    assert any(event.get("log.level") == "ERROR" and event.get("error.message") for event in engine)


def test_the_role_offers_every_profile_for_what_it_imitates():
    """The role's choices are the profiles: the engines' for the LLM server, the exporters' for the GPUs."""
    options = yaml.safe_load((SIMULATOR.parents[1] / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    gpu_profiles = sorted(name for name, profile in PROFILES.items() if profile["preset"] in GPU_PRESETS)
    assert sorted(options["agent_simulator_gpu_profile"]["choices"]) == gpu_profiles
    assert sorted(options["agent_simulator_llm_profile"]["choices"]) == sorted(set(PROFILES) - set(gpu_profiles))
