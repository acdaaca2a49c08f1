#!/usr/bin/env bash
# Benchmark, not a test: the monitoring core converged with the llmagentos.ops.monitoring playbook
# from release archives (pipelining on) on fresh systemd containers, as a user runs it: one host
# with all four components, then a fleet of five (one with all four, four more with
# node_exporter). For each: the first run, a re-run that changes nothing, and the tasks run.
# Prints Markdown for docs/benchmarks.md. Run through `make bench` (tools and image in place).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
prefix=llmagentos-bench
remove_hosts() {
  docker ps -aq --filter "name=^$prefix-" | xargs -r docker rm -f >/dev/null
  docker network rm "$prefix" >/dev/null 2>&1 || true
}
trap 'remove_hosts; rm -rf "$work"' EXIT
remove_hosts

bash molecule/archive/files/make-archives.sh "$work/archives" "$root/.cache/tools" >/dev/null
# The stand-in archives pack Debian's Alertmanager, which reads its templates from disk.
templates="$root/.cache/tools/root/usr/share/prometheus/alertmanager"

start_hosts() {  # COUNT: fresh containers $prefix-1..COUNT on their own network
  docker network create --label llmagentos.molecule=true "$prefix" >/dev/null
  for i in $(seq 1 "$1"); do
    docker run -d --name "$prefix-$i" --hostname "$prefix-$i" --network "$prefix" --label llmagentos.molecule=true \
      --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
      "${LLMAGENTOS_MOLECULE_IMAGE:-llmagentos/molecule-debian12:latest}" >/dev/null
    docker exec "$prefix-$i" mkdir -p /usr/share/prometheus/alertmanager
    docker cp "$templates/." "$prefix-$i:/usr/share/prometheus/alertmanager/"
  done
  for i in $(seq 1 "$1"); do
    until [ "$(docker exec "$prefix-$i" systemctl is-system-running 2>/dev/null)" = running ]; do sleep 1; done
  done
}

write_inventory() {  # COUNT
  {
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: community.docker.docker"
    echo "    ansible_user: root"
    echo "  children:"
    for group in prometheus alertmanager blackbox_exporter; do
      echo "    $group: {hosts: {$prefix-1: {}}}"
    done
    echo "    node_exporter:"
    echo "      hosts:"
    for i in $(seq 1 "$1"); do echo "        $prefix-$i: {}"; done
  } >"$work/hosts.yml"
  cat >"$work/vars.yml" <<YAML
---
prometheus_install_method: archive
alertmanager_install_method: archive
node_exporter_install_method: archive
blackbox_exporter_install_method: archive
YAML
  sed 1d "$work/archives/archives.yml" >>"$work/vars.yml"
}

converge() {  # LOG: runs the playbook once; prints its seconds
  local start=$SECONDS
  ANSIBLE_PIPELINING=true ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks ANSIBLE_FORCE_COLOR=0 \
    ansible-playbook -i "$work/hosts.yml" -e "@$work/vars.yml" llmagentos.ops.monitoring >"$1" 2>&1 \
    || { tail -40 "$1" >&2; return 1; }
  echo $((SECONDS - start))
}

tasks_run() {  # LOG: tasks that ran on some host (ok, changed or failed), summed over hosts
  grep -cE '^(ok|changed): \[' "$1"
}

changed() {  # LOG
  grep -Eo 'changed=[0-9]+' "$1" | awk -F= '{s += $2} END {print s + 0}'
}

echo "## Monitoring core converge ($(date -u +%Y-%m-%d), $(nproc) cores, llmagentos.ops.monitoring from release archives)"
echo
echo "| Hosts | First run (s) | Re-run (s) | Re-run changed | Task results, re-run |"
echo "| --- | --- | --- | --- | --- |"
for count in 1 5; do
  remove_hosts
  start_hosts "$count"
  write_inventory "$count"
  first=$(converge "$work/first.log")
  second=$(converge "$work/second.log")
  echo "| $count | $first | $second | $(changed "$work/second.log") | $(tasks_run "$work/second.log") |"
  # LLMAGENTOS_BENCH_LOGS=DIR keeps the runs' logs (with profile_tasks' timings) there.
  if [ -n "${LLMAGENTOS_BENCH_LOGS:-}" ]; then
    cp "$work/first.log" "$LLMAGENTOS_BENCH_LOGS/first-$count.log"
    cp "$work/second.log" "$LLMAGENTOS_BENCH_LOGS/rerun-$count.log"
  fi
done
