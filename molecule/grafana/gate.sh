#!/usr/bin/env bash
# Exit 0 when this scenario can run: Grafana's package repository answers. Used by `make molecule`.
repository="${LLMAGENTOS_GRAFANA_REPOSITORY:-https://apt.grafana.com}"
if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' \
    "$repository/gpg.key" 2>/dev/null; then
  exit 0
fi
echo "SKIPPED grafana: Grafana's repository $repository is not reachable from this machine, so the real"
echo "Grafana cannot be installed; the scenario runs where it is (or set LLMAGENTOS_GRAFANA_REPOSITORY to"
echo "a mirror). The role is tested here with a stand-in: molecule/archive."
exit 1
