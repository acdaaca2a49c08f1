#!/usr/bin/env bash
# Packs the Debian binaries unpacked by scripts/install-tools.sh the way upstream releases are
# packed (NAME-VERSION.linux-ARCH/NAME inside NAME-VERSION.linux-ARCH.tar.gz), writes a
# sha256sums.txt beside them like a release does, and a vars file for the scenario.
# Usage: make-archives.sh OUT_DIR TOOLS_ROOT
set -euo pipefail
out=$1
tools=$2
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
mkdir -p "$out"
: >"$out/sha256sums.txt"
echo "---" >"$out/archives.yml"

pack() {  # NAME DEB BINARY=PACKAGE_BINARY...
  local name=$1 deb=$2 version dir
  shift 2
  version=$(dpkg-deb -f "$tools"/debs/"$deb"_*.deb Version | sed -E 's/^([0-9.]+).*/\1/')
  dir="$name-$version.linux-$arch"
  rm -rf "${out:?}/$dir"
  mkdir -p "$out/$dir"
  for pair in "$@"; do
    install -m 0755 "$tools/root/usr/bin/${pair#*=}" "$out/$dir/${pair%%=*}"
  done
  tar -C "$out" -czf "$out/$dir.tar.gz" "$dir"
  rm -rf "${out:?}/$dir"
  (cd "$out" && sha256sum "$dir.tar.gz" >>sha256sums.txt)
  cat >>"$out/archives.yml" <<YAML
${name}_version: "$version"
${name}_archive_src: "$out/$dir.tar.gz"
${name}_archive_checksum: "sha256:$(sha256sum "$out/$dir.tar.gz" | cut -d' ' -f1)"
YAML
}

pack prometheus prometheus prometheus=prometheus promtool=promtool
pack alertmanager prometheus-alertmanager alertmanager=prometheus-alertmanager amtool=amtool
pack node_exporter prometheus-node-exporter node_exporter=prometheus-node-exporter
pack blackbox_exporter prometheus-blackbox-exporter blackbox_exporter=prometheus-blackbox-exporter
