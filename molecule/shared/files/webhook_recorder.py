"""Alertmanager webhook receiver for tests: records every notification it is sent.

POST any path: the JSON body is appended to the record.
GET /notifications: the recorded notifications as a JSON list.
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_notifications = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        try:
            payload = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            self.send_error(400, "body is not JSON")
            return
        with _lock:
            _notifications.append({"path": self.path, "payload": payload})
        self.send_response(200)
        self.end_headers()

    def do_GET(self):
        if self.path != "/notifications":
            self.send_error(404)
            return
        with _lock:
            body = json.dumps(_notifications).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9099)
    args = parser.parse_args()
    ThreadingHTTPServer((args.listen, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
