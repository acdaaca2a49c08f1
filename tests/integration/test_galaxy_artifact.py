"""The collection as Galaxy users get it: `ansible-galaxy collection build` makes a clean
artifact, it installs into an empty collections path, and plays run from the installed copy -
the playbooks parse with every role they name, the modules document themselves, and the
compiler's filters and module_utils import from there."""

import sys
import tarfile

import pytest
import yaml
from collection_artifact import build_and_install, run


@pytest.fixture(name="installed", scope="module")
def fixture_installed(tmp_path_factory):
    return build_and_install(tmp_path_factory.mktemp("galaxy"))


def test_the_artifact_holds_the_collection_and_nothing_of_the_development_tree(installed):
    artifact, _collections = installed
    with tarfile.open(artifact) as archive:
        names = archive.getnames()
    top = {name.split("/")[0] for name in names}
    assert {"roles", "plugins", "playbooks", "meta", "inventories", "MANIFEST.json", "FILES.json", "README.md"} <= top
    assert not top & {"tests", "molecule", ".venv", ".cache", "build", "scripts", "benchmarks", ".git", "Makefile"}
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert "roles/agent_service/meta/argument_specs.yml" in names and "plugins/modules/prometheus_gate.py" in names


def test_plays_run_from_the_installed_copy(installed, tmp_path):
    _artifact, collections = installed
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections)}
    installed_root = collections / "ansible_collections" / "llmagentos" / "ops"
    inventory = installed_root / "inventories" / "sandbox"
    for playbook in ("llmagentos.ops.site", "llmagentos.ops.monitoring", "llmagentos.ops.update_rules",
                     "llmagentos.ops.agent_rollout"):
        listing = run(["ansible-playbook", "-i", str(inventory), playbook, "--list-tasks", "-e", "agent_service_release=1.0.0"],
                      cwd=str(tmp_path), **env)
        assert "play #1" in listing
    doc = run(["ansible-doc", "llmagentos.ops.prometheus_gate"], cwd=str(tmp_path), ANSIBLE_NOCOLOR="1", **env)
    assert f"{collections.parent.name}/collections/ansible_collections/llmagentos/ops/plugins/modules/prometheus_gate.py" in doc
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "Parse a vLLM line with the installed grok engine", "ansible.builtin.set_fact": {
                 "parsed": "{{ 'INFO 11-24 09:12:01 [api_server.py:1090] Started' | llmagentos.ops.grok_parse("
                           "['%{LOGLEVEL:log.level} %{GREEDYDATA:message}']) }}"}},
                       {"name": "The filter came from the installed copy", "ansible.builtin.assert": {
                           "that": ["parsed['log.level'] == 'INFO'"]}}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    run(["ansible-playbook", "-i", "localhost,", str(tmp_path / "play.yml")], cwd=str(tmp_path), **env)
