"""A stand-in for Grafana's `grafana` program, packed like its release archive (Grafana cannot be
installed on the test machines). It does what the grafana role relies on, the way Grafana does it:

  grafana server --homepath=H --config=C   reads grafana.ini ($__file{} references resolved),
      seeds its database with the admin password on first start only, provisions the datasources
      and the dashboards from files (a dashboard is saved again only when its file's time or
      content changed; a provisioned one refuses API saves unless its provider allows UI updates),
      and serves /api/health, /api/user, /api/datasources/uid/U, /api/folders/U,
      /api/dashboards/uid/U, /api/dashboards/db and /api/admin/provisioning/dashboards/reload over
      HTTPS with basic auth.
  grafana cli --homepath=H --config=C admin reset-admin-password --password-from-stdin
"""

import base64
import configparser
import glob
import hashlib
import json
import os
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

VERSION = "13.1.3"
FILE_REFERENCE = re.compile(r"\$__file\{([^}]*)\}")
LOCK = threading.Lock()


def settings(argv):
    options = dict(arg[2:].split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(options["config"])

    def value(section, key, default=""):
        raw = parser.get(section, key, fallback=default)
        return FILE_REFERENCE.sub(lambda match: open(match[1]).read().strip(), raw)
    return value


class Database:
    """Grafana's database, as a JSON file in the data directory."""

    def __init__(self, path, admin_password):
        self.path = path
        if not os.path.exists(path):
            self.state = {"admin_password": admin_password, "dashboards": {}, "datasources": {}, "folders": {}}
            self.save()

    def load(self):
        with open(self.path) as handle:
            self.state = json.load(handle)
        return self.state

    def save(self):
        with open(self.path + ".tmp", "w") as handle:
            json.dump(self.state, handle)
        os.replace(self.path + ".tmp", self.path)


def provision(value, database):
    """Datasources and dashboards from the provisioning directory, as Grafana reads them."""
    root = value("paths", "provisioning")
    with LOCK:
        state = database.load()
        datasources = {}
        for path in sorted(glob.glob(f"{root}/datasources/*.y*ml")):
            for source in yaml.safe_load(open(path)).get("datasources") or []:
                missing = [key for key in ("name", "type", "uid", "url") if not source.get(key)]
                if missing:
                    sys.exit(f"Datasource provisioning error: {path}: datasource {source.get('name')!r} lacks {missing}")
                datasources[source["uid"]] = source
        state["datasources"] = datasources
        seen = set()
        for path in sorted(glob.glob(f"{root}/dashboards/*.y*ml")):
            for provider in yaml.safe_load(open(path)).get("providers") or []:
                state["folders"][provider["folderUid"]] = provider["folder"]
                for file in sorted(glob.glob(os.path.join(provider["options"]["path"], "*.json"))):
                    text = open(file).read()
                    model = json.loads(text)
                    seen.add(model["uid"])
                    checksum, mtime = hashlib.sha256(text.encode()).hexdigest(), os.stat(file).st_mtime
                    stored = state["dashboards"].get(model["uid"])
                    provisioning = {"file": file, "checksum": checksum, "mtime": mtime, "allowUiUpdates": provider.get("allowUiUpdates", False)}
                    if stored and stored["provisioning"]["checksum"] == checksum and stored["provisioning"]["mtime"] == mtime:
                        stored["provisioning"]["allowUiUpdates"] = provisioning["allowUiUpdates"]
                        continue
                    state["dashboards"][model["uid"]] = {"model": model, "version": (stored or {"version": 0})["version"] + 1,
                                                         "folderUid": provider["folderUid"], "provisioning": provisioning}
        for uid in [uid for uid, stored in state["dashboards"].items() if stored.get("provisioning") and uid not in seen]:
            del state["dashboards"][uid]
        database.save()


def serve(argv):
    value = settings(argv)
    data = value("paths", "data")
    database = Database(os.path.join(data, "grafana.db"), value("security", "admin_password", "admin"))
    provision(value, database)
    admin = value("security", "admin_user", "admin")

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body):
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def authorized(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            user, _colon, password = base64.b64decode(header[6:]).decode().partition(":")
            return user == admin and password == database.load()["admin_password"]

        def route(self, method):
            if self.path == "/api/health":
                return self.reply(200, {"database": "ok", "version": VERSION, "commit": "stand-in"})
            if not self.authorized():
                return self.reply(401, {"message": "Unauthorized"})
            state = database.load()
            if self.path == "/api/user" and method == "GET":
                return self.reply(200, {"login": admin, "isGrafanaAdmin": True})
            match = re.fullmatch(r"/api/(datasources/uid|folders|dashboards/uid)/([^/?]+)", self.path)
            if match and method == "GET":
                kind, uid = match.groups()
                if kind == "datasources/uid" and uid in state["datasources"]:
                    source = dict(state["datasources"][uid])
                    source["secureJsonFields"] = {key: True for key in source.pop("secureJsonData", {})}
                    return self.reply(200, source)
                if kind == "folders" and uid in state["folders"]:
                    return self.reply(200, {"uid": uid, "title": state["folders"][uid]})
                if kind == "dashboards/uid" and uid in state["dashboards"]:
                    stored = state["dashboards"][uid]
                    return self.reply(200, {"dashboard": {**stored["model"], "id": 1, "version": stored["version"]},
                                            "meta": {"provisioned": bool(stored.get("provisioning")), "folderUid": stored["folderUid"],
                                                     "version": stored["version"]}})
                return self.reply(404, {"message": "Not found"})
            if self.path == "/api/dashboards/db" and method == "POST":
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                model = body["dashboard"]
                with LOCK:
                    state = database.load()
                    stored = state["dashboards"].get(model.get("uid"))
                    if stored and stored.get("provisioning") and not stored["provisioning"]["allowUiUpdates"]:
                        return self.reply(400, {"message": "Cannot save provisioned dashboard"})
                    model = {key: value for key, value in model.items() if key not in ("id", "version")}
                    version = (stored or {"version": 0})["version"] + 1
                    state["dashboards"][model["uid"]] = {**(stored or {"folderUid": body.get("folderUid", "")}), "model": model,
                                                         "version": version}
                    database.save()
                return self.reply(200, {"status": "success", "uid": model["uid"], "version": version})
            if self.path == "/api/admin/provisioning/dashboards/reload" and method == "POST":
                provision(value, database)
                return self.reply(200, {"message": "Dashboards config reloaded"})
            return self.reply(404, {"message": "Not found"})

        def do_GET(self):  # noqa: N802 (http.server's name)
            self.route("GET")

        def do_POST(self):  # noqa: N802
            self.route("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((value("server", "http_addr", "0.0.0.0"), int(value("server", "http_port", "3000"))), Handler)
    if value("server", "protocol", "http") == "https":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(value("server", "cert_file"), value("server", "cert_key"))
        server.socket = context.wrap_socket(server.socket, server_side=True)

    def poll():
        while not stop.wait(5):
            provision(value, database)
    stop = threading.Event()
    threading.Thread(target=poll, daemon=True).start()
    server.serve_forever()


def reset_admin_password(argv):
    value = settings(argv)
    database = Database(os.path.join(value("paths", "data"), "grafana.db"), "")
    state = database.load()
    state["admin_password"] = sys.stdin.read().strip()
    database.save()
    print("Admin password changed successfully ✔")


def main(argv):
    if argv[:1] == ["server"]:
        return serve(argv[1:])
    if argv[:1] == ["cli"] and argv[-3:] == ["admin", "reset-admin-password", "--password-from-stdin"]:
        return reset_admin_password(argv[1:])
    sys.exit(f"grafana stand-in: unsupported arguments {argv}")


if __name__ == "__main__":
    main(sys.argv[1:])
