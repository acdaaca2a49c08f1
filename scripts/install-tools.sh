#!/usr/bin/env bash
# Unpacks promtool, amtool and the server binaries from Debian's packages into
# .cache/tools, without installing the packages (which would start services on this machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.cache/tools"
# The server binaries also feed the archive scenario, which packs them like upstream releases.
packages=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter
          prometheus-elasticsearch-exporter)

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian's Alertmanager reads its notification templates from this path, where its package
# would put them; the tests run that binary on loopback.
install_alertmanager_templates() {
  local templates=/usr/share/prometheus/alertmanager
  [ -f "$templates/default.tmpl" ] && return 0
  echo "install-tools: installing Alertmanager's notification templates into $templates"
  need_root install -d -m 0755 "$templates"
  need_root install -m 0644 "$tools/root$templates/default.tmpl" "$tools/root$templates/email.tmpl" "$templates/"
}

if [ -x "$tools/bin/promtool" ] && [ -x "$tools/bin/amtool" ] && [ -x "$tools/bin/blackbox_exporter" ] \
   && [ -x "$tools/bin/elasticsearch_exporter" ]; then
  install_alertmanager_templates
  exit 0
fi
mkdir -p "$tools/debs" "$tools/root" "$tools/bin"
cd "$tools/debs"
if ! apt-get download "${packages[@]}" >/dev/null 2>&1; then
  need_root apt-get update -qq
  apt-get download "${packages[@]}"
fi
for deb in "$tools"/debs/*.deb; do dpkg-deb -x "$deb" "$tools/root"; done
ln -sf "$tools/root/usr/bin/prometheus" "$tools/bin/prometheus"
ln -sf "$tools/root/usr/bin/promtool" "$tools/bin/promtool"
ln -sf "$tools/root/usr/bin/prometheus-alertmanager" "$tools/bin/alertmanager"
ln -sf "$tools/root/usr/bin/amtool" "$tools/bin/amtool"
ln -sf "$tools/root/usr/bin/prometheus-node-exporter" "$tools/bin/node_exporter"
ln -sf "$tools/root/usr/bin/prometheus-blackbox-exporter" "$tools/bin/blackbox_exporter"
ln -sf "$tools/root/usr/bin/prometheus-elasticsearch-exporter" "$tools/bin/elasticsearch_exporter"
"$tools/bin/promtool" --version | head -n 1
"$tools/bin/amtool" --version 2>&1 | head -n 1
install_alertmanager_templates
