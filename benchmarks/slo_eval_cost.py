"""Benchmark, not a test: the evaluation cost in a real Prometheus of the SLO rules the compiler
generates against Sloth-style rules (every one of the seven windows computed from the raw series)
for the same availability SLOs.

A local Prometheus (the `prometheus` binary on PATH, listening on loopback) gets three days and
an hour of vLLM request counters for COMPONENTS components, backfilled with promtool, then kept
current by a small exporter serving the same counters (a function of time, so history and live
data agree). The generated rules' 5m recordings are backfilled too, as a Prometheus that has been
running them for three days would have them. Each rule set is then loaded alone and Prometheus'
own measurement of the group's evaluation time is read after every evaluation; the samples each
evaluation reads come from the query API's statistics.

Run through `make bench`; paste the output into docs/benchmarks.md."""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.rules import Options, agent_rules  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.slo import BURN_ALERTS, burn_factor  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.module_utils.units import format_duration  # noqa: E402

OBJECTIVE = 99.5
HISTORY_SECONDS = 3 * 86400 + 3600
RAW_STEP_SECONDS = 30
EVALUATION_INTERVAL = "10s"
# Per component: two API handlers, three status classes, two replicas, like a scraped vLLM pair.
HANDLERS = ("/v1/chat/completions", "/v1/completions")
STATUSES = {"2xx": 4.0, "4xx": 0.05, "5xx": 0.01}  # requests per second per series
INSTANCES = ("replica-0:8000", "replica-1:8000")


def series_of(components):
    for index in range(components):
        for handler in HANDLERS:
            for status, rate in STATUSES.items():
                for instance in INSTANCES:
                    labels = {"agent": f"agent-{index}", "component": "llm", "kind": "llm", "handler": handler,
                              "method": "POST", "status": status, "instance": instance}
                    yield labels, rate


def label_text(labels):
    return ",".join(f'{key}="{value}"' for key, value in labels.items())


def counter(rate, origin, now):
    return int(rate * (now - origin))


def write_history(path, components, origin, end):
    with path.open("w") as out:
        out.write("# TYPE http_requests counter\n")
        for labels, rate in series_of(components):
            text = label_text(labels)
            for moment in range(origin, end + 1, RAW_STEP_SECONDS):
                out.write(f"http_requests_total{{{text}}} {counter(rate, origin, moment)} {moment}\n")
        out.write("# EOF\n")


def exporter(components, origin, port):
    """Serves the same counters, now: Prometheus keeps scraping where the history ends."""
    catalogue = [(label_text(labels), rate) for labels, rate in series_of(components)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            now = time.time()
            body = "".join(f"http_requests_total{{{text}}} {counter(rate, origin, now)}\n" for text, rate in catalogue)
            data = ("# TYPE http_requests_total counter\n" + body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def description(components):
    return [{"name": f"agent-{index}", "components": [{
        "name": "llm", "kind": "llm", "preset": "vllm", "targets": ["127.0.0.1:1"],
        "slos": [{"sli": "availability", "objective": OBJECTIVE}]}]} for index in range(components)]


def generated_rules(components):
    """The compiler's SLO recordings and SLO alerts (its other rules have no Sloth counterpart)."""
    groups = agent_rules(parse_agents(description(components), {}), Options())["groups"]
    records = [rule for group in groups if group["name"].endswith(":slo") for rule in group["rules"]]
    alerts = [rule for group in groups if group["name"].endswith(":alerts") for rule in group["rules"]
              if rule["alert"] == "SLOErrorBudgetBurn"]
    return records + alerts


def sloth_rules(components):
    """What Sloth generates for the same SLO: one error ratio per window, each from the raw
    series, and the page/ticket multi-window alerts over them."""
    rules = []
    # The parsed SLO of the description, so that the burn factors are the generated ones.
    slo = parse_agents(description(1), {})[0].components[0].slos[0]
    budget = 1 - slo.objective
    windows = sorted({seconds for burn in BURN_ALERTS for seconds in (burn.long, burn.short)})
    for index in range(components):
        own = f'agent="agent-{index}",component="llm"'
        labels = {"sloth_id": f"agent-{index}-llm-availability", "sloth_service": f"agent-{index}", "sloth_slo": "availability"}
        for window in map(format_duration, windows):
            rules.append({
                "record": f"slo:sli_error:ratio_rate{window}",
                "expr": (f'(sum(rate(http_requests_total{{{own},handler=~"/v1/.*",status=~"5.."}}[{window}])))'
                         f' / (sum(rate(http_requests_total{{{own},handler=~"/v1/.*"}}[{window}])))'),
                "labels": dict(labels, sloth_window=window),
            })
        selector = label_text(labels)
        for severity in ("critical", "warning"):
            branches = []
            for burn in BURN_ALERTS:
                if burn.severity != severity:
                    continue
                factor = burn_factor(slo, burn.long, burn.budget_share)
                long_window, short_window = format_duration(burn.long), format_duration(burn.short)
                branches.append(f"(max(slo:sli_error:ratio_rate{long_window}{{{selector}}} > ({factor} * {budget}))"
                                f" without (sloth_window) and max(slo:sli_error:ratio_rate{short_window}{{{selector}}}"
                                f" > ({factor} * {budget})) without (sloth_window))")
            rules.append({"alert": "SLOErrorBudgetBurn", "expr": " or ".join(branches),
                          "labels": {"severity": severity, **labels}})
    return rules


class Prometheus:
    def __init__(self, binary, workdir, port, scrape_port):
        self.binary, self.workdir, self.port, self.scrape_port = binary, workdir, port, scrape_port
        self.process = None
        self.api = f"http://127.0.0.1:{port}/api/v1"

    def configure(self, rule_file=None):
        config = {
            "global": {"scrape_interval": "15s", "evaluation_interval": EVALUATION_INTERVAL},
            "scrape_configs": [{"job_name": "vllm", "honor_labels": True,
                                "static_configs": [{"targets": [f"127.0.0.1:{self.scrape_port}"]}]}],
        }
        if rule_file:
            config["rule_files"] = [str(rule_file)]
        (self.workdir / "prometheus.yml").write_text(yaml.safe_dump(config))

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, f"--config.file={self.workdir / 'prometheus.yml'}", f"--storage.tsdb.path={self.workdir / 'data'}",
             "--storage.tsdb.retention.time=30d", f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle"],
            stdout=subprocess.DEVNULL, stderr=(self.workdir / "prometheus.log").open("a"))
        for _attempt in range(300):
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Prometheus did not become ready; see {self.workdir / 'prometheus.log'}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=120)

    def settle(self, quiet_seconds=75):
        """Waits until the TSDB has finished compacting the backfilled blocks (it checks every
        minute): compactions running beside the rules would be measured with them."""
        last, since = None, time.monotonic()
        while time.monotonic() - since < quiet_seconds:
            metrics = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=30).text
            state = [line for line in metrics.splitlines()
                     if line.startswith(("prometheus_tsdb_compactions_total ", "prometheus_tsdb_blocks_loaded "))]
            if state != last:
                last, since = state, time.monotonic()
            time.sleep(5)

    def reload(self, rule_file):
        self.configure(rule_file)
        requests.post(f"http://127.0.0.1:{self.port}/-/reload", timeout=60).raise_for_status()

    def group_evaluations(self, count):
        """Evaluation time (s) of the loaded group, `count` evaluations after the first."""
        seen, times = None, []
        while len(times) < count + 1:
            groups = requests.get(f"{self.api}/rules", timeout=30).json()["data"]["groups"]
            if groups and groups[0]["lastEvaluation"] != seen and not groups[0]["lastEvaluation"].startswith("0001"):
                seen = groups[0]["lastEvaluation"]
                unhealthy = [rule["name"] for rule in groups[0]["rules"] if rule["health"] != "ok"]
                if unhealthy:
                    raise RuntimeError(f"rules failed to evaluate: {unhealthy[:3]}")
                times.append(groups[0]["evaluationTime"])
            time.sleep(0.5)
        return times[1:]  # the first evaluation after a reload warms caches

    def samples_read(self, rules):
        total = 0
        for rule in rules:
            stats = requests.get(f"{self.api}/query", params={"query": rule["expr"], "stats": "all"},
                                 timeout=60).json()["data"].get("stats", {})
            total += stats.get("samples", {}).get("totalQueryableSamples", 0)
        return total


def run(components, evaluations, port):
    binary = shutil.which("prometheus")
    promtool = shutil.which("promtool")
    if not binary or not promtool:
        sys.exit("prometheus and promtool must be on PATH (make deps puts Debian's in .cache/tools/bin)")
    workdir = Path(tempfile.mkdtemp(prefix="slo-bench-"))
    try:
        now = int(time.time())
        origin, end = now - HISTORY_SECONDS, now - 60
        history = workdir / "history.om"
        write_history(history, components, origin, end)
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(history), str(workdir / "data")],
                       check=True)
        history.unlink()
        server = exporter(components, origin, port + 1)
        prometheus = Prometheus(binary, workdir, port, port + 1)
        prometheus.configure()
        prometheus.start()
        ours, sloth = generated_rules(components), sloth_rules(components)
        # The 5m recordings read the raw series only: backfilled from it, as three days of running them would leave them.
        five_minute = [rule for rule in ours if rule.get("record", "").endswith(("slo_requests:rate5m", "slo_errors:rate5m"))]
        backfill = workdir / "backfill.yml"
        backfill.write_text(yaml.safe_dump({"groups": [{"name": "backfill", "interval": "1m", "rules": five_minute}]}))
        subprocess.run([promtool, "tsdb", "create-blocks-from", "rules", "--quiet", f"--url=http://127.0.0.1:{port}",
                        f"--start={origin + 600}", f"--end={end}", f"--output-dir={workdir / 'recorded'}", str(backfill)],
                       check=True)
        prometheus.stop()
        for block in (workdir / "recorded").iterdir():
            block.rename(workdir / "data" / block.name)
        prometheus.start()
        prometheus.settle()
        rule_sets = {"generated": ours, "sloth-style": sloth}
        times = {name: [] for name in rule_sets}
        # Two alternating rounds, so that whatever else the machine does falls on both.
        for _round in range(2):
            for name, rules in rule_sets.items():
                rule_file = workdir / f"{name}.yml"
                rule_file.write_text(yaml.safe_dump({"groups": [{"name": name, "rules": rules}]}))
                prometheus.reload(rule_file)
                times[name] += prometheus.group_evaluations(evaluations // 2)
        results = {name: (len(rules), statistics.median(times[name]), max(times[name]), prometheus.samples_read(rules))
                   for name, rules in rule_sets.items()}
        prometheus.stop()
        server.shutdown()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{components} components, {len(HANDLERS) * len(STATUSES) * len(INSTANCES)} raw series each, "
          f"{HISTORY_SECONDS // 3600} h of history, {evaluations} evaluations per rule set")
    print("| Rule set | Rules | Median evaluation (ms) | Slowest (ms) | Samples read per evaluation |")
    print("| --- | --- | --- | --- | --- |")
    for name, (count, median, slowest, samples) in results.items():
        print(f"| {name} | {count} | {median * 1000:.1f} | {slowest * 1000:.1f} | {samples:,} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--components", type=int, default=20)
    parser.add_argument("--evaluations", type=int, default=12)
    parser.add_argument("--port", type=int, default=19190, help="Prometheus port; the exporter takes the next one")
    args = parser.parse_args()
    run(args.components, args.evaluations, args.port)


if __name__ == "__main__":
    main()
