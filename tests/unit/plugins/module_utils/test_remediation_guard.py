import json

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils import remediation_guard as guard

ENTRY = {"agent": "support-bot", "component": "search", "alertname": "AgentComponentDown", "action": "restart",
         "service": "support-bot", "hosts": ["agent-1", "agent-2"], "attempts": 2, "window_seconds": 3600.0,
         "cooldown_seconds": 60.0, "after_seconds": 30.0, "environment": "prod"}
START = 1_800_000_000.0


def alert(status="firing", started=START, **labels):
    # Alertmanager writes nanoseconds.
    return {"status": status, "startsAt": guard.iso(started).replace(".000Z", ".000000000Z"),
            "labels": {"alertname": "AgentComponentDown", "agent": "support-bot", "component": "search", "team": "cx",
                       "instance": "agent-2:8081", **labels}}


def fresh():
    return guard.load_state("")[0]


def test_an_alert_that_has_not_fired_long_enough_waits():
    verdict, details = guard.decide(fresh(), ENTRY, alert(), START + 10)
    assert verdict == guard.WAIT
    assert details["reason"] == "AgentComponentDown has fired for 10s of the 30s it must fire before an action"


def test_attempts_cool_down_then_run_out_and_escalate_naming_what_was_tried():
    state = fresh()
    verdict, details = guard.decide(state, ENTRY, alert(), START + 30)
    assert (verdict, details["attempt"]) == (guard.ACT, 1)
    assert guard.record(state, ENTRY, START + 30, True) is False
    verdict, details = guard.decide(state, ENTRY, alert(), START + 60)
    assert verdict == guard.COOLDOWN
    assert details["reason"] == "the last attempt was 30s ago, within the cool-down of 1m"
    verdict, details = guard.decide(state, ENTRY, alert(), START + 91)
    assert (verdict, details["attempt"]) == (guard.ACT, 2)
    guard.record(state, ENTRY, START + 91, True)
    # The last attempt still has its cool-down to clear the alert.
    assert guard.decide(state, ENTRY, alert(), START + 120)[0] == guard.COOLDOWN
    verdict, details = guard.decide(state, ENTRY, alert(), START + 200)
    assert verdict == guard.EXHAUSTED
    assert details["reason"] == ("the 2 attempt(s) of the last 1h are spent: restart at 2027-01-15T08:00:30.000Z (succeeded), "
                                 "restart at 2027-01-15T08:01:31.000Z (succeeded)")
    body = guard.escalation(dict(ENTRY, runbook_url="https://x/runbooks.md#agentremediationescalated"), alert(), details["reason"])
    assert body["labels"] == {"alertname": "AgentRemediationEscalated", "severity": "critical", "agent": "support-bot",
                              "component": "search", "remediated_alert": "AgentComponentDown", "team": "cx"}
    assert "restart at 2027-01-15T08:00:30.000Z (succeeded)" in body["annotations"]["description"]
    assert "endsAt" not in body


def test_the_window_forgets_old_attempts():
    state = fresh()
    for moment in (START + 30, START + 100):
        guard.decide(state, ENTRY, alert(), moment)
        guard.record(state, ENTRY, moment, True)
    assert guard.decide(state, ENTRY, alert(), START + 3700)[0] == guard.ACT
    guard.prune(state, START + 3700 + 86400, 86400)
    assert state["components"]["support-bot/search"]["attempts"] == []


def test_a_rollout_in_progress_refuses_before_anything_else():
    locks = [{"agent": "support-bot", "service": "support-bot", "release": "1.2.0", "host": "agent-1", "expires": START + 600}]
    rollout = guard.active_rollout(locks, ENTRY, START + 5)
    assert rollout == "support-bot 1.2.0 on agent-1 until 2027-01-15T08:10:00.000Z"
    verdict, details = guard.decide(fresh(), ENTRY, alert(), START + 5, rollout)
    assert verdict == guard.ROLLOUT
    assert "no action during a rollout" in details["reason"]


@pytest.mark.parametrize("lock", [
    {"agent": "support-bot", "service": "support-bot", "release": "1", "expires": START - 1},  # expired: the rollout died
    {"agent": "billing-bot", "service": "billing-bot", "release": "1", "expires": START + 600},  # another agent
    {"agent": "support-bot", "expires": "tomorrow"},  # not what agent_rollout writes
    "garbage",
])
def test_locks_that_hold_nothing(lock):
    assert guard.active_rollout([lock], ENTRY, START) is None


def test_a_lock_of_the_service_holds_even_under_another_agent_name():
    lock = {"agent": "bot-fleet", "service": "support-bot", "release": "2", "host": "agent-2", "expires": START + 60}
    assert guard.active_rollout([lock], ENTRY, START) is not None


def test_a_failed_attempt_escalates_and_the_resolution_closes_it():
    state = fresh()
    guard.decide(state, ENTRY, alert(), START + 30)
    assert guard.record(state, ENTRY, START + 30.0004, False, "agent-2: Unable to restart service support-bot") is True
    attempt = state["components"]["support-bot/search"]["attempts"][0]
    assert (attempt["result"], attempt["detail"]) == ("failed", "agent-2: Unable to restart service support-bot")
    verdict, details = guard.decide(state, ENTRY, alert(status="resolved"), START + 300)
    assert (verdict, details["escalated"]) == (guard.RESOLVED, True)
    assert guard.decide(state, ENTRY, alert(status="resolved"), START + 301)[1]["escalated"] is False


def test_spent_attempts_whose_last_failed_keep_escalating_within_the_cool_down():
    state = fresh()
    for moment, succeeded in ((START + 30, True), (START + 100, False)):
        guard.decide(state, ENTRY, alert(), moment)
        guard.record(state, ENTRY, moment, succeeded)
    assert guard.decide(state, ENTRY, alert(), START + 110)[0] == guard.EXHAUSTED


def test_recording_an_attempt_that_never_started_is_an_error():
    with pytest.raises(guard.GuardError, match="no running attempt of support-bot/search"):
        guard.record(fresh(), ENTRY, START, True)


@pytest.mark.parametrize(("event_alert", "message"), [
    ("nope", "event.alert must be an Alertmanager alert"),
    ({"status": "pending", "labels": {}, "startsAt": "2026-01-01T00:00:00Z"}, "event.alert.status must be firing or resolved"),
    ({"status": "firing", "labels": [], "startsAt": "2026-01-01T00:00:00Z"}, "event.alert.labels must be a mapping"),
    ({"status": "firing", "labels": {}, "startsAt": "yesterday"}, "event.alert.startsAt must be an RFC 3339 time"),
    ({"status": "firing", "labels": {}, "startsAt": "2026-01-01T00:00:00"}, "event.alert.startsAt must carry a time zone"),
])
def test_malformed_events_are_named(event_alert, message):
    with pytest.raises(guard.GuardError, match=message):
        guard.decide(fresh(), ENTRY, event_alert, START)


@pytest.mark.parametrize("field", ["agent", "attempts", "window_seconds"])
def test_an_entry_the_rulebook_did_not_compile_is_named(field):
    entry = dict(ENTRY)
    entry[field] = True
    with pytest.raises(guard.GuardError, match=f"remediation.{field} is missing or not"):
        guard.decide(fresh(), entry, alert(), START)


def test_alertmanager_times_with_nanoseconds_and_offsets():
    assert guard.parse_time("2026-12-03T09:00:00.123456789Z", "t") == pytest.approx(1796288400.123456)
    assert guard.parse_time("2026-12-03T10:00:00+01:00", "t") == 1796288400.0


def test_an_unreadable_state_starts_afresh_and_says_so():
    state, warning = guard.load_state("{not json")
    assert state["components"] == {} and "was not JSON" in warning
    assert guard.load_state('["x"]')[1] == "the state file was not the guard's; started afresh"
    state = fresh()
    guard.decide(state, ENTRY, alert(), START + 30)
    assert guard.load_state(guard.dump_state(state))[0] == state


def test_audit_lines_are_ecs_events():
    line = guard.audit_event(ENTRY, alert(), guard.EXHAUSTED, {"reason": "spent", "attempt": 2, "escalate": True}, START)
    assert json.loads(json.dumps(line)) == line
    assert line["@timestamp"] == "2027-01-15T08:00:00.000Z"
    assert line["log"]["level"] == "error"
    assert line["event"] == {"dataset": "llmagentos.remediation", "kind": "event", "category": ["process"], "type": ["info"], "action": "exhausted",
                             "outcome": "success", "reason": "spent"}
    assert line["labels"] == {"agent": "support-bot", "component": "search"}
    assert line["service"] == {"name": "support-bot", "environment": "prod"}
    assert line["llmagentos"]["remediation"] == {"alert": "AgentComponentDown", "decision": "exhausted", "action": "restart",
                                                 "attempt": 2, "attempts": 2, "instance": "agent-2:8081", "escalated": True}
    result = guard.audit_event(ENTRY, alert(), guard.ACT, {"reason": "restart of support-bot on agent-2"}, START, outcome="success")
    assert (result["event"]["action"], result["event"]["outcome"], result["event"]["type"]) == ("restart", "success", ["change"])
    assert result["message"] == "support-bot/search AgentComponentDown: restart (success): restart of support-bot on agent-2"
