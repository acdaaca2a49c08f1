#!/usr/bin/env bash
# Runs Molecule scenarios in LANES parallel lanes (round robin over the names given), each lane
# one scenario after another. A scenario spends most of its time waiting on its containers, so two
# lanes on two cores take little more than the longer lane. Each lane's output goes to
# build/molecule/lane-N.log and is printed when the lane ends. Exits non-zero if any scenario failed.
#
#   bash scripts/molecule-lanes.sh LANES SCENARIO...
set -uo pipefail
lanes=$1
shift
logs=build/molecule
mkdir -p "$logs"

run_lane() {
  local status=0 scenario
  for scenario in "$@"; do
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

scenarios=("$@")
pids=()
for ((lane = 0; lane < lanes; lane++)); do
  mine=()
  for ((index = lane; index < ${#scenarios[@]}; index += lanes)); do mine+=("${scenarios[index]}"); done
  run_lane "${mine[@]}" > "$logs/lane-$lane.log" 2>&1 &
  pids+=($!)
done

status=0
for ((lane = 0; lane < lanes; lane++)); do
  wait "${pids[lane]}" || status=1
  echo "##### lane $lane"
  cat "$logs/lane-$lane.log"
done
grep -h "^=== scenario" "$logs"/lane-*.log
# A failed scenario's cause, last, where a truncated CI log still shows it (the last errors: some
# scenarios provoke errors on purpose before the one that failed them).
while read -r failed; do
  echo "##### why $failed failed"
  grep -n -E -A12 '^(fatal|failed):|^CRITICAL|^ERROR|^\[ERROR\]' "$logs/$failed.log" | tail -60
done < <(sed -n 's/^=== scenario \(.*\) FAILED$/\1/p' "$logs"/lane-*.log)
exit $status
