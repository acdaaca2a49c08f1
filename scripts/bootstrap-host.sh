#!/usr/bin/env bash
# Installs what the tests and the demo need on a Debian/Ubuntu machine and starts the Docker
# daemon. Safe to run again: it skips whatever is already there.
set -euo pipefail

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v git >/dev/null || missing+=(git)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v dpkg-deb >/dev/null || missing+=(dpkg)
# The Elastic roles read the fingerprint of Elastic's signing key with gpg on the controller.
command -v gpg >/dev/null || missing+=(gpg)
# The unit tests run Logstash's redaction script with Ruby, beside the Python reference.
command -v ruby >/dev/null || missing+=(ruby)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  need_root apt-get update -qq
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    need_root systemctl start docker
  else
    # No systemd as PID 1 (CI containers, some sandboxes): run the daemon in the background.
    echo "bootstrap: starting dockerd"
    need_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "bootstrap: the Docker daemon did not answer; see /var/log/dockerd.log" >&2; exit 1; }
fi
echo "bootstrap: docker $(docker version --format '{{.Server.Version}}') is running"
