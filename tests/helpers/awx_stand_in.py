"""A stand-in for the part of AWX's REST API (v2) that the awx.awx modules of awx/job_templates.yml
call, served on loopback: named objects listed and filtered as AWX filters them (name, or__id /
or__name, foreign keys), created with POST and changed with PATCH, references to other objects
checked, credentials associated and disassociated, survey specs stored, and SCM projects whose
first update finishes at once. Every answer carries AWX's product headers and needs the token."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "stand-in-token"
KINDS = {"organizations": "organization", "projects": "project", "project_updates": "project_update",
         "inventories": "inventory", "inventory_sources": "inventory_source", "job_templates": "job_template",
         "credentials": "credential", "execution_environments": "execution_environment"}
# Fields that hold the id of another object, and where that object lives.
REFERENCES = {"organization": "organizations", "project": "projects", "source_project": "projects",
              "inventory": "inventories", "credential": "credentials", "execution_environment": "execution_environments",
              "default_environment": "execution_environments"}
_PATH = re.compile(r"^/api/v2/(?P<endpoint>[a-z_]+)/(?:(?P<id>[0-9]+)/(?:(?P<sub>survey_spec|credentials)/)?)?$")


class Controller:
    """The objects by endpoint and id, survey specs and credential associations by job template id."""

    def __init__(self):
        self.objects = {endpoint: {} for endpoint in KINDS}
        self.surveys = {}
        self.credentials = {}
        self.writes = []  # (method, path) of every change, to tell a second run that changes nothing

    def add(self, endpoint, **fields):
        object_id = max([0, *(obj["id"] for objects in self.objects.values() for obj in objects.values())]) + 1
        url = f"/api/v2/{endpoint}/{object_id}/"
        obj = {"id": object_id, "type": KINDS[endpoint], "url": url, "summary_fields": {},
               "related": {"survey_spec": f"{url}survey_spec/", "credentials": f"{url}credentials/"},
               **fields}
        self.objects[endpoint][object_id] = obj
        return obj

    def named(self, endpoint, name):
        return next((obj for obj in self.objects[endpoint].values() if obj.get("name") == name), None)

    def dangling(self, fields):
        return [key for key, endpoint in REFERENCES.items() if key in fields and fields[key] not in self.objects[endpoint]]

    def create(self, endpoint, fields):
        obj = self.add(endpoint, **fields)
        if endpoint == "projects" and fields.get("scm_type"):
            update = self.add("project_updates", status="successful", finished=True, failed=False, scm_revision="0" * 40)
            obj.update(scm_revision="", summary_fields={"current_update": {"id": update["id"]}})
        return obj


def _matches(obj, query):
    wanted = {key: values[0] for key, values in query.items()}
    alternatives = {key[4:]: value for key, value in wanted.items() if key.startswith("or__")}
    if alternatives and not any(str(obj.get(key)) == value for key, value in alternatives.items()):
        return False
    return all(str(obj.get(key)) == value for key, value in wanted.items() if not key.startswith("or__"))


def handler_for(controller):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body=None):
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-API-Product-Name", "AWX")
            self.send_header("X-API-Product-Version", "24.6.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def route(self):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.answer(401, {"detail": "Authentication credentials were not provided."})
            url = urlsplit(self.path)
            match = _PATH.match(url.path)
            if not match or match["endpoint"] not in KINDS:
                return self.answer(404, {"detail": "Not found."})
            endpoint, sub = match["endpoint"], match["sub"]
            objects = controller.objects[endpoint]
            obj = objects.get(int(match["id"])) if match["id"] else None
            if match["id"] and obj is None:
                return self.answer(404, {"detail": "Not found."})
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.command != "GET":
                controller.writes.append((self.command, url.path))
            if sub == "survey_spec":
                if self.command == "POST":
                    controller.surveys[obj["id"]] = body
                return self.answer(200, controller.surveys.get(obj["id"], {}))
            if sub == "credentials":
                linked = controller.credentials.setdefault(obj["id"], [])
                if self.command == "GET":
                    results = [controller.objects["credentials"][cid] for cid in linked]
                    return self.answer(200, {"count": len(results), "next": None, "results": results})
                if body["id"] not in controller.objects["credentials"]:
                    return self.answer(400, {"msg": f"credential {body['id']} does not exist"})
                if body.get("disassociate"):
                    linked.remove(body["id"])
                else:
                    linked.append(body["id"])
                return self.answer(204)
            if self.command == "GET" and obj:
                return self.answer(200, obj)
            if self.command == "GET":
                results = [o for o in objects.values() if _matches(o, parse_qs(url.query))]
                return self.answer(200, {"count": len(results), "next": None, "results": results})
            dangling = controller.dangling(body)
            if dangling:
                return self.answer(400, {key: ["Invalid pk - object does not exist."] for key in dangling})
            if self.command == "POST" and obj is None:
                if controller.named(endpoint, body.get("name")):
                    return self.answer(400, {"__all__": [f"{KINDS[endpoint]} with this name already exists."]})
                return self.answer(201, controller.create(endpoint, body))
            if self.command == "PATCH" and obj:
                obj.update(body)
                return self.answer(200, obj)
            return self.answer(405, {"detail": f"Method {self.command} not allowed."})

        do_GET = do_POST = do_PATCH = do_DELETE = route

    return Handler


def serve(controller):
    """(server, url) of the stand-in serving `controller` on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(controller))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
