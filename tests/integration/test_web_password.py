"""The llmagentos.ops.web_password lookup, through ansible-playbook as the roles call it."""

import json
import os
import stat
import subprocess
import sys

import yaml


def run_play(tmp_path, tasks, inventory_vars=None):
    """Each task's result on localhost; the inventory is a directory so inventory_dir is set."""
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (inventory / "hosts").write_text("localhost ansible_connection=local\n")
    (inventory / "group_vars" / "all" / "vars.yml").write_text(
        yaml.safe_dump(dict(inventory_vars or {}, ansible_python_interpreter=sys.executable)))
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    result = subprocess.run(["ansible-playbook", "-i", str(inventory), str(tmp_path / "play.yml")],
                            capture_output=True, text=True, check=False,
                            env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"))
    return [task["hosts"]["localhost"] for task in json.loads(result.stdout)["plays"][0]["tasks"]]


def lookup_task(expression):
    return {"ansible.builtin.set_fact": {"password": "{{ " + expression + " }}"}}


def test_generates_each_password_once_beside_the_inventory(tmp_path):
    tasks = [lookup_task("lookup('llmagentos.ops.web_password', 'alertmanager', 'prometheus', user='admin')"),
             lookup_task("lookup('llmagentos.ops.web_password', 'alertmanager', user='admin')"),
             lookup_task("lookup('llmagentos.ops.web_password', 'alertmanager')")]
    both, again, client = (result["ansible_facts"]["password"] for result in run_play(tmp_path, tasks))
    admin_am, admin_prometheus = both.split(",")
    web = tmp_path / "inventory" / ".llmagentos" / "credentials" / "web"
    assert again == admin_am == (web / "alertmanager.admin").read_text().strip()
    assert admin_prometheus == (web / "prometheus.admin").read_text().strip()
    assert client == (web / "alertmanager.prometheus").read_text().strip()
    assert len({admin_am, admin_prometheus, client}) == 3
    assert all(len(password) == 32 and password.isalnum() for password in (admin_am, admin_prometheus, client))
    assert stat.S_IMODE(web.stat().st_mode) == 0o700
    assert stat.S_IMODE((web / "alertmanager.admin").stat().st_mode) == 0o600
    rerun = run_play(tmp_path, tasks[1:2])[0]["ansible_facts"]["password"]
    assert rerun == admin_am


def test_follows_llmagentos_credentials_dir_and_the_option(tmp_path):
    tasks = [lookup_task("lookup('llmagentos.ops.web_password', 'node_exporter')"),
             lookup_task(f"lookup('llmagentos.ops.web_password', 'node_exporter', credentials_dir='{tmp_path}/given')")]
    inventory_dir_value, given = (result["ansible_facts"]["password"] for result in run_play(
        tmp_path, tasks, {"llmagentos_credentials_dir": "{{ inventory_dir }}/../kept"}))
    assert inventory_dir_value == (tmp_path / "kept" / "web" / "node_exporter.prometheus").read_text().strip()
    assert given == (tmp_path / "given" / "web" / "node_exporter.prometheus").read_text().strip()
    assert not (tmp_path / "inventory" / ".llmagentos").exists()


def test_a_name_that_is_no_service_is_named(tmp_path):
    tasks = [dict(lookup_task("lookup('llmagentos.ops.web_password', '../etc/passwd')"), ignore_errors=True),
             dict(lookup_task("lookup('llmagentos.ops.web_password', 'prometheus', user='Admin')"), ignore_errors=True)]
    service, user = run_play(tmp_path, tasks)
    assert service["failed"] and user["failed"]
    assert "the service must be a name of lower-case letters, digits, '_' and '-', got '../etc/passwd'" in service["msg"]
    assert "the user must be a name of lower-case letters, digits, '_' and '-', got 'Admin'" in user["msg"]
    assert not (tmp_path / "etc").exists()
