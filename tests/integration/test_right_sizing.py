"""The right-sizing report from three days of backfilled history: promtool writes the
recordings into blocks, a real Prometheus on loopback serves them, and the playbook writes the
report from what it answers."""

import csv
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import free_port, http_get, wait_until
from tools import tool

ROOT = Path(__file__).resolve().parents[2]
STEP = 300
DAYS = 3


def history(end):
    """OpenMetrics of three days: support-bot's GPUs cycle evenly through 0-99 % (p95 about 94 %), its
    LLM's hosts idle at 10 % CPU, its KV cache steady at 60 %; another agent's CPU busy at 50 %."""
    series = {
        'llmagentos:gpu_utilization:avg{agent="support-bot",component="gpus",kind="gpu"}': lambda i: round((i % 96) / 95 * 0.99, 4),
        'llmagentos:host_cpu_utilization:ratio{agent="support-bot",component="llm",kind="llm"}': lambda i: 0.1,
        'llmagentos:kv_cache_usage:max{agent="support-bot",component="llm",kind="llm"}': lambda i: 0.6,
        'llmagentos:host_cpu_utilization:ratio{agent="router-bot",component="llm",kind="llm"}': lambda i: 0.5,
    }
    count = DAYS * 86400 // STEP
    lines = []
    for name in sorted({key.split("{")[0] for key in series}):
        lines.append(f"# TYPE {name} gauge")
        for key, value in series.items():
            if key.startswith(name + "{"):
                lines += [f"{key} {value(index)} {end - (count - index) * STEP}" for index in range(count)]
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(name="prometheus", scope="module")
def fixture_prometheus(tmp_path_factory):
    work = tmp_path_factory.mktemp("backfilled")
    end = int(subprocess.run(["date", "+%s"], capture_output=True, text=True, check=True).stdout) // 3600 * 3600 - 3600
    (work / "history.om").write_text(history(end))
    subprocess.run([tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(work / "history.om"), str(work / "data")],
                   capture_output=True, text=True, check=True)
    (work / "prometheus.yml").write_text("global: {scrape_interval: 1m}\n")
    port = free_port()
    process = subprocess.Popen([tool("prometheus"), f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
                                "--storage.tsdb.retention.time=30d", f"--web.listen-address=127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    query = f"{url}/api/v1/query?query=count(llmagentos:host_cpu_utilization:ratio)&time={end}"
    wait_until(lambda: '"2"' in http_get(query)[1], "the backfilled blocks loaded", 60)
    yield url, end
    process.terminate()
    process.wait()


def report(tmp_path, url, end, *args):
    result = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(ROOT / "playbooks" / "right_sizing.yml"), "-e", f"ansible_python_interpreter={sys.executable}",
         "-e", json.dumps({"prometheus_url": url, "llmagentos_web_auth": False, "right_sizing_days": DAYS,
                           "right_sizing_at": str(end), "right_sizing_dest": str(tmp_path / "report")}), *args],
        capture_output=True, text=True, check=False, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    return result.returncode, result.stdout + result.stderr


def test_the_report_gives_use_headroom_and_what_to_change_per_component(tmp_path, prometheus):
    url, end = prometheus
    code, output = report(tmp_path, url, end)
    assert code == 0, output
    rows = {(row["agent"], row["component"], row["resource"]): row
            for row in csv.DictReader((tmp_path / "report" / "right-sizing.csv").read_text().splitlines())}
    assert set(rows) == {("router-bot", "llm", "CPU"), ("support-bot", "gpus", "GPU compute"),
                         ("support-bot", "llm", "KV cache"), ("support-bot", "llm", "CPU")}
    gpus = rows[("support-bot", "gpus", "GPU compute")]
    assert 0.48 <= float(gpus["p50"]) <= 0.51 and 0.93 <= float(gpus["p95"]) <= 0.95 and float(gpus["max"]) == 0.99
    assert gpus["action"] == "grow" and float(gpus["suggested_factor"]) == pytest.approx(float(gpus["p95"]) / 0.7, abs=1e-3)
    cpu = rows[("support-bot", "llm", "CPU")]
    assert (cpu["action"], float(cpu["p95"]), float(cpu["headroom"])) == ("shrink", 0.1, 0.9)
    assert float(cpu["suggested_factor"]) == pytest.approx(0.1 / 0.7, abs=1e-3)
    assert rows[("support-bot", "llm", "KV cache")]["action"] == "keep" and rows[("router-bot", "llm", "CPU")]["action"] == "keep"
    text = (tmp_path / "report" / "right-sizing.md").read_text()
    assert f"last {DAYS} days (to {time.strftime('%Y-%m-%d %H:%M', time.gmtime(end))} UTC)" in text
    assert f"| 99% | {float(gpus['headroom']) * 100:.0f}% | grow to about ×{float(gpus['suggested_factor']):.2f} |" in text
    assert "| support-bot | llm | CPU | 10% | 10% | 10% | 90% | shrink to about ×0.14 |" in text
    png = (tmp_path / "report" / "right-sizing.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1000, 300)
    assert "3 of 4 allocations to change" not in output and "2 of 4 allocations to change" in output


def test_a_second_run_over_the_same_window_changes_nothing_and_check_mode_writes_nothing(tmp_path, prometheus):
    url, end = prometheus
    assert report(tmp_path, url, end)[0] == 0
    code, output = report(tmp_path, url, end)
    assert code == 0 and "changed=0" in output, output
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    code, output = report(fresh, url, end, "--check")
    assert code == 0 and "changed=1" in output and not (fresh / "report").exists(), output


def test_one_agent_and_bad_settings(tmp_path, prometheus):
    url, end = prometheus
    code, output = report(tmp_path, url, end, "-e", '{"right_sizing_agents": ["router-bot"]}')
    assert code == 0, output
    assert "1 of 1 allocations" not in output and "0 of 1 allocations to change" in output
    code, output = report(tmp_path, url, end, "-e", "right_sizing_days=0", "-e", "right_sizing_target_utilization=1.5")
    assert code != 0
    assert "days must be from 1 to 400, got 0; target_utilization must be from 0.1 to 0.95, got 1.5" in output
    code, output = report(tmp_path, "http://127.0.0.1:9", end)
    assert code != 0 and "cannot reach Prometheus at http://127.0.0.1:9" in output
