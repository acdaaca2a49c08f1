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

# Grafana's archive holds a whole tree under grafana-vVERSION/; here with the stand-in program
# (grafana_stand_in.py) as bin/grafana.
grafana_version=13.1.3
grafana_dir="grafana-v$grafana_version"
grafana_file="grafana-$grafana_version.linux-$arch.tar.gz"
rm -rf "${out:?}/$grafana_dir"
mkdir -p "$out/$grafana_dir/bin" "$out/$grafana_dir/conf" "$out/$grafana_dir/public"
{ echo "#!/usr/bin/python3"; cat "$(dirname "$0")/grafana_stand_in.py"; } >"$out/$grafana_dir/bin/grafana"
chmod 0755 "$out/$grafana_dir/bin/grafana"
echo "; Grafana's defaults (stand-in)" >"$out/$grafana_dir/conf/defaults.ini"
echo "<!doctype html><title>Grafana</title>" >"$out/$grafana_dir/public/index.html"
tar -C "$out" -czf "$out/$grafana_file" "$grafana_dir"
rm -rf "${out:?}/$grafana_dir"
cat >>"$out/archives.yml" <<YAML
grafana_version: "$grafana_version"
grafana_archive_src: "$out/$grafana_file"
grafana_archive_checksum: "sha256:$(sha256sum "$out/$grafana_file" | cut -d' ' -f1)"
YAML
