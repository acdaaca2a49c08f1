#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: alertmanager_silence
short_description: Create, renew or expire an Alertmanager silence
version_added: 0.1.0
description:
  - Silences the alerts that match I(matchers) for I(duration), through Alertmanager's v2 API, so a
    host being updated does not page anyone. A silence is identified by its matchers and
    I(created_by); running the task again finds the same silence instead of adding another, and
    renews it only when less than nine tenths of I(duration) remain.
  - With I(state=absent) every active or pending silence with those matchers and that creator is
    expired, which lets the alerts through again.
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Reports whether a silence would be created, renewed or expired, and changes nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
options:
  url:
    description: Base URL of Alertmanager.
    type: str
    default: http://127.0.0.1:9093
  matchers:
    description:
      - Label matchers of the silence. A mapping of label names to values matches those labels
        exactly; a list gives each matcher as C(name), C(value), and optionally C(is_regex) and
        C(is_equal) (C(false) for C(!=) and C(!~)).
    type: raw
    required: true
  duration:
    description: How long the silence lasts from now, such as C(30m), C(2h) or C(1h30m).
    type: str
    default: 1h
  comment:
    description: Why the alerts are silenced; shown in Alertmanager.
    type: str
    default: Silenced by llmagentos.ops
  created_by:
    description: Author of the silence; with the matchers, what identifies it on later runs.
    type: str
    default: llmagentos.ops
  state:
    description: C(present) creates or renews the silence, C(absent) expires it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - llmagentos.ops.connection
  - llmagentos.ops.connection.basic_auth
"""

EXAMPLES = r"""
- name: Silence the agent's alerts on this host while it is updated
  llmagentos.ops.alertmanager_silence:
    url: http://alertmanager-1.example.internal:9093
    matchers:
      agent: support-bot
      instance: "{{ inventory_hostname }}:8000"
    duration: 30m
    comment: Rolling update of support-bot to {{ release }}
  delegate_to: localhost

- name: Let the alerts through again
  llmagentos.ops.alertmanager_silence:
    url: http://alertmanager-1.example.internal:9093
    matchers:
      - {name: agent, value: support-bot}
      - {name: instance, value: "gpu-0[12]:.*", is_regex: true}
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
silence_id:
  description: Id of the silence created or kept (null when absent or in check mode before creation).
  returned: always
  type: str
expired:
  description: Ids of the silences expired.
  returned: always
  type: list
  elements: str
ends_at:
  description: When the silence ends (RFC 3339), for I(state=present).
  returned: success
  type: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import (
    BASIC_AUTH_ARGUMENT_SPEC, BASIC_AUTH_OPTIONS, ApiError, basic_auth_client)
from ansible_collections.llmagentos.ops.plugins.module_utils.units import duration_seconds


def normalize_matchers(matchers):
    """The matchers as Alertmanager stores them, sorted; raises ValueError naming the bad entry."""
    if isinstance(matchers, dict):
        matchers = [{"name": name, "value": value} for name, value in matchers.items()]
    if not isinstance(matchers, list) or not matchers:
        raise ValueError("matchers must be a non-empty mapping of labels to values, or a list of {name, value} matchers")
    normalized = []
    for index, matcher in enumerate(matchers):
        if not isinstance(matcher, dict) or not isinstance(matcher.get("name"), str) or not matcher["name"] \
                or not isinstance(matcher.get("value"), (str, int, float)) or isinstance(matcher.get("value"), bool):
            raise ValueError(f"matchers[{index}] must have a name and a value (text), got {matcher!r}")
        unknown = set(matcher) - {"name", "value", "is_regex", "is_equal", "isRegex", "isEqual"}
        if unknown:
            raise ValueError(f"matchers[{index}] has unknown keys {sorted(unknown)}: use name, value, is_regex, is_equal")
        normalized.append({"name": matcher["name"], "value": str(matcher["value"]),
                           "isRegex": bool(matcher.get("is_regex", matcher.get("isRegex", False))),
                           "isEqual": bool(matcher.get("is_equal", matcher.get("isEqual", True)))})
    return sorted(normalized, key=lambda matcher: (matcher["name"], matcher["value"], matcher["isRegex"], matcher["isEqual"]))


def _stored_matchers(silence):
    return sorted(({"name": matcher["name"], "value": matcher["value"], "isRegex": matcher.get("isRegex", False),
                    "isEqual": matcher.get("isEqual", True)} for matcher in silence["matchers"]),
                  key=lambda matcher: (matcher["name"], matcher["value"], matcher["isRegex"], matcher["isEqual"]))


def _parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _format_time(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "default": "http://127.0.0.1:9093"},
            "matchers": {"type": "raw", "required": True},
            "duration": {"type": "str", "default": "1h"},
            "comment": {"type": "str", "default": "Silenced by llmagentos.ops"},
            "created_by": {"type": "str", "default": "llmagentos.ops"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            **BASIC_AUTH_ARGUMENT_SPEC,
        },
        **BASIC_AUTH_OPTIONS,
        supports_check_mode=True,
    )
    try:
        matchers = normalize_matchers(module.params["matchers"])
    except ValueError as error:
        module.fail_json(msg=str(error))
    seconds = duration_seconds(module.params["duration"])
    if seconds is None or seconds < 60:
        module.fail_json(msg=f"duration must be like 30m, 2h or 1h30m and at least 1m, got {module.params['duration']!r}")
    duration = datetime.timedelta(seconds=seconds)
    client = basic_auth_client(module, "Alertmanager")
    now = datetime.datetime.now(datetime.timezone.utc)
    result = {"changed": False, "silence_id": None, "expired": []}
    try:
        ours = [silence for silence in client.request("GET", "api/v2/silences") or []
                if silence["status"]["state"] in ("active", "pending") and silence.get("createdBy") == module.params["created_by"]
                and _stored_matchers(silence) == matchers]
        if module.params["state"] == "absent":
            result.update(changed=bool(ours), expired=[silence["id"] for silence in ours])
            if not module.check_mode:
                for silence in ours:
                    client.request("DELETE", f"api/v2/silence/{silence['id']}")
            module.exit_json(**result)
        ends_at = now + duration
        current = max(ours, key=lambda silence: _parse_time(silence["endsAt"]), default=None)
        if current is not None and _parse_time(current["endsAt"]) >= now + duration * 0.9:
            result.update(silence_id=current["id"], ends_at=current["endsAt"])
            module.exit_json(**result)
        body = {"matchers": matchers, "startsAt": _format_time(now), "endsAt": _format_time(ends_at),
                "createdBy": module.params["created_by"], "comment": module.params["comment"]}
        if current is not None:
            body["id"] = current["id"]
        result.update(changed=True, ends_at=_format_time(ends_at), silence_id=current["id"] if current else None)
        if not module.check_mode:
            result["silence_id"] = client.request("POST", "api/v2/silences", body)["silenceID"]
    except ApiError as error:
        module.fail_json(msg=str(error), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
