"""Stand-in for Kibana, packed like Elastic's release archive because Elastic's downloads are
unreachable from the test machines. It implements what the role calls - the keystore (values
JSON-parsed as Kibana does), the server over the TLS kibana.yml configures, /api/status and the
data views API - with Kibana's rules: it refuses encryption keys shorter than 32 characters,
connects to Elasticsearch only through the CA it is given, authenticates there with the
service-account token from its keystore (status "available" only when that works), and checks
every API caller's credentials against Elasticsearch. It shows no logs."""

import json
import os
import ssl
import sys
import threading
import urllib.error
import urllib.request

from standin_common import JsonHandler, keystore_command, refuse, serve_tls, write_json

VERSION = "9.2.1"
ENCRYPTION_KEYS = ("xpack.security.encryptionKey", "xpack.encryptedSavedObjects.encryptionKey", "xpack.reporting.encryptionKey")


def keystore_file(config_dir):
    return os.path.join(config_dir, "kibana.keystore")


def _keystore_value(raw):
    """Kibana JSON-parses what is added to its keystore, and keeps the text when that fails."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class Kibana:
    def __init__(self, settings, secrets, state_file):
        self.settings, self.secrets, self.state_file = settings, secrets, state_file
        self.lock = threading.Lock()
        self.views = {}
        if os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as handle:
                self.views = json.load(handle)
        self.context = ssl.create_default_context(cafile=settings["elasticsearch.ssl.certificateAuthorities"][0])

    def elasticsearch(self, authorization):
        """Status and body of _security/_authenticate with these credentials."""
        request = urllib.request.Request(self.settings["elasticsearch.hosts"][0].rstrip("/") + "/_security/_authenticate",
                                         headers={"Authorization": authorization})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, {}
        except (urllib.error.URLError, OSError) as error:
            return 0, {"error": str(error)}

    def status(self):
        token = self.secrets.get("elasticsearch.serviceAccountToken")
        if not token:
            return {"level": "unavailable", "summary": "no elasticsearch.serviceAccountToken"}
        code, body = self.elasticsearch(f"Bearer {token}")
        if code == 200 and body.get("username") == "elastic/kibana":
            return {"level": "available", "summary": "All services and plugins are available"}
        return {"level": "unavailable", "summary": f"Elasticsearch refused the service token ({code} {body.get('error', '')})"}

    def save(self):
        write_json(self.state_file, self.views)


def handler_for(kibana):
    class Handler(JsonHandler):
        def _handle(self):
            body = self.read_json() or {}
            code, _who = kibana.elasticsearch(self.headers.get("Authorization", ""))
            if code != 200:
                return self.reply(401, {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"})
            if self.command == "POST" and "kbn-xsrf" not in self.headers:
                return self.reply(400, {"statusCode": 400, "error": "Bad Request", "message": "Request must contain a kbn-xsrf header."})
            path = self.path.split("?")[0].rstrip("/")
            if path == "/api/status" and self.command == "GET":
                overall = kibana.status()
                return self.reply(200 if overall["level"] == "available" else 503,
                                  {"name": kibana.settings.get("server.name"), "version": {"number": VERSION},
                                   "status": {"overall": overall}})
            prefix = "/api/data_views/data_view"
            if not path.startswith(prefix):
                return self.reply(404, {"statusCode": 404, "error": "Not Found"})
            view_id = path[len(prefix) + 1:]
            with kibana.lock:
                if self.command == "GET" and view_id:
                    if view_id not in kibana.views:
                        return self.reply(404, {"statusCode": 404, "error": "Not Found",
                                                "message": f"Saved object [index-pattern/{view_id}] not found"})
                    return self.reply(200, {"data_view": kibana.views[view_id]})
                if self.command == "POST" and not view_id:
                    wanted = body["data_view"]
                    view_id = wanted.get("id") or os.urandom(8).hex()
                    if view_id in kibana.views:
                        return self.reply(409, {"statusCode": 409, "error": "Conflict", "message": "Duplicate data view"})
                    kibana.views[view_id] = dict({"fields": {}, "allowNoIndex": False}, **dict(wanted, id=view_id))
                elif self.command == "POST" and view_id in kibana.views:
                    if "id" in body["data_view"]:
                        return self.reply(400, {"statusCode": 400, "error": "Bad Request",
                                                "message": "[request body.data_view.id]: definition for this key is missing"})
                    kibana.views[view_id].update(body["data_view"])
                else:
                    return self.reply(404, {"statusCode": 404, "error": "Not Found"})
                kibana.save()
                return self.reply(200, {"data_view": kibana.views[view_id]})

        do_GET = do_POST = _handle
    return Handler


def serve(config_dir):
    import yaml  # pylint: disable=import-outside-toplevel  # the container's python3-yaml

    with open(os.path.join(config_dir, "kibana.yml"), encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    with open(keystore_file(config_dir), encoding="utf-8") as handle:
        secrets = json.load(handle)
    for key in ENCRYPTION_KEYS:
        if len(str(secrets.get(key, settings.get(key, "")))) < 32:
            refuse(f"FATAL [config validation of [{key.rsplit('.', 1)[0]}].encryptionKey]: value has length < 32")
    if settings.get("server.ssl.enabled") is not True:
        refuse("FATAL the stand-in, like the role, serves HTTPS only (server.ssl.enabled: true)")
    kibana = Kibana(settings, secrets, os.path.join(settings["path.data"], "stand-in-state.json"))
    address = (settings.get("server.host", "localhost"), int(settings.get("server.port", 5601)))
    serve_tls(address, handler_for(kibana), settings["server.ssl.certificate"], settings["server.ssl.key"],
              f"stand-in Kibana {VERSION} on https://{address[0]}:{address[1]}")


def main():
    config_dir = os.environ.get("KBN_PATH_CONF", "/etc/kibana")
    if os.path.basename(sys.argv[0]) == "kibana-keystore":
        return keystore_command(sys.argv[1:], keystore_file(config_dir), "kibana-keystore", parse_value=_keystore_value)
    serve(config_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
