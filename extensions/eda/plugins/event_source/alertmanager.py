# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""An ansible-rulebook event source: Alertmanager's webhook, over HTTPS with a password.

It puts one event per alert of a notification on the queue, shaped as ansible.eda's alertmanager
source shapes them ({"alert": ..., "meta": {...}}), so a rulebook reads the same fields with
either; unlike it, it serves TLS, asks for credentials, refuses what is not Alertmanager's payload
with 400 and keeps request headers (credentials) out of the events. It names no hosts in
`meta.hosts`: ansible-rulebook would limit the playbook to them, and the remediation playbook
runs on the remediation host and on every host of the component (the alert's `instance` label
says which one failed).
"""

from __future__ import annotations

DOCUMENTATION = r"""
---
short_description: Receive Alertmanager's webhook notifications, over HTTPS with basic authentication
description:
  - An ansible-rulebook event source for Alertmanager's C(webhook_configs); one event per alert of a notification,
    with the alert under C(alert), and C(meta.receiver), C(meta.group_key) and C(meta.endpoint).
  - Events carry no C(meta.hosts), which ansible-rulebook would take as the playbook's host limit.
  - A request without the right credentials gets 401, a body that is not Alertmanager's payload 400, a body over
    I(max_body_bytes) 413. C(GET /health) answers 200 without credentials, for probes.
options:
  host:
    description: The address to listen on.
    type: str
    default: 127.0.0.1
  port:
    description: The TCP port to listen on.
    type: int
    default: 5051
  certfile:
    description: The server certificate (PEM, with its chain); with I(keyfile), the webhook serves HTTPS only.
    type: str
  keyfile:
    description: The certificate's private key (PEM).
    type: str
  username:
    description: The user Alertmanager logs in as (its C(http_config.basic_auth)).
    type: str
    default: alertmanager
  password_file:
    description: A file holding the password Alertmanager must give; without it, no credentials are asked.
    type: str
  insecure:
    description: Must be true to serve with neither TLS nor a password (a listener on loopback in tests).
    type: bool
    default: false
  max_body_bytes:
    description: The largest notification accepted.
    type: int
    default: 1048576
"""

EXAMPLES = r"""
- name: Remediate agents' alerts
  hosts: all
  sources:
    - llmagentos.ops.alertmanager:
        host: 0.0.0.0
        port: 5051
        certfile: /etc/llmagentos-remediation/tls/server.crt
        keyfile: /etc/llmagentos-remediation/tls/server.key
        password_file: /etc/llmagentos-remediation/webhook.password
  rules:
    - name: Restart the search tool when it is down
      condition: event.alert.labels.alertname == "AgentComponentDown" and event.alert.status == "firing"
      action:
        run_playbook:
          name: llmagentos.ops.remediate
"""

import asyncio
import base64
import binascii
import hmac
import logging
import ssl
from typing import Any

from aiohttp import web

_LOG = logging.getLogger(__name__)


class PayloadError(ValueError):
    """What is wrong with a notification, for the 400 answer."""


def alerts_of(payload):
    """The alerts of an Alertmanager webhook payload (version 4), checked field by field."""
    if not isinstance(payload, dict):
        raise PayloadError(f"the body must be a JSON object, got {type(payload).__name__}")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts must be a list")
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise PayloadError(f"alerts[{index}] must be an object")
        if alert.get("status") not in ("firing", "resolved"):
            raise PayloadError(f"alerts[{index}].status must be firing or resolved, got {alert.get('status')!r}")
        labels = alert.get("labels")
        if not isinstance(labels, dict) or not all(isinstance(value, str) for value in labels.values()):
            raise PayloadError(f"alerts[{index}].labels must map label names to strings")
        if not isinstance(alert.get("startsAt"), str):
            raise PayloadError(f"alerts[{index}].startsAt must be a time")
    return alerts


def events_of(payload, endpoint):
    alerts = alerts_of(payload)
    meta = {"endpoint": endpoint, "receiver": str(payload.get("receiver", "")), "group_key": str(payload.get("groupKey", ""))}
    for alert in alerts:
        yield {"alert": alert, "meta": dict(meta)}


def authorized(header, username, password):
    if not header or not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _colon, secret = given.partition(":")
    # Both compared, always: the time taken says nothing about which one was wrong.
    user_ok = hmac.compare_digest(user.encode(), username.encode())
    secret_ok = hmac.compare_digest(secret.encode(), password.encode())
    return user_ok and secret_ok


def application(queue, username=None, password=None, max_body_bytes=1048576):
    async def health(_request):
        return web.Response(text="up")

    async def notification(request):
        if password is not None and not authorized(request.headers.get("Authorization"), username, password):
            return web.Response(status=401, text="unauthorized", headers={"WWW-Authenticate": 'Basic realm="remediation"'})
        try:
            payload = await request.json()
        except web.HTTPRequestEntityTooLarge:
            raise
        except ValueError:
            return web.Response(status=400, text="the body is not JSON")
        try:
            events = list(events_of(payload, request.match_info.get("endpoint", "")))
        except PayloadError as error:
            return web.Response(status=400, text=f"not an Alertmanager notification: {error}")
        for event in events:
            await queue.put(event)
        return web.Response(status=202, text=f"received {len(events)} alert(s)")

    app = web.Application(client_max_size=max_body_bytes)
    app.router.add_get("/health", health)
    app.router.add_post("/{endpoint}", notification)
    return app


def _settings(args):
    """The password (or None) and the TLS context (or None) the arguments ask for."""
    if bool(args.get("certfile")) != bool(args.get("keyfile")):
        raise ValueError("llmagentos.ops.alertmanager: give both certfile and keyfile, or neither")
    if not (args.get("certfile") or args.get("password_file") or args.get("insecure")):
        raise ValueError("llmagentos.ops.alertmanager: give certfile and keyfile, password_file, or both; "
                         "insecure: true to serve with neither (on loopback only)")
    password = context = None
    if args.get("password_file"):
        with open(args["password_file"], encoding="utf-8") as handle:
            password = handle.read().strip()
        if not password:
            raise ValueError(f"llmagentos.ops.alertmanager: {args['password_file']} holds no password")
    if args.get("certfile"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(args["certfile"], args["keyfile"])
    return password, context


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Serves the webhook until ansible-rulebook cancels the source."""
    password, context = _settings(args)
    app = application(queue, str(args.get("username", "alertmanager")), password, int(args.get("max_body_bytes", 1048576)))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, args.get("host", "127.0.0.1"), int(args.get("port", 5051)), ssl_context=context)
    await site.start()
    _LOG.info("listening for Alertmanager on %s:%s", args.get("host", "127.0.0.1"), args.get("port", 5051))
    try:
        await asyncio.Future()
    finally:
        await runner.cleanup()
