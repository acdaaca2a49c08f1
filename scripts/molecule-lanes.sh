#!/usr/bin/env bash
# Runs Molecule scenarios in LANES parallel lanes, each lane taking the next scenario of the list
# (longest first) when it is free. A scenario spends most of its time waiting on its containers, so
# two lanes on two cores take little more than the longer lane. Each lane's output goes to
# build/molecule/lane-N.log and is printed when the lane ends. Exits non-zero if any scenario failed.
#
#   bash scripts/molecule-lanes.sh LANES SCENARIO...
set -uo pipefail
lanes=$1
shift
logs=build/molecule
mkdir -p "$logs"

queue=$logs/.queue
# The next scenario of the queue, or nothing once it is empty; one lane at a time.
take() {
  exec 9>"$queue.lock"
  flock 9
  head -n 1 "$queue"
  sed -i '1d' "$queue"
}

run_lane() {
  local status=0 scenario
  while scenario=$(take) && [ -n "$scenario" ]; do
    if [ -x "molecule/$scenario/gate.sh" ] && ! "molecule/$scenario/gate.sh"; then continue; fi
    echo "=== molecule test -s $scenario ($(date +%T))"
    molecule test -s "$scenario" 2>&1 | tee "$logs/$scenario.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; echo "=== scenario $scenario FAILED"; }
    echo "=== scenario $scenario done ($(date +%T))"
  done
  return $status
}

# The scenarios share one network: made here once, not by two lanes at the same moment.
docker network inspect llmagentos-molecule >/dev/null 2>&1 \
  || docker network create --label llmagentos.molecule=true llmagentos-molecule >/dev/null

printf '%s\n' "$@" > "$queue"
pids=()
for ((lane = 0; lane < lanes; lane++)); do
  run_lane > "$logs/lane-$lane.log" 2>&1 &
  pids+=($!)
done

status=0
for ((lane = 0; lane < lanes; lane++)); do
  wait "${pids[lane]}" || status=1
  echo "##### lane $lane"
  cat "$logs/lane-$lane.log"
done
grep -h "^=== scenario" "$logs"/lane-*.log
# A failed scenario's cause, last, where a truncated CI log still shows it: its last errors, then
# the last failed tasks by name, their results cut short (some scenarios provoke errors on purpose
# before the one that failed them).
while read -r failed; do
  echo "##### why $failed failed"
  grep -n -E -A12 '^(fatal|failed):|^CRITICAL|^\[ERROR\]' "$logs/$failed.log" | tail -40
  echo "##### $failed: its last failed tasks"
  awk '/^TASK \[/ { task = $0 } /^(fatal|failed):/ && !/\.\.\.ignoring/ { print FNR ": " task; print "  " substr($0, 1, 700) }' \
    "$logs/$failed.log" | tail -8
done < <(sed -n 's/^=== scenario \(.*\) FAILED$/\1/p' "$logs"/lane-*.log)
exit $status
