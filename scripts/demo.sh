#!/usr/bin/env bash
# The README's demo: `demo.sh up` starts the sandbox containers, deploys the monitoring core
# on them and prints where to look; `demo.sh down` removes them. Run through `make demo`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
inventory=inventories/sandbox

up() {
  ansible-playbook -i "$inventory" playbooks/sandbox.yml
  ansible-playbook -i "$inventory" playbooks/monitoring.yml
  echo "Waiting for every scrape job to have its targets up and for the Watchdog alert to reach Alertmanager..."
  local status=""
  for _ in $(seq 1 45); do
    status=$(python3 - <<'PY'
import json, re, urllib.request

def get(url):
    return json.load(urllib.request.urlopen(url, timeout=5))["data"]

try:
    jobs = set(re.findall(r"^- job_name: (\S+)", get("http://127.0.0.1:9090/api/v1/status/config")["yaml"], re.M))
    targets = get("http://127.0.0.1:9090/api/v1/targets?state=active")["activeTargets"]
    alerts = json.load(urllib.request.urlopen("http://127.0.0.1:9093/api/v2/alerts", timeout=5))
except OSError:
    print("waiting")
else:
    up = sum(t["health"] == "up" for t in targets)
    ready = jobs == {t["labels"]["job"] for t in targets} and up == len(targets) and any(
        a["labels"].get("alertname") == "Watchdog" for a in alerts)
    print(f"{'ready' if ready else 'waiting'} {up} {len(targets)} {len(alerts)}")
PY
    )
    case "$status" in ready*) break ;; esac
    sleep 2
  done
  read -r state up_targets total alerts <<<"$status"
  [ "$state" = ready ] || echo "Not everything is up yet ($status); the URLs below show what is missing."
  cat <<EOT

The monitoring core is running in local containers ($up_targets of $total targets up, $alerts alert(s) in Alertmanager):
  Prometheus    http://127.0.0.1:9090/targets   (alerts: http://127.0.0.1:9090/alerts)
  Alertmanager  http://127.0.0.1:9093/          (Watchdog always fires: it proves alerts flow)
Inventory: $inventory   Playbook: playbooks/monitoring.yml
Remove everything with: make demo-down
EOT
}

down() {
  ansible-playbook -i "$inventory" playbooks/sandbox.yml -e sandbox_state=absent
  docker network rm llmagentos-sandbox >/dev/null 2>&1 || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
