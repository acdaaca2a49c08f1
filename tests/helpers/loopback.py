"""Helpers for tests that start services on loopback."""

import socket
import time
import urllib.request

import pytest


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout}s")


def http_get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()
