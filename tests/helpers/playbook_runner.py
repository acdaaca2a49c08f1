"""Runs one module of the collection through ansible-playbook, as a play would."""

import json
import os
import subprocess
import sys

import yaml


def run_module(tmp_path, module, params, check=False, diff=False):
    """The module's result, run once on localhost by ansible-playbook."""
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "Module", f"llmagentos.ops.{module}": params}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    command = ["ansible-playbook", "-i", "localhost,", str(tmp_path / "play.yml")] + (["--check"] if check else []) \
        + (["--diff"] if diff else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"))
    return json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
