#!/usr/bin/env bash
# Exit 0 when this scenario can run: Elastic's package repository answers. Used by `make molecule`.
repository="${LLMAGENTOS_ELASTIC_REPOSITORY:-https://artifacts.elastic.co}"
if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' \
    "$repository/GPG-KEY-elasticsearch" 2>/dev/null; then
  exit 0
fi
echo "SKIPPED elastic_stack: Elastic's repository $repository is not reachable from this machine, so the real"
echo "Elasticsearch, Kibana and Filebeat cannot be installed; the scenario runs where it is (or set"
echo "LLMAGENTOS_ELASTIC_REPOSITORY to a mirror). The roles are tested here with stand-ins: molecule/elastic."
exit 1
