#!/usr/bin/env bash
# Runs ansible-test sanity on a copy of the collection laid out as
# ansible_collections/llmagentos/ops (ansible-test reads its file list from git there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/llmagentos/ops"
mkdir -p "$dest"
# Tracked and new files of the working tree, less those deleted but not yet committed.
(
  cd "$root"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
    xargs -0 cp --parents -t "$dest"
)
git -C "$dest" init -q
git -C "$dest" add -A
git -C "$dest" -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity

# ansible-test bootstraps pip in each test's virtual environment with a script it downloads
# from outside PyPI. Where that download fails, a local stand-in that installs the same pip
# from PyPI is placed in its cache and the run is repeated; elsewhere the upstream path stays.
place_pip_stand_in() {
  mkdir -p "$HOME/.ansible/test/cache"
  cat >"$HOME/.ansible/test/cache/get_pip_24_2.py" <<'PY'
# Stand-in for get-pip.py: get-pip options in argv (--no-setuptools...) do not apply here.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "pip==24.2"])
PY
}

cd "$dest"
log="$work/sanity.log"
if ansible-test sanity --local --python 3.11 --color no "$@" 2>&1 | tee "$log"; then
  exit 0
fi
if grep -q "bootstrap script can be manually downloaded" "$log"; then
  echo "sanity: pip's bootstrap script cannot be downloaded here; using a stand-in that installs pip from PyPI"
  place_pip_stand_in
  ansible-test sanity --local --python 3.11 --color no "$@"
else
  exit 1
fi
