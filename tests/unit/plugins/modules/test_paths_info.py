"""paths_info: which paths differ from what a later task would make of them, in one call."""

import grp
import hashlib
import json
import os
import pwd

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmagentos.ops.plugins.modules import paths_info

OWNER = pwd.getpwuid(os.getuid())[0]
GROUP = grp.getgrgid(os.getgid())[0]


def run(capsys, paths):
    with patch_module_args({"paths": paths}), pytest.raises(SystemExit) as ended:
        paths_info.main()
    result = json.loads(capsys.readouterr().out)
    return ended.value.code, result


@pytest.fixture(name="tree")
def fixture_tree(tmp_path):
    (tmp_path / "conf").mkdir(mode=0o750)
    (tmp_path / "conf").chmod(0o750)
    config = tmp_path / "conf" / "config.yml"
    config.write_text("answer: 42\n")
    config.chmod(0o640)
    return tmp_path


def config_entry(tree, **changes):
    return {"path": str(tree / "conf" / "config.yml"), "owner": OWNER, "group": GROUP, "mode": "0640",
            "checksum": hashlib.sha1(b"answer: 42\n").hexdigest(), **changes}


def test_what_is_as_wanted_is_not_stale(capsys, tree):
    code, result = run(capsys, [
        {"path": str(tree / "conf"), "state": "directory", "owner": OWNER, "group": GROUP, "mode": "0750"},
        config_entry(tree),
    ])
    assert code == 0
    assert result["stale"] == [] and not result["changed"]
    assert result["paths"][str(tree / "conf" / "config.yml")] == {
        "exists": True, "state": "file", "mode": "0640", "owner": OWNER, "group": GROUP, "differs": []}


@pytest.mark.parametrize("changes, differs", [
    ({"mode": "0600"}, ["mode"]),
    ({"mode": 0o600}, ["mode"]),
    ({"owner": "nobody-such-user"}, ["owner"]),
    ({"group": "nobody-such-group"}, ["group"]),
    ({"checksum": hashlib.sha1(b"answer: 43\n").hexdigest()}, ["checksum"]),
    ({"state": "directory"}, ["state"]),
])
def test_each_difference_makes_a_path_stale(capsys, tree, changes, differs):
    entry = config_entry(tree, **changes)
    result = run(capsys, [entry])[1]
    assert result["stale"] == [entry["path"]]
    assert result["paths"][entry["path"]]["differs"] == differs


def test_a_missing_path_is_stale_and_what_is_left_out_is_not_compared(capsys, tree):
    missing = str(tree / "conf" / "web.yml")
    result = run(capsys, [{"path": missing}, {"path": str(tree / "conf" / "config.yml")}])[1]
    assert result["stale"] == [missing]
    assert result["paths"][missing] == {"exists": False, "differs": ["exists"]}


def test_the_loop_items_of_a_later_task_are_taken_as_they_are(capsys, tree):
    entry = config_entry(tree, src="templates/config.yml.j2", notify="restart")
    code, result = run(capsys, [entry])
    assert code == 0 and result["stale"] == []


def test_a_symbolic_link_is_not_taken_for_the_file_it_points_to(capsys, tree):
    link = tree / "conf" / "link.yml"
    link.symlink_to(tree / "conf" / "config.yml")
    result = run(capsys, [config_entry(tree, path=str(link))])[1]
    assert result["stale"] == [str(link)] and result["paths"][str(link)]["state"] == "other"


@pytest.mark.parametrize("entry, message", [
    ({"path": "relative/config.yml"}, "paths[0].path is 'relative/config.yml'; an absolute path is needed"),
    ({"path": "/etc/x", "state": "link"}, "paths[0].state is 'link'; file or directory"),
    ({"path": "/etc/x", "mode": "u=rw"}, "paths[0].mode is 'u=rw', not an octal mode such as 0640"),
    ({"path": "/etc/x", "owner": 0}, "paths[0].owner is 0; a string is needed"),
])
def test_a_wrong_entry_is_named(capsys, entry, message):
    code, result = run(capsys, [entry])
    assert code == 1 and result["failed"]
    assert result["msg"] == message
