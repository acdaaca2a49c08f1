"""Quoting for systemd units and environment files (the end-to-end proof, values reaching a running
process unchanged, is molecule/rollout)."""

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.systemd import (
    SystemdValueError, environment_assignment, environment_file_line, exec_argument)

TRICKY = 'two words "quoted" $HOME ${PATH} 100% back\\slash it\'s `tick`'


@pytest.mark.parametrize("value,quoted", [
    ("/usr/bin/prometheus", '"/usr/bin/prometheus"'),
    ("--web.listen-address=0.0.0.0:9090", '"--web.listen-address=0.0.0.0:9090"'),
    (TRICKY, '"two words \\"quoted\\" $$HOME $${PATH} 100%% back\\\\slash it\'s `tick`"'),
    ("line\nbreak\ttab\x1b", '"line\\nbreak\\ttab\\x1b"'),
    (8000, '"8000"'),
    ("", '""'),
])
def test_an_exec_word_is_one_quoted_word_without_expansion(value, quoted):
    assert exec_argument(value) == quoted


def test_an_environment_assignment_keeps_dollars_but_not_specifiers():
    # Environment= expands %-specifiers but never $VAR.
    assert environment_assignment("NOTE", TRICKY) == '"NOTE=two words \\"quoted\\" $HOME ${PATH} 100%% back\\\\slash it\'s `tick`"'


def test_an_environment_file_line_escapes_what_double_quotes_would_read():
    # In an EnvironmentFile, double quotes keep everything but a backslash before " \ ` $.
    assert environment_file_line("KEY", TRICKY) == 'KEY="two words \\"quoted\\" \\$HOME \\${PATH} 100% back\\\\slash it\'s \\`tick\\`"'
    assert environment_file_line("KEY", "multi\nline") == 'KEY="multi\nline"'


@pytest.mark.parametrize("name", ["1ST", "WITH SPACE", "A=B", "", None, "ünïcode"])
def test_a_name_systemd_cannot_hold_is_refused_by_name(name):
    with pytest.raises(SystemdValueError, match="is not an environment variable name"):
        environment_assignment(name, "x", "agent_service_environment")
    with pytest.raises(SystemdValueError, match="is not an environment variable name"):
        environment_file_line(name, "x")


@pytest.mark.parametrize("value,message", [("a\x00b", "NUL"), (None, "must be a string or a number"), (True, "must be a string"),
                                           ({"a": 1}, "must be a string")])
def test_a_value_no_process_can_receive_is_refused(value, message):
    with pytest.raises(SystemdValueError, match=message):
        exec_argument(value)
    with pytest.raises(SystemdValueError, match=message):
        environment_assignment("KEY", value)
