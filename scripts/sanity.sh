#!/usr/bin/env bash
# Runs ansible-test sanity on a copy of the collection laid out as
# ansible_collections/llmagentos/ops (ansible-test reads its file list from git there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/llmagentos/ops"
mkdir -p "$dest"
git -C "$root" ls-files -z --cached --others --exclude-standard | (cd "$root" && xargs -0 cp --parents -t "$dest")
git -C "$dest" init -q
git -C "$dest" add -A
git -C "$dest" -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity

# ansible-test bootstraps pip in each test's virtual environment with a script it downloads
# from outside PyPI. Where that host is unreachable, a local stand-in that installs the same
# pip from PyPI does the job; it is placed only when the cache has no real script.
cache="$HOME/.ansible/test/cache"
for script in get_pip_24_2.py; do
  if [ ! -s "$cache/$script" ]; then
    mkdir -p "$cache"
    cat >"$cache/$script" <<'PY'
# Stand-in for get-pip.py: get-pip options in argv (--no-setuptools...) do not apply here.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "pip==24.2"])
PY
  fi
done

cd "$dest"
ansible-test sanity --local --python 3.11 --color no "$@"
