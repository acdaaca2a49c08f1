# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Values written into systemd unit files and environment files, quoted so that systemd hands the
program exactly the text it was given.

systemd splits ExecStart= into words at spaces unless quoted, reads C escapes inside quotes,
expands `%` specifiers in ExecStart= and Environment= and `$VAR` in ExecStart=; an
EnvironmentFile= value in double quotes keeps everything but a backslash before `"`, `\\`, `` ` ``
or `$`. So words are always double-quoted, with `\\`, `"` and control characters escaped, `%` as
`%%` and, in ExecStart=, `$` as `$$`."""

from __future__ import annotations

import re

_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


class SystemdValueError(ValueError):
    pass


def _text(value, what):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SystemdValueError(f"{what} must be a string or a number, got {type(value).__name__}")
    text = str(value)
    if "\x00" in text:
        raise SystemdValueError(f"{what} contains a NUL character, which no process argument or environment value can hold")
    return text


def _quoted(text):
    escaped = "".join(_C_ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
                      for char in text)
    return '"' + escaped.replace("%", "%%") + '"'


def exec_argument(value, what="argument"):
    """One word of ExecStart=."""
    return _quoted(_text(value, what)).replace("$", "$$")


def _name(name, what):
    if not isinstance(name, str) or not _ENVIRONMENT_NAME.match(name):
        raise SystemdValueError(f"{what}: {name!r} is not an environment variable name (letters, digits and _, not first a digit)")
    return name


def environment_assignment(name, value, what="environment"):
    """The value of one Environment= line."""
    return _quoted(f"{_name(name, what)}={_text(value, f'{what}.{name}')}")


def environment_file_line(name, value, what="environment file"):
    """One line of a file read by EnvironmentFile=."""
    text = _text(value, f"{what}.{name}")
    return f'{_name(name, what)}="' + re.sub(r'([\\"`$])', r"\\\1", text) + '"'
