#!/usr/bin/python
# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
module: paths_info
short_description: Tell in one call which of a component's files and directories differ from what is wanted
version_added: 0.3.0
description:
  - Compares each path of I(paths) on the host with what a later task would make of it (its type, mode,
    owner, group and, for a file, the SHA-1 of its content) and returns the paths that differ.
  - The roles read a component's files with it once and run their C(file), C(copy) and C(template) tasks
    only on the paths it names, so a converge that has nothing to change costs one call to the host
    instead of one per path. Those tasks stay the authority on what is written; this module changes
    nothing.
author: llmagentos.ops contributors (@llmagentos)
attributes:
  check_mode:
    description: Reads only; it runs the same in check mode.
    support: full
  diff_mode:
    description: Not applicable.
    support: none
options:
  paths:
    description:
      - The paths and what they should be, each a mapping of C(path) (absolute), C(state) (C(file), the
        default, or C(directory)), and optionally C(mode) (octal, such as C(0640)), C(owner), C(group) (names)
        and, for a file, C(checksum) (the SHA-1 of its content, as the C(hash('sha1')) filter computes it).
        What is left out is not compared.
      - Other keys are ignored, so the list a later task loops over can be given as it is.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Read what is there of the service's files
  llmagentos.ops.paths_info:
    paths:
      - {path: /etc/myservice, state: directory, owner: root, group: myservice, mode: "0750"}
      - path: /etc/myservice/config.yml
        owner: root
        group: myservice
        mode: "0640"
        checksum: "{{ lookup('ansible.builtin.template', 'config.yml.j2') | hash('sha1') }}"
  register: myservice_paths

- name: Write the configuration only when it differs
  ansible.builtin.template:
    src: config.yml.j2
    dest: /etc/myservice/config.yml
    owner: root
    group: myservice
    mode: "0640"
  when: "'/etc/myservice/config.yml' in myservice_paths.stale"
"""

RETURN = r"""
stale:
  description: The paths that are missing or differ in type, mode, owner, group or content, in the order given.
  returned: always
  type: list
  elements: str
  sample: [/etc/myservice/config.yml]
paths:
  description: What was found at each path, and why it is stale.
  returned: always
  type: dict
  sample:
    /etc/myservice/config.yml:
      exists: true
      state: file
      mode: "0644"
      owner: root
      group: root
      differs: [mode, group]
"""

import grp
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def path_state(module, wanted):
    """What is at wanted['path'], and which of the wanted attributes it lacks."""
    path = wanted["path"]
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False, "differs": ["exists"]}
    kind = "directory" if stat.S_ISDIR(found.st_mode) else "file" if stat.S_ISREG(found.st_mode) else "other"
    state = {
        "exists": True,
        "state": kind,
        "mode": "%04o" % stat.S_IMODE(found.st_mode),
        "owner": _name(pwd.getpwuid, found.st_uid),
        "group": _name(grp.getgrgid, found.st_gid),
    }
    differs = [] if kind == wanted["state"] else ["state"]
    for key in ("owner", "group"):
        if wanted[key] is not None and wanted[key] != state[key]:
            differs.append(key)
    if wanted["mode"] is not None and int(wanted["mode"], 8) != int(state["mode"], 8):
        differs.append("mode")
    if kind == "file" and wanted["checksum"] is not None and module.sha1(path) != wanted["checksum"]:
        differs.append("checksum")
    state["differs"] = differs
    return state


def wanted_paths(module):
    """The paths option with its defaults, or a failure naming the entry that is wrong."""
    wanted = []
    for index, entry in enumerate(module.params["paths"]):
        where = "paths[%d]" % index
        path = entry.get("path")
        if not isinstance(path, str) or not os.path.isabs(path):
            module.fail_json(msg="%s.path is %r; an absolute path is needed" % (where, path))
        state = entry.get("state") or "file"
        if state not in ("file", "directory"):
            module.fail_json(msg="%s.state is %r; file or directory" % (where, state))
        mode = entry.get("mode")
        if isinstance(mode, int) and not isinstance(mode, bool):
            # An unquoted 0640 in YAML arrives as the number itself.
            mode = "%04o" % mode
        elif mode is not None:
            try:
                int(str(mode), 8)
            except ValueError:
                module.fail_json(msg="%s.mode is %r, not an octal mode such as 0640" % (where, mode))
            mode = str(mode)
        values = {key: entry.get(key) for key in ("owner", "group", "checksum")}
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                module.fail_json(msg="%s.%s is %r; a string is needed" % (where, key, value))
        wanted.append(dict(values, path=path, state=state, mode=mode))
    return wanted


def main():
    module = AnsibleModule(
        argument_spec={"paths": {"type": "list", "elements": "dict", "required": True}},
        supports_check_mode=True,
    )
    wanted = wanted_paths(module)
    states = {}
    for entry in wanted:
        try:
            states[entry["path"]] = path_state(module, entry)
        except OSError as error:
            module.fail_json(msg="Cannot read %s: %s" % (entry["path"], error.strerror))
    module.exit_json(
        changed=False,
        stale=[entry["path"] for entry in wanted if states[entry["path"]]["differs"]],
        paths=states,
    )


if __name__ == "__main__":
    main()
