#!/usr/bin/env bash
# Exit 0 when this scenario can run: this machine has an NVIDIA GPU and Docker can hand it to a
# container, NVIDIA's repository and the nvidia_gpu_exporter release answer, and a dcgm-exporter
# archive is given. Used by `make molecule`.
repository="${LLMAGENTOS_NVIDIA_REPOSITORY:-https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64}"
release="https://github.com/utkuozdemir/nvidia_gpu_exporter/releases/download/v1.3.2/nvidia_gpu_exporter_1.3.2_linux_x86_64.tar.gz"
missing=()
nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || missing+=("an NVIDIA GPU with its driver (nvidia-smi -L lists none)")
docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia || missing+=("the NVIDIA Container Toolkit in Docker")
[ -f "${LLMAGENTOS_DCGM_EXPORTER_ARCHIVE:-}" ] || missing+=("LLMAGENTOS_DCGM_EXPORTER_ARCHIVE (a .tar.gz with the dcgm-exporter binary at its top)")
# The vendors are asked only on a machine that has the rest.
if [ ${#missing[@]} -eq 0 ]; then
  for url in "$repository/3bf863cc.pub" "$release"; do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=10)' \
      "$url" 2>/dev/null || missing+=("$url")
  done
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "SKIPPED gpu: this machine lacks what the real GPU exporters need:"
printf '  - %s\n' "${missing[@]}"
echo "  The scenario runs where they are; the roles are tested here with stand-ins (molecule/agents, docs/gpu.md)."
exit 1
