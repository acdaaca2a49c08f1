#!/usr/bin/env bash
# The README's demo: `demo.sh up` starts the sandbox containers, runs site.yml on them (the
# monitoring core, and the agent simulator deployed as the support bot) and prints where to
# look; `demo.sh fault` makes the bot's search tool fail; `demo.sh down` removes it all. Run
# through `make demo`, `make demo-fault` and `make demo-down`. The playbooks run by their
# collection names from ANSIBLE_COLLECTIONS_PATH; LLMAGENTOS_DEMO_COLLECTION names the collection
# whose sandbox inventory to use (this checkout by default; the tests point both at an installed
# Galaxy artifact).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
inventory=${LLMAGENTOS_DEMO_COLLECTION:-$root}/inventories/sandbox

up() {
  ansible-playbook -i "$inventory" llmagentos.ops.sandbox
  ansible-playbook -i "$inventory" llmagentos.ops.site
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
  grafana
  [ "$state" = ready ] || echo "Not everything is up yet ($status); the URLs below show what is missing."
  cat <<EOT

The monitoring core and the support bot (the agent simulator) run in local containers
($up_targets of $total targets up, $alerts alert(s) in Alertmanager):
  Prometheus    http://127.0.0.1:9090/targets   (alerts: http://127.0.0.1:9090/alerts)
  Alertmanager  http://127.0.0.1:9093/          (Watchdog always fires: it proves alerts flow)
  $grafana_line
Make the bot's search tool fail 60 % of its calls:
  make demo-fault
and within two minutes Alertmanager shows ToolAPIErrorRateHigh for support-bot/search (and the
failing tasks' TaskFailureRateHigh). Heal it with: make demo-fault FAULT=heal
Inventory: $inventory   Playbook: llmagentos.ops.site
Remove everything with: make demo-down
EOT
}

# Grafana with the agents' dashboards on the monitor, where Grafana's package repository answers
# (a machine with internet); elsewhere one line says why not.
grafana_line="Grafana       not installed: Grafana's repository (https://apt.grafana.com) is not reachable from here"
grafana() {
  if ! python3 -c 'import urllib.request; urllib.request.urlopen("https://apt.grafana.com/gpg.key", timeout=5)' 2>/dev/null; then
    return 0
  fi
  local extra
  extra=$(mktemp --suffix=.yml)
  printf 'all:\n  children:\n    grafana:\n      hosts:\n        llmagentos-sandbox-monitor:\n' >"$extra"
  # The second inventory source must not move where the controller keeps the CA and passwords.
  if ansible-playbook -i "$inventory" -i "$extra" llmagentos.ops.site --tags grafana \
      -e llmagentos_pki_dir="$inventory/.llmagentos/pki" -e llmagentos_credentials_dir="$inventory/.llmagentos/credentials"; then
    grafana_line="Grafana       http://127.0.0.1:3000/d/llmagentos-fleet  (and /d/llmagentos-support-bot; user admin, password in $inventory/.llmagentos/credentials/web/grafana.admin)"
  else
    grafana_line="Grafana       failed to install (see the play above); the rest of the demo runs without it"
  fi
  rm -f "$extra"
}

fault() {
  if [ "${1:-}" = heal ]; then
    python3 -c 'import urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8090/faults", method="DELETE"), timeout=5)'
    echo "Faults cleared: the alerts resolve within a few minutes."
  else
    python3 -c 'import urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8090/faults/tool", data=b"{\"error_rate\": 0.6}", headers={"Content-Type": "application/json"}, method="PUT"), timeout=5)'
    echo "The search tool now fails 60 % of its calls. Watch http://127.0.0.1:9093/#/alerts (ToolAPIErrorRateHigh, within two minutes)."
  fi
}

down() {
  ansible-playbook -i "$inventory" llmagentos.ops.sandbox -e sandbox_state=absent
  docker network rm llmagentos-sandbox >/dev/null 2>&1 || true
}

case "${1:-}" in
  up) up ;;
  fault) fault "${2:-}" ;;
  down) down ;;
  *) echo "usage: $0 up|fault [heal]|down" >&2; exit 2 ;;
esac
