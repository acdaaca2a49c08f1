# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The small HTTP client the Prometheus and Alertmanager modules share: optional basic
authentication and CA, JSON in and out, and errors that name the service and what to fix."""

from __future__ import annotations

import base64
import datetime
import json
import re
from urllib.parse import urlencode

from ansible.module_utils.urls import fetch_url

CONNECTION_ARGUMENT_SPEC = {
    "url_username": {"type": "str"},
    "url_password": {"type": "str", "no_log": True},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 10},
}
CONNECTION_OPTIONS = {"required_together": [("url_username", "url_password")]}

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text):
    """'1h30m' -> timedelta, as Prometheus writes durations; None when the text is not one."""
    found = _DURATION.match(text or "")
    if not found or not any(found.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return datetime.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


class ApiError(Exception):
    pass


class ApiClient:
    def __init__(self, module, service):
        self.module = module
        self.service = service
        self.base = module.params["url"].rstrip("/")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if module.params["url_username"]:
            credentials = f"{module.params['url_username']}:{module.params['url_password'] or ''}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()

    def request(self, method, path, body=None, query=None):
        url = f"{self.base}/{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
        response, info = fetch_url(self.module, url, method=method, headers=self.headers, timeout=self.module.params["timeout"],
                                   data=json.dumps(body) if body is not None else None, ca_path=self.module.params["ca_path"])
        status = info.get("status", -1)
        content = info.get("body", b"") if status >= 400 or response is None else response.read()
        if status == -1:
            raise ApiError(f"cannot reach {self.service} at {self.base}: {info.get('msg')}")
        if status in (401, 403):
            raise ApiError(f"{self.service} at {self.base} refused {method} /{path} (HTTP {status}): check url_username and url_password")
        if status >= 300:
            raise ApiError(f"{self.service} answered {method} /{path} with HTTP {status}: {_reason(content)}")
        return json.loads(content) if content else None


def _reason(content):
    text = content.decode(errors="replace") if isinstance(content, bytes) else str(content)
    try:
        answer = json.loads(text)
    except ValueError:
        return text.strip()
    if isinstance(answer, dict):
        return str(answer.get("error") or answer.get("message") or answer)
    return str(answer)
