"""The collection as Galaxy users get it: built with `ansible-galaxy collection build` and
installed into an empty collections path."""

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]


def run(command, **env):
    """stdout of a command that must succeed; its output is the assertion message otherwise."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=env.pop("cwd", None),
                            env=dict(os.environ, **env))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def build_and_install(work):
    """The artifact built into `work` and the collections path it was installed into."""
    run(["ansible-galaxy", "collection", "build", str(ROOT), "--output-path", str(work)])
    artifact = work / f"llmagentos-ops-{VERSION}.tar.gz"
    collections = work / "collections"
    # --no-deps: the dependencies come with the ansible package here; Galaxy users get them from requirements.yml.
    run(["ansible-galaxy", "collection", "install", str(artifact), "-p", str(collections), "--no-deps"],
        ANSIBLE_COLLECTIONS_PATH=str(collections))
    return artifact, collections
