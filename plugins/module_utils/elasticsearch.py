# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The small Elasticsearch REST client the collection's modules share: authentication by API key
or user, the node's CA, and errors that say what to fix instead of a traceback."""

from __future__ import annotations

import base64
import json

from ansible.module_utils.urls import fetch_url

# The connection options every Elasticsearch module takes (documented in the
# llmagentos.ops.elasticsearch doc fragment).
CONNECTION_ARGUMENT_SPEC = {
    "url": {"type": "str", "default": "https://localhost:9200"},
    "api_key": {"type": "str", "no_log": True},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 30},
}
CONNECTION_OPTIONS = {"mutually_exclusive": [("api_key", "username")], "required_together": [("username", "password")]}


class ElasticsearchError(Exception):
    pass


class Client:
    def __init__(self, module, privilege):
        self.module = module
        self.privilege = privilege
        self.base = module.params["url"].rstrip("/")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if module.params["api_key"]:
            key = module.params["api_key"]
            encoded = base64.b64encode(key.encode()).decode() if ":" in key else key
            self.headers["Authorization"] = f"ApiKey {encoded}"
        elif module.params["username"]:
            credentials = f"{module.params['username']}:{module.params['password'] or ''}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()

    def request(self, method, path, body=None, missing_ok=False):
        url = f"{self.base}/{path}"
        response, info = fetch_url(self.module, url, method=method, headers=self.headers, timeout=self.module.params["timeout"],
                                   data=json.dumps(body) if body is not None else None, ca_path=self.module.params["ca_path"])
        status = info.get("status", -1)
        # On an HTTP error fetch_url has already read the answer into info["body"].
        content = info.get("body", b"") if status >= 400 or response is None else response.read()
        if status == 404 and missing_ok:
            return None
        if status == -1:
            raise ElasticsearchError(f"cannot reach Elasticsearch at {self.base}: {info.get('msg')}")
        if status in (401, 403):
            raise ElasticsearchError(f"Elasticsearch at {self.base} refused {method} {path} (HTTP {status}): check api_key or "
                                     f"username/password and that the credentials have the {self.privilege} privilege")
        if status >= 300:
            raise ElasticsearchError(f"{method} {url} failed with HTTP {status}: {reason(content)}")
        return json.loads(content) if content else {}


def reason(content):
    """The root cause of an Elasticsearch error answer, as one line."""
    try:
        error = json.loads(content).get("error", content)
    except (ValueError, AttributeError):
        return content.decode(errors="replace") if isinstance(content, bytes) else str(content)
    if isinstance(error, dict):
        root = (error.get("root_cause") or [error])[0]
        return f"{root.get('type', error.get('type'))}: {root.get('reason', error.get('reason'))}"
    return str(error)


def diff(name, before, after):
    """Ansible's diff of two JSON bodies (None: the object does not exist)."""
    return {
        "before_header": f"{name} (stored)", "after_header": f"{name} (wanted)",
        "before": json.dumps(before, indent=2, sort_keys=True) + "\n" if before is not None else "",
        "after": json.dumps(after, indent=2, sort_keys=True) + "\n" if after is not None else "",
    }
