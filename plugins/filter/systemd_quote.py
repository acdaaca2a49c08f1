# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over module_utils/systemd: values quoted for unit files and environment files."""

from __future__ import annotations

DOCUMENTATION = r"""
name: systemd_quote
short_description: Quote values for systemd unit files and environment files
version_added: 0.2.0
description:
  - Quotes what the roles write into systemd units so that the program receives exactly the given
    text, whatever spaces, quotes, backslashes, C($) or C(%) it holds.
  - C(exec) quotes one word of C(ExecStart=) (C(%) becomes C(%%), C($) becomes C($$)); C(environment)
    turns a mapping into the values of C(Environment=) lines; C(environment_file) turns a mapping
    into the lines of a file read by C(EnvironmentFile=).
  - Environment variable names must be letters, digits and C(_), not starting with a digit; no
    value may contain a NUL character.
options:
  _input:
    description: A word (C(exec)) or a mapping of variable names to values (C(environment), C(environment_file)).
    type: raw
    required: true
  kind:
    description: Where the text goes.
    type: str
    choices: [exec, environment, environment_file]
    default: exec
"""

EXAMPLES = r"""
- name: A unit whose argument and environment keep their spaces, quotes, $ and %
  ansible.builtin.copy:
    dest: /etc/systemd/system/example.service
    mode: "0644"
    content: |
      [Service]
      ExecStart={{ ['/usr/bin/env', 'echo', 'costs 5% of $BUDGET'] | map('llmagentos.ops.systemd_quote') | join(' ') }}
      {% for assignment in {'GREETING': 'say "hi"'} | llmagentos.ops.systemd_quote('environment') %}
      Environment={{ assignment }}
      {% endfor %}
"""

RETURN = r"""
_value:
  description: The quoted word (C(exec)), or one quoted assignment or line per variable, sorted by name.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.systemd import (
    SystemdValueError, environment_assignment, environment_file_line, exec_argument)


def systemd_quote(value, kind="exec"):
    try:
        if kind == "exec":
            return exec_argument(value)
        if kind in ("environment", "environment_file"):
            if not isinstance(value, dict):
                raise SystemdValueError(f"{kind} needs a mapping of variable names to values, got {type(value).__name__}")
            quote = environment_assignment if kind == "environment" else environment_file_line
            return [quote(name, value[name]) for name in sorted(value, key=str)]
        raise SystemdValueError(f"kind must be exec, environment or environment_file, got {kind!r}")
    except SystemdValueError as error:
        raise AnsibleFilterError(f"systemd_quote: {error}") from None


class FilterModule:
    def filters(self):
        return {"systemd_quote": systemd_quote}
