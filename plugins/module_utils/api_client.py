# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The one HTTP client of the collection's modules: JSON in and out, basic or API-key
authentication, the service's CA, timeouts, retries of transient failures with backoff, and
errors that name the service and what to fix instead of a traceback. Also the idempotent
get -> compare -> write/delete -> diff flow that every module managing an object follows."""

from __future__ import annotations

import base64
import json
import os
import time
from urllib.parse import urlencode

from ansible.module_utils.urls import fetch_url

# Options of the modules that talk to Prometheus and Alertmanager (documented in the
# llmagentos.ops.connection doc fragment, basic_auth section).
BASIC_AUTH_ARGUMENT_SPEC = {
    "url_username": {"type": "str"},
    "url_password": {"type": "str", "no_log": True},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 10},
}
BASIC_AUTH_OPTIONS = {"required_together": [("url_username", "url_password")]}

# Options of the Elasticsearch modules (the elasticsearch section of the same fragment).
ELASTICSEARCH_ARGUMENT_SPEC = {
    "url": {"type": "str", "default": "https://localhost:9200"},
    "api_key": {"type": "str", "no_log": True},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 30},
}
ELASTICSEARCH_OPTIONS = {"mutually_exclusive": [("api_key", "username")], "required_together": [("username", "password")]}

# Answers worth another try: the service is restarting or behind a proxy that lost it.
TRANSIENT_STATUSES = (-1, 502, 503, 504)
SAFE_METHODS = ("GET", "HEAD", "PUT", "DELETE")


class ApiError(Exception):
    pass


def basic_authorization(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password or ''}".encode()).decode()


def api_key_authorization(key):
    """`id:key` or the encoded form, as Elasticsearch takes it."""
    return "ApiKey " + (base64.b64encode(key.encode()).decode() if ":" in key else key)


def error_reason(content):
    """One line from an error answer: its `error` or `message` field, or the text itself. Knows
    Elasticsearch's {error: {root_cause: [...]}} shape."""
    text = content.decode(errors="replace") if isinstance(content, bytes) else str(content)
    try:
        answer = json.loads(text)
    except ValueError:
        return text.strip()
    if not isinstance(answer, dict):
        return str(answer)
    error = answer.get("error") or answer.get("message") or answer
    if isinstance(error, dict) and ("root_cause" in error or "type" in error):
        root = (error.get("root_cause") or [error])[0]
        return f"{root.get('type', error.get('type'))}: {root.get('reason', error.get('reason'))}"
    return str(error)


class JsonClient:
    """`service` names the service in errors; `auth_hint` says what to check on 401/403."""

    def __init__(self, module, service, base_url, authorization=None, auth_hint="check the credentials",
                 retries=2, backoff_seconds=1.0):
        self.module = module
        self.service = service
        self.base = base_url.rstrip("/")
        self.auth_hint = auth_hint
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if authorization:
            self.headers["Authorization"] = authorization

    def request(self, method, path, body=None, query=None, missing_ok=False, idempotent=None):
        """The decoded JSON answer (None for an empty one, or a 404 with missing_ok). Transient
        failures are tried again for idempotent requests (GET, PUT, DELETE unless told)."""
        ca_path = self.module.params.get("ca_path")
        if ca_path and not os.path.isfile(ca_path):
            raise ApiError(f"ca_path {ca_path} (the CA that signed {self.service}'s certificate) is not a file on this host")
        url = f"{self.base}/{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
        retry = method in SAFE_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            status, content, message = self._send(method, url, body)
            if status not in TRANSIENT_STATUSES or not retry or attempt >= self.retries:
                break
            time.sleep(self.backoff_seconds * 2 ** attempt)
            attempt += 1
        if status == 404 and missing_ok:
            return None
        tries = f" after {attempt + 1} tries" if attempt else ""
        if status == -1:
            raise ApiError(f"cannot reach {self.service} at {self.base}{tries}: {message}")
        if status in (401, 403):
            raise ApiError(f"{self.service} at {self.base} refused {method} {path} (HTTP {status}): {self.auth_hint}")
        if status >= 300:
            raise ApiError(f"{self.service} answered {method} /{path} with HTTP {status}{tries}: {error_reason(content)}")
        if not content:
            return None
        try:
            return json.loads(content)
        except ValueError:
            raise ApiError(f"{self.service} at {self.base} answered {method} /{path} with HTTP {status} but not with JSON: "
                           f"{error_reason(content)[:200]!r}; is {self.base} the {self.service} API?") from None

    def _send(self, method, url, body):
        response, info = fetch_url(self.module, url, method=method, headers=self.headers, timeout=self.module.params["timeout"],
                                   data=json.dumps(body) if body is not None else None, ca_path=self.module.params["ca_path"])
        status = info.get("status", -1)
        # On an HTTP error fetch_url has already read the answer into info["body"].
        content = info.get("body", b"") if status >= 400 or response is None else response.read()
        return status, content, info.get("msg")


def diff(name, before, after):
    """Ansible's diff of two JSON bodies (None: the object does not exist)."""
    return {
        "before_header": f"{name} (stored)", "after_header": f"{name} (wanted)",
        "before": json.dumps(before, indent=2, sort_keys=True) + "\n" if before is not None else "",
        "after": json.dumps(after, indent=2, sort_keys=True) + "\n" if after is not None else "",
    }


def ensure_object(module, name, state, wanted, read, write, delete, same=lambda stored, wanted: stored == wanted,
                  before_write=None):
    """Makes one object match `state`/`wanted` and returns (changed, previous, current, diff).

    read() gives the stored object or None; write(wanted) stores it and returns it as stored (or
    None for `wanted`); delete() removes it. before_write(wanted) runs before anything changes, in
    check mode too, and may raise ApiError to refuse the change. Nothing is written in check mode."""
    previous = read()
    current, changed = previous, False
    if state == "absent":
        if previous is not None:
            changed, current = True, None
            if not module.check_mode:
                delete()
    elif previous is None or not same(previous, wanted):
        if before_write is not None:
            before_write(wanted)
        changed, current = True, wanted
        if not module.check_mode:
            current = write(wanted)
            current = wanted if current is None else current
    change = diff(name, previous, wanted if state == "present" else None) if changed and module._diff else None
    return changed, previous, current, change


def basic_auth_client(module, service):
    """The client of a Prometheus or Alertmanager module (BASIC_AUTH_ARGUMENT_SPEC and `url`)."""
    username = module.params["url_username"]
    return JsonClient(module, service, module.params["url"],
                      basic_authorization(username, module.params["url_password"]) if username else None,
                      auth_hint="check url_username and url_password")


def elasticsearch_client(module, privilege):
    """The client of an Elasticsearch module (ELASTICSEARCH_ARGUMENT_SPEC); `privilege` is the one
    its requests need, named when they are refused."""
    params = module.params
    authorization = (api_key_authorization(params["api_key"]) if params["api_key"]
                     else basic_authorization(params["username"], params["password"]) if params["username"] else None)
    return JsonClient(module, "Elasticsearch", params["url"], authorization,
                      auth_hint=f"check api_key or username/password and that the credentials have the {privilege} privilege")
