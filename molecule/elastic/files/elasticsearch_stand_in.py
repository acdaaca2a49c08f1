"""Stand-in for Elasticsearch, packed like Elastic's release archive because Elastic's downloads
are unreachable from the test machines (and used in-process by the unit tests of the modules).

It serves, over the TLS the role configures, the part of the REST API the collection calls, with
Elasticsearch's rules for it: authentication (the elastic user's bootstrap password from the
keystore, users, API keys, service-account tokens), API keys and service tokens limited to what
they were granted, objects stored the way Elasticsearch returns them (settings nested and
stringified, defaults added), and _simulate running gsub/grok/set/append/rename/remove processors (the
grok ones with the collection's grok engine), the collection's redaction script (with its Python twin,
from the script's params) and its reroute by data class; others, and conditional ones, are skipped.
It refuses to start on what Elasticsearch refuses: security off, HTTP without TLS, unreadable
certificates, -Xms different from -Xmx. It stores no documents."""

import base64
import glob
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time

from standin_common import JsonHandler, keystore_command, refuse, serve_tls, write_json

try:
    from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import Grok
    from ansible_collections.llmagentos.ops.plugins.module_utils.logs.redaction import redact_document
except ImportError:  # packed beside the stand-in in the release archive
    from llmagentos_grok.grok import Grok
    from llmagentos_grok.redaction import redact_document

VERSION = "9.2.1"
SUPERUSER = {"username": "elastic", "roles": ["superuser"], "limited": False}
# What a limited user or service token may call (API keys: what their role descriptors grant, below).
LIMITED_ALLOWED = [("GET", r"/"), ("GET", r"/_security/_authenticate"), ("GET", r"/_cluster/health"),
                   ("POST", r"/_bulk"), ("POST", r"/logs-[^/]+/_doc")]
# An API key may call what its role descriptors grant: reading the cluster's state needs the
# `monitor` cluster privilege, writing documents an index privilege that writes.
MONITOR_ALLOWED = [("GET", r"/"), ("GET", r"/_cluster/health"), ("GET", r"/_nodes(/[^/]+)?/stats(/[^/]+)*")]
WRITE_ALLOWED = [("POST", r"/_bulk"), ("POST", r"/logs-[^/]+/_doc")]
WRITING = {"create_doc", "create", "index", "write", "all"}


def _granted(role_descriptors):
    """The calls an API key limited to these role descriptors may make."""
    allowed = [("GET", r"/_security/_authenticate")]
    if any("monitor" in descriptor.get("cluster", []) for descriptor in role_descriptors.values()):
        allowed += MONITOR_ALLOWED
    if any(set(index.get("privileges", [])) & WRITING for descriptor in role_descriptors.values()
           for index in descriptor.get("indices", [])):
        allowed += WRITE_ALLOWED
    return allowed


class ApiError(Exception):
    def __init__(self, status, error_type, reason):
        super().__init__(reason)
        self.status, self.error_type, self.reason = status, error_type, reason


class Cluster:
    """The state a node keeps: security objects, ILM policies, templates, pipelines."""

    def __init__(self, bootstrap_password, state_file=None):
        self.bootstrap_password = bootstrap_password
        self.state_file = state_file
        self.lock = threading.Lock()
        self.requests = []  # (method, path) of every authenticated call, for the tests
        self.state = {"users": {}, "roles": {}, "api_keys": {}, "service_tokens": {}, "ilm": {}, "index_templates": {},
                      "component_templates": {}, "pipelines": {}}
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as handle:
                self.state.update(json.load(handle))

    def save(self):
        if self.state_file:
            write_json(self.state_file, self.state)

    # --- authentication -------------------------------------------------------------------
    def authenticate(self, header):
        scheme, _space, credentials = (header or "").partition(" ")
        if scheme == "Basic":
            username, _colon, password = base64.b64decode(credentials).decode().partition(":")
            user = self.state["users"].get(username)
            if username == "elastic" and user is None and self.bootstrap_password and password == self.bootstrap_password:
                return SUPERUSER
            if user and user["password_hash"] == _hash(password):
                return {"username": username, "roles": user["roles"], "limited": "superuser" not in user["roles"]}
        elif scheme == "ApiKey":
            key_id, _colon, key = base64.b64decode(credentials).decode().partition(":")
            api_key = self.state["api_keys"].get(key_id)
            if api_key and not api_key["invalidated"] and api_key["hash"] == _hash(key):
                return {"username": api_key["username"], "roles": [], "limited": bool(api_key["role_descriptors"]),
                        "allowed": _granted(api_key["role_descriptors"]), "api_key": {"id": key_id, "name": api_key["name"]}}
        elif scheme == "Bearer":
            for name, token in self.state["service_tokens"].items():
                if token["hash"] == _hash(credentials):
                    return {"username": "elastic/kibana", "roles": [], "limited": True, "token": {"name": name}}
        raise ApiError(401, "security_exception", "unable to authenticate user")

    # --- the REST API -----------------------------------------------------------------------
    def handle(self, method, path, query, body, principal):
        self.requests.append((method, path))
        if principal["limited"] and not any(method == allowed_method and re.fullmatch(pattern, path)
                                            for allowed_method, pattern in principal.get("allowed", LIMITED_ALLOWED)):
            raise ApiError(403, "security_exception",
                           f"action [{method} {path}] is unauthorized for user [{principal['username']}]")
        with self.lock:
            for route_method, pattern, handler in ROUTES:
                found = re.fullmatch(pattern, path)
                if found and route_method == method:
                    answer = handler(self, body or {}, query, principal, *found.groups())
                    if method != "GET":
                        self.save()
                    return answer
        raise ApiError(405, "illegal_argument_exception", f"stand-in has no {method} {path}")

    def root(self, *_):
        return {"name": "stand-in", "cluster_name": "llmagentos", "version": {"number": VERSION}, "tagline": "stand-in"}

    def health(self, *_):
        return {"cluster_name": "llmagentos", "status": "green", "number_of_nodes": 1}

    def node_stats(self, *_):
        """The local node's data path, measured on the disk the stand-in runs on."""
        path = self.state_file and os.path.dirname(self.state_file) or "/"
        disk = os.statvfs(path)
        return {"cluster_name": "llmagentos", "nodes": {"stand-in": {
            "name": "stand-in", "host": "127.0.0.1", "roles": ["master", "data", "ingest"],
            "fs": {"data": [{"path": path, "mount": "/", "total_in_bytes": disk.f_blocks * disk.f_frsize,
                             "free_in_bytes": disk.f_bfree * disk.f_frsize, "available_in_bytes": disk.f_bavail * disk.f_frsize}]}}}}

    def whoami(self, _body, _query, principal):
        answer = {"username": principal["username"], "roles": principal["roles"], "enabled": True,
                  "authentication_type": "api_key" if "api_key" in principal else "token" if "token" in principal else "realm"}
        if "api_key" in principal:
            answer["api_key"] = principal["api_key"]
        return answer

    def get_named(self, kind, name, wrap):
        if name not in self.state[kind]:
            raise ApiError(404, "resource_not_found_exception", f"{kind} [{name}] not found")
        return wrap(self.state[kind][name])

    def get_role(self, _body, _query, _principal, name):
        return self.get_named("roles", name, lambda role: {name: role})

    def put_role(self, body, _query, _principal, name):
        role = {"cluster": body.get("cluster", []), "run_as": body.get("run_as", []), "metadata": body.get("metadata", {}),
                "applications": body.get("applications", []), "transient_metadata": {"enabled": True},
                "indices": [dict({"allow_restricted_indices": False}, **entry) for entry in body.get("indices", [])]}
        created = name not in self.state["roles"]
        self.state["roles"][name] = role
        return {"role": {"created": created}}

    def put_user(self, body, _query, _principal, name):
        user = self.state["users"].get(name)
        if user is None and "password" not in body:
            raise ApiError(400, "action_request_validation_exception", "Validation Failed: 1: password must be specified;")
        stored = user or {}
        if "password" in body:
            stored["password_hash"] = _hash(body["password"])
        stored.update(roles=body.get("roles", stored.get("roles", [])), full_name=body.get("full_name"))
        self.state["users"][name] = stored
        return {"created": user is None}

    def get_user(self, _body, _query, _principal, name):
        def described(user):
            return {name: {"username": name, "roles": user["roles"], "full_name": user["full_name"], "enabled": True}}
        return self.get_named("users", name, described)

    def change_password(self, body, _query, _principal, name):
        if name == "elastic" and name not in self.state["users"]:
            self.state["users"][name] = {"roles": ["superuser"], "full_name": None}
        if name not in self.state["users"]:
            raise ApiError(404, "resource_not_found_exception", f"user [{name}] not found")
        self.state["users"][name]["password_hash"] = _hash(body["password"])
        return {}

    def create_api_key(self, body, _query, principal):
        key_id, key = secrets.token_hex(10), secrets.token_urlsafe(16)
        self.state["api_keys"][key_id] = {"name": body["name"], "hash": _hash(key), "invalidated": False,
                                          "username": principal["username"], "role_descriptors": body.get("role_descriptors", {}),
                                          "metadata": body.get("metadata", {}), "creation": int(time.time() * 1000)}
        return {"id": key_id, "name": body["name"], "api_key": key,
                "encoded": base64.b64encode(f"{key_id}:{key}".encode()).decode()}

    def get_api_keys(self, _body, query, _principal):
        keys = [{"id": key_id, "name": key["name"], "invalidated": key["invalidated"], "username": key["username"],
                 "creation": key["creation"], "metadata": key["metadata"], "role_descriptors": key["role_descriptors"]}
                for key_id, key in self.state["api_keys"].items()
                if key["name"] == query.get("name", key["name"]) and not (query.get("active_only") == "true" and key["invalidated"])]
        return {"api_keys": keys}

    def invalidate_api_keys(self, body, _query, _principal):
        ids = [key_id for key_id in body.get("ids", []) if key_id in self.state["api_keys"]]
        ids += [key_id for key_id, key in self.state["api_keys"].items() if body.get("name") and key["name"] == body["name"]]
        for key_id in ids:
            self.state["api_keys"][key_id]["invalidated"] = True
        return {"invalidated_api_keys": sorted(set(ids)), "previously_invalidated_api_keys": [], "error_count": 0}

    def create_service_token(self, _body, _query, _principal, namespace, service, name):
        if (namespace, service) != ("elastic", "kibana"):
            raise ApiError(400, "illegal_argument_exception", f"service account [{namespace}/{service}] does not exist")
        if name in self.state["service_tokens"]:
            raise ApiError(409, "version_conflict_engine_exception", f"token [{name}] already exists")
        value = base64.b64encode(f"elastic/kibana/{name}:{secrets.token_urlsafe(16)}".encode()).decode()
        self.state["service_tokens"][name] = {"hash": _hash(value)}
        return {"created": True, "token": {"name": name, "value": value}}

    def delete_service_token(self, _body, _query, _principal, _namespace, _service, name):
        return {"found": self.state["service_tokens"].pop(name, None) is not None}

    def get_service_credentials(self, _body, _query, _principal, namespace, service):
        return {"service_account": f"{namespace}/{service}", "count": len(self.state["service_tokens"]),
                "tokens": {name: {} for name in self.state["service_tokens"]}, "nodes_credentials": {"file_tokens": {}}}

    def get_ilm(self, _body, _query, _principal, name):
        return self.get_named("ilm", name, lambda policy: {name: policy})

    def put_ilm(self, body, _query, _principal, name):
        policy = json.loads(json.dumps(body["policy"]))
        for phase in policy.get("phases", {}).values():
            phase.setdefault("min_age", "0ms")
            if "delete" in phase.get("actions", {}):
                phase["actions"]["delete"].setdefault("delete_searchable_snapshot", True)
        version = self.state["ilm"].get(name, {}).get("version", 0) + 1
        self.state["ilm"][name] = {"version": version, "modified_date": "2026-01-01T00:00:00.000Z", "policy": policy}
        return {"acknowledged": True}

    def get_template(self, kind, key, name):
        return self.get_named(kind, name, lambda template: {kind: [{"name": name, key: template}]})

    def put_template(self, kind, body, name):
        template = json.loads(json.dumps(body))
        settings = template.get("template", {}).get("settings")
        if settings is not None:
            template["template"]["settings"] = _stored_settings(settings)
        if "data_stream" in template:
            template["data_stream"] = dict({"hidden": False, "allow_custom_routing": False}, **template["data_stream"])
        self.state[kind][name] = template
        return {"acknowledged": True}

    def delete(self, kind, name):
        if self.state[kind].pop(name, None) is None:
            raise ApiError(404, "resource_not_found_exception", f"[{name}] not found")
        return {"acknowledged": True}

    def get_pipeline(self, _body, _query, _principal, name):
        return self.get_named("pipelines", name, lambda pipeline: {name: pipeline})

    def put_pipeline(self, body, _query, _principal, name):
        if "processors" not in body:
            raise ApiError(400, "parse_exception", "[processors] required property is missing")
        self.state["pipelines"][name] = body
        return {"acknowledged": True}

    def simulate(self, body, _query, _principal):
        return {"docs": [simulate_document(body["pipeline"], doc["_source"]) for doc in body["docs"]]}


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _stored_settings(settings):
    """Settings as Elasticsearch returns them: nested, under `index`, scalars as strings."""
    nested = {}
    for key, value in settings.items():
        key = key if key.startswith("index.") else f"index.{key}"
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = str(value).lower() if isinstance(value, bool) else str(value)
    return nested


def _set_field(document, field, value):
    *parents, leaf = field.split(".")
    for part in parents:
        document = document.setdefault(part, {})
    document[leaf] = value


def _pop_field(document, field):
    *parents, leaf = field.split(".")
    for part in parents:
        document = document.get(part, {})
    return document.pop(leaf, None)


def _prompt_event(document):
    return isinstance(document.get("llmagentos"), dict) and document["llmagentos"].get("data_class") == "prompt"


def _run_processors(processors, document):
    """Runs `processors`; returns the data stream dataset a reroute chose, or None."""
    for processor in processors:
        (kind, options), = processor.items()
        if kind == "script" and options.get("tag") == "llmagentos-redaction":
            # The collection's redaction script, run by its Python twin from the script's own params.
            params = options["params"]
            redact_document(document, dict(params, fields=[field["path"] for field in params["fields"]],
                                           prompt_fields=[field["path"] for field in params["prompt_fields"]]))
        elif kind == "reroute" and options.get("if") == "ctx['llmagentos']?.data_class == 'prompt'":
            if _prompt_event(document):
                return options["dataset"]
        elif "if" in options:
            continue  # other painless conditions are beyond the stand-in
        elif kind == "grok":
            source = document.get(options["field"]) if "." not in options["field"] else None
            found = Grok(options["patterns"], options.get("pattern_definitions")).match(source) if source is not None else None
            if found is None:
                if options.get("ignore_failure") or (source is None and options.get("ignore_missing")):
                    continue
                raise ValueError("Provided Grok expressions do not match field value: [" + str(source) + "]")
            for field, value in found[1].items():
                _set_field(document, field, value)
        elif kind == "gsub":
            if isinstance(document.get(options["field"]), str):
                document[options["field"]] = re.sub(options["pattern"], options["replacement"], document[options["field"]])
        elif kind == "set":
            _set_field(document, options["field"], options.get("value"))
        elif kind == "append":
            *parents, leaf = options["field"].split(".")
            node = document
            for part in parents:
                node = node.setdefault(part, {})
            values = options["value"] if isinstance(options["value"], list) else [options["value"]]
            node[leaf] = (node.get(leaf) if isinstance(node.get(leaf), list) else [node[leaf]] if leaf in node else []) + values
        elif kind == "rename":
            value = _pop_field(document, options["field"])
            if value is not None:
                _set_field(document, options["target_field"], value)
        elif kind == "remove":
            for field in options["field"] if isinstance(options["field"], list) else [options["field"]]:
                _pop_field(document, field)
    return None


def simulate_document(pipeline, source, index="logs-llmagentos.agents-default"):
    document = json.loads(json.dumps(source))
    try:
        dataset = _run_processors(pipeline.get("processors", []), document)
    except ValueError as error:
        if not pipeline.get("on_failure"):
            return {"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": str(error)}],
                              "type": "illegal_argument_exception", "reason": str(error)}}
        handlers = []
        for processor in pipeline["on_failure"]:
            (kind, options), = processor.items()
            if isinstance(options.get("value"), str):
                options = dict(options, value=options["value"].replace("{{{_ingest.on_failure_message}}}", str(error))
                               .replace("{{{_ingest.on_failure_processor_type}}}", "grok"))
            handlers.append({kind: options})
        dataset = _run_processors(handlers, document)
    if dataset:
        # As reroute does: the event goes to logs-DATASET-NAMESPACE, its data_stream fields updated.
        namespace = index.rsplit("-", 1)[-1]
        index = f"logs-{dataset}-{namespace}"
        document["data_stream"] = {"type": "logs", "dataset": dataset, "namespace": namespace}
    return {"doc": {"_index": index, "_source": document}}


def _crud(pattern, kind, get, put):
    """GET, PUT and DELETE of one kind of named object."""
    return [("GET", pattern, get), ("PUT", pattern, put),
            ("DELETE", pattern, lambda self, _body, _query, _principal, name: self.delete(kind, name))]


def _template_routes(prefix, kind, key):
    return _crud(rf"/{prefix}/([^/]+)", kind,
                 lambda self, _body, _query, _principal, name: self.get_template(kind, key, name),
                 lambda self, body, _query, _principal, name: self.put_template(kind, body, name))


ROUTES = [
    ("GET", r"/", Cluster.root),
    ("GET", r"/_cluster/health", Cluster.health),
    ("GET", r"/_nodes(?:/[^/]+)?/stats(?:/[^/]+)*", Cluster.node_stats),
    ("GET", r"/_security/_authenticate", Cluster.whoami),
    *_crud(r"/_security/role/([^/]+)", "roles", Cluster.get_role, Cluster.put_role),
    ("GET", r"/_security/user/([^/]+)", Cluster.get_user),
    ("PUT", r"/_security/user/([^/]+)", Cluster.put_user),
    ("POST", r"/_security/user/([^/]+)/_password", Cluster.change_password),
    ("POST", r"/_security/api_key", Cluster.create_api_key),
    ("GET", r"/_security/api_key", Cluster.get_api_keys),
    ("DELETE", r"/_security/api_key", Cluster.invalidate_api_keys),
    ("POST", r"/_security/service/([^/]+)/([^/]+)/credential/token/([^/]+)", Cluster.create_service_token),
    ("DELETE", r"/_security/service/([^/]+)/([^/]+)/credential/token/([^/]+)", Cluster.delete_service_token),
    ("GET", r"/_security/service/([^/]+)/([^/]+)/credential", Cluster.get_service_credentials),
    *_crud(r"/_ilm/policy/([^/]+)", "ilm", Cluster.get_ilm, Cluster.put_ilm),
    *_template_routes("_index_template", "index_templates", "index_template"),
    *_template_routes("_component_template", "component_templates", "component_template"),
    ("POST", r"/_ingest/pipeline/_simulate", Cluster.simulate),
    *_crud(r"/_ingest/pipeline/([^/]+)", "pipelines", Cluster.get_pipeline, Cluster.put_pipeline),
]


def handler_for(cluster):
    class Handler(JsonHandler):
        def _handle(self):
            body = self.read_json()
            path, _mark, query_text = self.path.partition("?")
            query = dict(pair.partition("=")[::2] for pair in query_text.split("&") if pair)
            try:
                principal = cluster.authenticate(self.headers.get("Authorization"))
                self.reply(200, cluster.handle(self.command, path.rstrip("/") or "/", query, body, principal))
            except ApiError as error:
                self.reply(error.status, {"error": {"root_cause": [{"type": error.error_type, "reason": error.reason}],
                                                    "type": error.error_type, "reason": error.reason}, "status": error.status})

        do_GET = do_PUT = do_POST = do_DELETE = _handle
    return Handler


# --- the command line: bin/elasticsearch and bin/elasticsearch-keystore ------------------------
def keystore_file(config_dir):
    return os.path.join(config_dir, "elasticsearch.keystore")


def serve(config_dir):
    import yaml  # pylint: disable=import-outside-toplevel  # the container's python3-yaml

    with open(os.path.join(config_dir, "elasticsearch.yml"), encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    if settings.get("xpack.security.enabled") is not True:
        refuse("ERROR: the stand-in, like the role, requires xpack.security.enabled: true")
    if settings.get("xpack.security.http.ssl.enabled") is not True:
        refuse("ERROR: xpack.security.http.ssl.enabled must be true")
    heap = {}
    for options in sorted(glob.glob(os.path.join(config_dir, "jvm.options.d", "*.options"))):
        with open(options, encoding="utf-8") as handle:
            heap.update(re.findall(r"^-(Xm[sx])(\S+)$", handle.read(), re.MULTILINE))
    if heap.get("Xms") != heap.get("Xmx"):
        refuse(f"ERROR: bootstrap check failure: initial heap size [{heap.get('Xms')}] not equal to maximum heap size [{heap.get('Xmx')}]")
    with open(keystore_file(config_dir), encoding="utf-8") as handle:
        bootstrap_password = json.load(handle).get("bootstrap.password")
    cluster = Cluster(bootstrap_password, os.path.join(settings["path.data"], "stand-in-state.json"))
    hosts = settings.get("network.host", "_local_")
    hosts = hosts if isinstance(hosts, list) else [hosts]
    # Loopback only, or every address (the stand-in does not resolve _site_ and friends).
    address = ("127.0.0.1" if set(hosts) <= {"_local_", "localhost", "127.0.0.1"} else "0.0.0.0", int(settings.get("http.port", 9200)))
    serve_tls(address, handler_for(cluster), os.path.join(config_dir, settings["xpack.security.http.ssl.certificate"]),
              os.path.join(config_dir, settings["xpack.security.http.ssl.key"]),
              f"stand-in Elasticsearch {VERSION} on https://{address[0]}:{address[1]}")


def main():
    config_dir = os.environ.get("ES_PATH_CONF", "/etc/elasticsearch")
    if os.path.basename(sys.argv[0]) == "elasticsearch-keystore":
        return keystore_command(sys.argv[1:], keystore_file(config_dir), "elasticsearch-keystore",
                                seed={"keystore.seed": secrets.token_hex(8)})
    if "--version" in sys.argv[1:] or "-V" in sys.argv[1:]:
        print(f"Version: {VERSION}, Build: tar/stand-in")
        return 0
    serve(config_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
