# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Stand-ins for NVIDIA's programs on test hosts that have no GPU, chosen by the name this file is
installed under: the driver's nvidia-smi (two H100s), nv-hostengine (DCGM's host engine),
dcgm-exporter and utkuozdemir's nvidia_gpu_exporter, and the docker command line that runs NVIDIA's
dcgm-exporter image. They take the real programs' flags (an unknown one is refused, as the real
ones refuse it), read the exporters' web configuration (TLS, bcrypt basic auth) and serve the series
the real exporters name, so the roles that install them are tested on what they pass and write."""

import argparse
import base64
import csv
import os
import re
import socket
import ssl
import subprocess
import sys
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # pylint: disable=deprecated-module,wrong-import-position # bcrypt through libxcrypt, as the exporters check it

GPUS = [{"index": "0", "uuid": "GPU-3f1c2a9e-5b7d-4e21-9c0a-7d2e4b6f8a10", "pci.bus_id": "00000000:18:00.0"},
        {"index": "1", "uuid": "GPU-8a4e6c2d-1f3b-4a57-b9e8-2c6d0f4a1b39", "pci.bus_id": "00000000:2A:00.0"}]
DRIVER, CUDA, MODEL = "570.124.06", "12.8", "NVIDIA H100 80GB HBM3"
# nvidia-smi --query-gpu fields: value with its unit as nvidia-smi prints it.
QUERY_FIELDS = {
    "index": None, "uuid": None, "pci.bus_id": None, "name": MODEL, "driver_version": DRIVER,
    "utilization.gpu": "35 %", "utilization.memory": "12 %", "memory.used": "40960 MiB", "memory.total": "81559 MiB",
    "memory.free": "40599 MiB", "temperature.gpu": "41", "power.draw": "312.50 W",
    "clocks_event_reasons.hw_thermal_slowdown": "Not Active", "clocks_event_reasons.hw_power_brake_slowdown": "Not Active",
    "ecc.errors.uncorrected.volatile.total": "0", "remapped_rows.pending": "No", "remapped_rows.failure": "No",
}
HOSTENGINE_PORT = 5555


def nvidia_smi(argv):
    parser = argparse.ArgumentParser(prog="nvidia-smi")
    parser.add_argument("--query-gpu")
    parser.add_argument("--format")
    parser.add_argument("--help-query-gpu", action="store_true")
    args = parser.parse_args(argv)
    if args.help_query_gpu:
        print("\n".join(f'"{name}"' for name in QUERY_FIELDS))
        return 0
    if not args.query_gpu:
        print(f"| NVIDIA-SMI {DRIVER}    Driver Version: {DRIVER}    CUDA Version: {CUDA}     |")
        for gpu in GPUS:
            print(f"|   {gpu['index']}  {MODEL}    On  |   {gpu['pci.bus_id']} Off |")
        return 0
    fields = [field.strip() for field in args.query_gpu.split(",")]
    unknown = [field for field in fields if field not in QUERY_FIELDS]
    if unknown:
        print(f'Field "{unknown[0]}" is not a valid field to query.', file=sys.stderr)
        return 2
    options = (args.format or "").split(",")
    if "csv" not in options:
        print("--format=csv is required with --query-gpu", file=sys.stderr)
        return 2
    if "noheader" not in options:
        print(", ".join(f"{field} [{unit(QUERY_FIELDS[field])}]" if unit(QUERY_FIELDS[field]) else field for field in fields))
    for gpu in GPUS:
        values = [gpu[field] if QUERY_FIELDS[field] is None else QUERY_FIELDS[field] for field in fields]
        if "nounits" in options:
            values = [value.split(" ")[0] if unit(value) else value for value in values]
        print(", ".join(values))
    return 0


def unit(value):
    return value.split(" ", 1)[1] if value and re.fullmatch(r"[0-9.]+ \S+", value) else ""


def web_config(path):
    """The exporter-toolkit web configuration the collection writes: tls_server_config and
    basic_auth_users, two levels of plain YAML."""
    config, section = {}, None
    with open(path, encoding="utf-8") as stream:  # unreadable by the service user: fail, as the real ones do
        for line in stream:
            if not line.strip() or line.lstrip().startswith("#") or line.strip() == "{}":
                continue
            if not line.startswith(" "):
                section = line.split(":", 1)[0].strip()
                config[section] = {}
            else:
                key, _colon, value = line.strip().partition(":")
                config[section][key.strip()] = value.strip().strip("'\"")
    return config


def serve(address, path, config_file, render):
    host, _colon, port = address.rpartition(":")
    config = web_config(config_file) if config_file else {}
    users = config.get("basic_auth_users", {})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if users and not self.authorized():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="stand-in"')
                self.end_headers()
                return
            if self.path.split("?")[0] != path:
                self.send_response(404)
                self.end_headers()
                return
            body = render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def authorized(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            user, _colon, password = base64.b64decode(header[6:]).decode().partition(":")
            return user in users and crypt.crypt(password, users[user]) == users[user]

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), Handler)
    tls = config.get("tls_server_config")
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(tls["cert_file"], tls["key_file"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


def sample(name, labels, value):
    return name + "{" + ",".join(f'{key}="{text}"' for key, text in labels.items()) + "} " + str(value)


def nvidia_gpu_exporter(argv):
    parser = argparse.ArgumentParser(prog="nvidia_gpu_exporter")
    parser.add_argument("--web.listen-address", dest="address", default=":9835")
    parser.add_argument("--web.config.file", dest="config", default="")
    parser.add_argument("--web.telemetry-path", dest="path", default="/metrics")
    parser.add_argument("--nvidia-smi-command", dest="nvidia_smi", default="nvidia-smi")
    parser.add_argument("--query-field-names", dest="fields", default="AUTO")
    args = parser.parse_args(argv)
    fields = list(QUERY_FIELDS) if args.fields == "AUTO" else args.fields.split(",")

    def render():
        run = subprocess.run([args.nvidia_smi, "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, check=False)
        lines = [f"nvidia_smi_command_exit_code {run.returncode}"]
        for row in csv.reader(run.stdout.splitlines(), skipinitialspace=True):
            values = dict(zip(fields, row))
            uuid = values["uuid"].removeprefix("GPU-")
            lines.append(sample("nvidia_smi_gpu_info", {"uuid": uuid, "name": values.get("name", ""), "driver_version":
                                values.get("driver_version", ""), "index": values["index"], "pci_bus_id": values["pci.bus_id"]}, 1))
            lines.append(sample("nvidia_smi_utilization_gpu_ratio", {"uuid": uuid}, float(values["utilization.gpu"]) / 100))
            lines.append(sample("nvidia_smi_memory_used_bytes", {"uuid": uuid}, float(values["memory.used"]) * 2 ** 20))
            lines.append(sample("nvidia_smi_memory_total_bytes", {"uuid": uuid}, float(values["memory.total"]) * 2 ** 20))
        return "\n".join(lines) + "\n"

    serve(args.address, args.path, args.config, render)


def counters(path):
    """The fields of a counters file, checked as dcgm-exporter checks them."""
    fields = []
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = [part.strip() for part in line.split(",")]
            if len(parts) != 3 or not re.fullmatch(r"DCGM_(FI|EXP)_[A-Z0-9_]+", parts[0]) or parts[1] not in ("gauge", "counter", "label"):
                sys.exit(f"{path}:{number}: not a DCGM field line: {line.strip()!r}")
            fields.append(parts)
    return fields


def dcgm_exporter(argv):
    parser = argparse.ArgumentParser(prog="dcgm-exporter")
    parser.add_argument("-f", "--collectors", required=True)
    parser.add_argument("-a", "--address", default=":9400")
    parser.add_argument("-c", "--collect-interval", type=int, default=30000)
    parser.add_argument("-r", "--remote-hostengine-info", dest="hostengine", default="")
    parser.add_argument("--web-config-file", default="")
    args = parser.parse_args(argv)
    fields = counters(args.collectors)
    if args.hostengine:
        host, _colon, port = args.hostengine.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as error:
            sys.exit(f"Error connecting to nv-hostengine at {args.hostengine}: {error}")
    hostname = socket.gethostname()

    def render():
        lines = []
        for name, kind, text in fields:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            for gpu in GPUS:
                labels = {"gpu": gpu["index"], "UUID": gpu["uuid"], "pci_bus_id": gpu["pci.bus_id"],
                          "device": f"nvidia{gpu['index']}", "modelName": MODEL, "Hostname": hostname, "DCGM_FI_DRIVER_VERSION": DRIVER}
                lines.append(sample(name, labels, 0))
        return "\n".join(lines) + "\n"

    serve(args.address, "/metrics", args.web_config_file, render)


def nv_hostengine(argv):
    parser = argparse.ArgumentParser(prog="nv-hostengine")
    parser.add_argument("-n", "--no-daemon", action="store_true")
    parser.add_argument("--service-account", default="")
    parser.parse_args(argv)
    server = socket.create_server(("127.0.0.1", HOSTENGINE_PORT))
    while True:
        connection, _address = server.accept()
        connection.close()


def docker(argv):
    """`docker run ... IMAGE ARGS` of NVIDIA's dcgm-exporter image: the image's program runs here
    with its arguments, on the published address; `docker rm -f` and `docker stop` succeed."""
    if argv[:1] in (["rm"], ["stop"]):
        return 0
    if argv[:1] != ["run"]:
        sys.exit(f"docker stand-in: only run, rm and stop, not {argv[:1]}")
    options, rest = [], argv[1:]
    while rest and rest[0].startswith("-"):
        options.append(rest.pop(0))
    image, args = rest[0], rest[1:]
    if not image.startswith("nvcr.io/nvidia/k8s/dcgm-exporter:") or "--gpus=all" not in options:
        sys.exit(f"docker stand-in: runs NVIDIA's dcgm-exporter image with --gpus=all, not {image} {options}")
    for option in options:
        if option.startswith("--volume="):
            source = option.split("=", 1)[1].split(":")[0]
            if not os.path.isdir(source):
                sys.exit(f"docker stand-in: no directory {source} to mount")
    published = [option.split("=", 1)[1].rsplit(":", 1)[0] for option in options if option.startswith("--publish=")]
    args = [f"--address={published[0]}" if arg.startswith("--address=") else arg for arg in args]
    return dcgm_exporter(args)


PROGRAMS = {"nvidia-smi": nvidia_smi, "nvidia_gpu_exporter": nvidia_gpu_exporter, "dcgm-exporter": dcgm_exporter,
            "nv-hostengine": nv_hostengine, "docker": docker}

if __name__ == "__main__":
    sys.exit(PROGRAMS[os.path.basename(sys.argv[0])](sys.argv[1:]))
