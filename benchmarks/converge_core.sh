#!/usr/bin/env bash
# Benchmark, not a test: converges the monitoring core (molecule/core) on fresh containers,
# converges it again, and scores every unit with systemd-analyze security, beside the score of
# the distribution's own unit. Prints a Markdown report for docs/benchmarks.md.
# Run through `make bench` so the tools and the image are in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scenario=core
log=$(mktemp)
trap 'molecule destroy -s "$scenario" >/dev/null 2>&1 || true; rm -f "$log"' EXIT

seconds() { local start=$SECONDS; "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }; echo $((SECONDS - start)); }

molecule destroy -s "$scenario" >/dev/null 2>&1 || true
molecule create -s "$scenario" >"$log" 2>&1
molecule prepare -s "$scenario" >"$log" 2>&1
first=$(seconds molecule converge -s "$scenario")
second=$(seconds molecule converge -s "$scenario")
changed=$(grep -Eo 'changed=[0-9]+' "$log" | awk -F= '{s += $2} END {print s + 0}')

score() {  # HOST ARGS...: the overall exposure level systemd-analyze prints
  docker exec "$1" systemd-analyze security --no-pager "${@:2}" 2>/dev/null | sed -nE 's/.*exposure level for .*: ([0-9.]+).*/\1/p'
}

echo "## Monitoring core converge ($(date -u +%Y-%m-%d), $(nproc) cores, molecule/$scenario, two hosts)"
echo
echo "| Run | Seconds | Tasks changed |"
echo "| --- | --- | --- |"
echo "| first converge (packages installed, configured, started) | $first | - |"
echo "| second converge (nothing to do) | $second | $changed |"
echo
echo "| Unit | Host | Exposure (ours) | Exposure (Debian's unit) |"
echo "| --- | --- | --- | --- |"
for pair in llmagentos-core-monitor:prometheus llmagentos-core-monitor:prometheus-alertmanager \
            llmagentos-core-target:prometheus-node-exporter llmagentos-core-target:prometheus-blackbox-exporter; do
  host=${pair%%:*}
  unit=${pair#*:}
  ours=$(score "$host" "$unit")
  debian=$(score "$host" --offline=true "/lib/systemd/system/$unit.service")
  echo "| $unit | $host | $ours | $debian |"
done
