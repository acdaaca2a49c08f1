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
  echo "Waiting for Prometheus to scrape every target..."
  local up_targets="" total=""
  for _ in $(seq 1 30); do
    read -r up_targets total < <(python3 - <<'PY'
import json, urllib.request
try:
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:9090/api/v1/targets?state=active", timeout=5))["data"]["activeTargets"]
    print(sum(t["health"] == "up" for t in targets), len(targets))
except OSError:
    print(0, 0)
PY
    )
    [ "$total" != 0 ] && [ "$up_targets" = "$total" ] && break
    sleep 2
  done
  cat <<EOT

The monitoring core is running in local containers ($up_targets of $total targets up):
  Prometheus    http://127.0.0.1:9090/targets   (alerts: http://127.0.0.1:9090/alerts)
  Alertmanager  http://127.0.0.1:9093/          (the Watchdog alert should be listed)
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
