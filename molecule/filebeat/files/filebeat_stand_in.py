"""Stand-in for the filebeat binary, packed like Elastic's release archive because Elastic's
downloads are unreachable from the test machines. It implements what the role calls - keystore
create/add, `test config` (the checks Filebeat makes of inputs and outputs, with ${VAR}
resolved from the keystore) and the daemon's HTTP stats endpoint - so the role's install,
validation and service logic run for real. It ships nothing."""

import argparse
import http.server
import json
import os
import re
import sys

import yaml

VERSION = "9.2.1"


def options(argv):
    parser = argparse.ArgumentParser(prog="filebeat")
    parser.add_argument("command", nargs="*")
    parser.add_argument("-c", dest="config", default="filebeat.yml")
    parser.add_argument("--stdin", action="store_true")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--environment")
    for name in ("home", "config", "data", "logs"):
        parser.add_argument(f"--path.{name}", dest=f"path_{name}")
    return parser.parse_args(argv)


def keystore_path(args):
    return os.path.join(args.path_data, "filebeat.keystore")


def load_keystore(args):
    with open(keystore_path(args), encoding="utf-8") as handle:
        return json.load(handle)


def problems(config, secrets):
    found = []
    for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}", json.dumps(config)):
        if name not in secrets:
            found.append(f"missing field accessing '{name}' (keystore has no such key)")
    inputs = config.get("filebeat.inputs")
    if not isinstance(inputs, list):
        found.append("filebeat.inputs must be a list")
        inputs = []
    ids = set()
    for index, entry in enumerate(inputs):
        if entry.get("type") == "filestream":
            if not entry.get("id") or entry["id"] in ids:
                found.append(f"filebeat.inputs.{index}: filestream input id is missing or not unique")
            ids.add(entry.get("id"))
            if not entry.get("paths"):
                found.append(f"filebeat.inputs.{index}: no paths were defined for input accessing 'paths'")
            for parser_entry in entry.get("parsers", []):
                pattern = parser_entry.get("multiline", {}).get("pattern")
                if pattern is not None:
                    try:
                        re.compile(pattern)
                    except re.error as error:
                        found.append(f"filebeat.inputs.{index}: multiline pattern: {error}")
    outputs = [key for key in config if key.startswith("output.")]
    if len(outputs) != 1:
        found.append(f"exactly one output must be configured, found {outputs}")
    return found


def main(argv):
    args = options(argv)
    if args.command[:2] == ["keystore", "create"]:
        with open(keystore_path(args), "w", encoding="utf-8") as handle:
            json.dump({}, handle)
        os.chmod(keystore_path(args), 0o600)
        print("Created filebeat keystore")
        return 0
    if args.command[:2] == ["keystore", "add"]:
        secrets = load_keystore(args)
        secrets[args.command[2]] = sys.stdin.read().strip()
        with open(keystore_path(args), "w", encoding="utf-8") as handle:
            json.dump(secrets, handle)
        print("Successfully updated the keystore")
        return 0
    with open(args.config, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    secrets = load_keystore(args) if os.path.exists(keystore_path(args)) else {}
    found = problems(config, secrets)
    if args.command == ["test", "config"]:
        if found:
            print("Exiting: error loading config file: " + "; ".join(found), file=sys.stderr)
            return 1
        print("Config OK")
        return 0
    if found:
        print("Exiting: " + "; ".join(found), file=sys.stderr)
        return 1
    stats = json.dumps({"beat": "filebeat", "version": VERSION, "inputs": [entry.get("id") for entry in config["filebeat.inputs"]]})

    # /stats in Filebeat's shape: the stand-in ships nothing, so every counter is 0.
    libbeat_stats = json.dumps({
        "beat": {"info": {"version": VERSION}},
        "filebeat": {"events": {"active": 0, "added": 0, "done": 0}, "harvester": {"open_files": 0, "running": 0}},
        "libbeat": {"output": {"type": "elasticsearch" if "output.elasticsearch" in config else "logstash",
                               "events": {"acked": 0, "active": 0, "dropped": 0, "failed": 0, "total": 0},
                               "read": {"errors": 0}, "write": {"errors": 0}},
                    "pipeline": {"events": {"dropped": 0, "failed": 0, "published": 0}}},
        "registrar": {"writes": {"fail": 0, "success": 0}},
    })

    class Stats(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = (libbeat_stats if self.path == "/stats" else stats).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    http.server.HTTPServer((config.get("http.host", "localhost"), config.get("http.port", 5066)), Stats).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
