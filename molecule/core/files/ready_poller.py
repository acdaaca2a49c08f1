"""Asks every Alertmanager of the cluster whether it is ready, five times a second, and writes one
JSON line per round ({"t": seconds, "ready": [the hosts that were]}) until the stop file appears.

    ready_poller.py OUT STOP CA PASSWORD_FILE HOST...
"""

import base64
import json
import os
import ssl
import sys
import time
import urllib.request


def ready(url, context, authorization):
    request = urllib.request.Request(url, headers={"Authorization": authorization})
    try:
        with urllib.request.urlopen(request, context=context, timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


def main():
    out, stop, ca_file, password_file, *hosts = sys.argv[1:]
    context = ssl.create_default_context(cafile=ca_file)
    with open(password_file, encoding="utf-8") as handle:
        credentials = f"admin:{handle.read().strip()}".encode()
    authorization = "Basic " + base64.b64encode(credentials).decode()
    started = time.monotonic()
    with open(out, "w", encoding="utf-8") as log:
        while not os.path.exists(stop) and time.monotonic() - started < 600:
            ready_hosts = [host for host in hosts if ready(f"https://{host}:9093/-/ready", context, authorization)]
            log.write(json.dumps({"t": round(time.monotonic() - started, 2), "ready": ready_hosts}) + "\n")
            log.flush()
            time.sleep(0.2)


if __name__ == "__main__":
    main()
