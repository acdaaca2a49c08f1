"""The systemd_quote filter: its kinds and its errors."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.systemd_quote import systemd_quote


def test_each_kind():
    assert systemd_quote("a b") == '"a b"'
    assert systemd_quote({"B": "2", "A": "x y"}, "environment") == ['"A=x y"', '"B=2"']
    assert systemd_quote({"SECRET": "p$ss"}, "environment_file") == ['SECRET="p\\$ss"']


@pytest.mark.parametrize("value,kind,message", [
    ("x", "unit", "kind must be exec, environment or environment_file"),
    (["a"], "environment", "environment needs a mapping"),
    ({"BAD NAME": "x"}, "environment_file", "'BAD NAME' is not an environment variable name"),
    ({"A": None}, "environment", "environment.A must be a string or a number"),
])
def test_errors_say_what_is_wrong(value, kind, message):
    with pytest.raises(AnsibleFilterError, match="systemd_quote: .*" + message):
        systemd_quote(value, kind)
