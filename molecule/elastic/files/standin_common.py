"""What the Elasticsearch and Kibana stand-ins share: JSON over HTTP(S), a keystore command kept as
JSON, and refusing to start the way the real programs do (a message on stderr, exit status 78)."""

import argparse
import http.server
import json
import os
import ssl
import sys


class JsonHandler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def write_json(path, value):
    """Replaces the file at once, so a reader never sees half of it."""
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(value, handle)
    os.replace(path + ".tmp", path)


def refuse(message):
    print(message, file=sys.stderr)
    sys.exit(78)


def serve_tls(address, handler, certificate, key, banner):
    """Serves handler over TLS with this certificate and key; refuses to start when they cannot be read."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certificate, key)
    except (OSError, ssl.SSLError) as error:
        refuse(f"ERROR: cannot read the TLS certificate {certificate} or key {key}: {error}")
    server = http.server.ThreadingHTTPServer(address, handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(banner, flush=True)
    server.serve_forever()


def keystore_command(argv, path, prog, parse_value=str, seed=None):
    """The keystore tool both products ship: create, list, add [--stdin] [--force], remove."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("command", choices=["create", "list", "add", "remove", "has-passwd"])
    parser.add_argument("setting", nargs="?")
    parser.add_argument("-x", "--stdin", action="store_true")
    parser.add_argument("-f", "--force", action="store_true")
    args = parser.parse_intermixed_args(argv)
    if args.command == "create":
        write_json(path, dict(seed or {}))
        return 0
    if not os.path.exists(path):
        print(f"ERROR: keystore not found at [{path}]. Use 'create' command to create one.", file=sys.stderr)
        return 65
    with open(path, encoding="utf-8") as handle:
        store = json.load(handle)
    if args.command == "has-passwd":
        return 1
    if args.command == "list":
        print("\n".join(sorted(store)))
        return 0
    if args.command == "add":
        if args.setting in store and not args.force:
            print(f"ERROR: Setting [{args.setting}] already exists", file=sys.stderr)
            return 1
        store[args.setting] = parse_value(sys.stdin.read().rstrip("\n") if args.stdin else input())
    elif args.setting not in store:
        print(f"ERROR: Setting [{args.setting}] does not exist in the keystore.", file=sys.stderr)
        return 65
    else:
        del store[args.setting]
    write_json(path, store)
    return 0
