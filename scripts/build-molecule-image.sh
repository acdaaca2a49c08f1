#!/usr/bin/env bash
# Builds the Debian 12 systemd image the Molecule scenarios run in. Where a registry is
# reachable it builds molecule/shared/Dockerfile; where not, it bootstraps the same system with
# debootstrap and imports it. Skips the build when the image already exists.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
image=${LLMAGENTOS_MOLECULE_IMAGE:-llmagentos/molecule-debian12:latest}
packages=systemd,systemd-sysv,python3,python3-apt,sudo,iproute2,procps,ca-certificates,curl,tar,gzip

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "image: $image is already built"
  exit 0
fi

if docker pull debian:bookworm >/dev/null 2>&1; then
  echo "image: building $image from the Dockerfile"
  docker build -t "$image" "$root/molecule/shared"
  exit 0
fi

echo "image: no registry reachable; building $image with debootstrap"
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" >/dev/null
# Same trims as the Dockerfile: no getty, no udev triggers in a container.
rm -f "$rootfs"/etc/systemd/system/getty.target.wants/* \
      "$rootfs"/lib/systemd/system/multi-user.target.wants/getty.target
tar -C "$rootfs" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' -c 'ENV container=docker' - "$image" >/dev/null
echo "image: $image imported"
