"""Stand-in for Logstash's bin/logstash and bin/logstash-keystore, packed like Elastic's release
archive because Elastic's downloads are unreachable from the test machines. With the grammar
reader of tests/helpers/logstash_grammar.py packed beside it, it implements what the role calls: the
keystore (password from LOGSTASH_KEYSTORE_PASS), `-t` (refused as root, as Logstash 9 does; with
`-f FILE` that pipeline, else logstash.yml's settings checked against Logstash's settings and every
pipeline of pipelines.yml: the configuration grammar, and every ${VAR} resolvable from the
keystore, and every ruby filter's script readable) and the daemon's monitoring API, with SIGHUP reloading pipelines.yml; a persisted
queue gets its directory under path.data, as Logstash pages it there. It parses nothing and
ships nothing."""

import hashlib
import http.server
import json
import os
import re
import signal
import sys

import yaml
from logstash_grammar import GrammarError, Parser, plugins  # packed beside this program

VERSION = "9.2.1"
# logstash.yml's settings as Logstash 9 registers them (logstash-settings-file in its reference);
# any other name is refused at start, and by -t.
SETTINGS = frozenset("""
node.name path.data path.logs path.plugins path.config path.queue path.dead_letter_queue path.settings
pipeline.id pipeline.workers pipeline.batch.size pipeline.batch.delay pipeline.ordered pipeline.unsafe_shutdown
pipeline.ecs_compatibility pipeline.plugin_classloaders pipeline.separate_logs pipeline.buffer.type
config.string config.test_and_exit config.reload.automatic config.reload.interval config.debug config.support_escapes
config.field_reference.escape_style
queue.type queue.page_capacity queue.max_events queue.max_bytes queue.checkpoint.acks queue.checkpoint.writes
queue.checkpoint.retry queue.drain queue.compression
dead_letter_queue.enable dead_letter_queue.max_bytes dead_letter_queue.flush_interval dead_letter_queue.storage_policy
dead_letter_queue.retain.age
api.enabled api.environment api.http.host api.http.port api.ssl.enabled api.ssl.keystore.path api.ssl.keystore.password
api.ssl.supported_protocols api.auth.type api.auth.basic.username api.auth.basic.password
api.auth.basic.password_policy.mode
log.level log.format log.format.json.fix_duplicate_message_fields allow_superuser keystore.file keystore.classname
""".split())


def settings_dir(argv):
    return argv[argv.index("--path.settings") + 1] if "--path.settings" in argv else "/etc/logstash"


def keystore_file(argv):
    return os.path.join(settings_dir(argv), "logstash.keystore")


def password_hash():
    return hashlib.sha256(os.environ.get("LOGSTASH_KEYSTORE_PASS", "").encode()).hexdigest()


def open_keystore(argv):
    with open(keystore_file(argv), encoding="utf-8") as handle:
        store = json.load(handle)
    if store["password"] != password_hash():
        raise SystemExit("ERROR: Found a file at " + keystore_file(argv) + ", but it is not a valid Logstash keystore "
                         "or the password (LOGSTASH_KEYSTORE_PASS) is wrong")
    return store


def save_keystore(argv, store):
    with open(keystore_file(argv), "w", encoding="utf-8") as handle:
        json.dump(store, handle)


def keystore(argv):
    command = [word for word in argv if not word.startswith("--path.settings")
               and word != settings_dir(argv)]
    if command[0] == "create":
        save_keystore(argv, {"password": password_hash(), "keys": {}})
        os.chmod(keystore_file(argv), 0o600)
        print("Created Logstash keystore at " + keystore_file(argv))
        return 0
    store = open_keystore(argv)
    if command[0] == "list":
        print("\n".join(sorted(store["keys"])))
    elif command[0] == "add":
        for name in command[1:]:
            if name in store["keys"]:
                print(f"ERROR: Logstash keystore already has {name}", file=sys.stderr)
                return 1
            store["keys"][name] = sys.stdin.read().strip()
        save_keystore(argv, store)
        print("Added " + ", ".join(command[1:]))
    elif command[0] == "remove":
        for name in command[1:]:
            if store["keys"].pop(name, None) is None:
                print(f"ERROR: Logstash keystore has no {name}", file=sys.stderr)
                return 1
        save_keystore(argv, store)
    return 0


def check_pipeline(argv, path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        sections = Parser(text).parse()
    except GrammarError as error:
        return f"Expected one of the configuration grammar in {path}: {error}"
    # A ruby filter loads its script file when the pipeline starts; Logstash stops on one it cannot read.
    for plugin, attributes in plugins(sections.get("filter", [])):
        script = dict(attributes).get("path") if plugin == "ruby" else None
        if script and not os.access(script.strip('"'), os.R_OK):
            return f"Pipeline error: the ruby filter's script {script} does not exist or cannot be read"
    secrets = open_keystore(argv)["keys"] if os.path.exists(keystore_file(argv)) else {}
    for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text):
        if name not in secrets and name not in os.environ:
            return f"Cannot evaluate `${{{name}}}`. Replacement variable `{name}` is not defined in a Logstash secret store " \
                   "or as an Environment entry and there is no default value given."
    return None


def test(argv):
    """What `logstash -t` reports, or None."""
    if os.geteuid() == 0:
        return "Logstash cannot be run as superuser (allow_superuser is false)."
    if "-f" in argv:
        return check_pipeline(argv, argv[argv.index("-f") + 1])
    directory = settings_dir(argv)
    with open(os.path.join(directory, "logstash.yml"), encoding="utf-8") as handle:
        settings = yaml.safe_load(handle) or {}
    for name in settings:
        if name not in SETTINGS and not name.startswith("xpack."):
            return f"An unexpected error occurred! Setting \"{name}\" doesn't exist. Please check if you haven't made a typo."
    with open(os.path.join(directory, "pipelines.yml"), encoding="utf-8") as handle:
        pipelines = yaml.safe_load(handle) or []
    for pipeline in pipelines:
        for name in pipeline:
            if name not in SETTINGS:
                return f"Setting \"{name}\" of pipeline {pipeline.get('pipeline.id')} doesn't exist."
        problem = check_pipeline(argv, pipeline["path.config"])
        if problem:
            return problem
    return None


def run(argv):
    directory = settings_dir(argv)
    state = {"pipelines": [], "reloads": 0, "reload_failures": 0}
    with open(os.path.join(directory, "logstash.yml"), encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)

    def load(*_signal):
        with open(os.path.join(directory, "pipelines.yml"), encoding="utf-8") as handle:
            pipelines = yaml.safe_load(handle)
        for pipeline in pipelines:
            problem = check_pipeline(argv, pipeline["path.config"])
            if problem:
                print(problem, file=sys.stderr)
                state["reload_failures"] += 1 if _signal else 0
                continue
            with open(pipeline["path.config"], encoding="utf-8") as handle:
                digest = hashlib.sha256(handle.read().encode()).hexdigest()
            queue = {"type": pipeline.get("queue.type", "memory")}
            if queue["type"] == "persisted":
                # Like Logstash, which pages the queue under path.data/queue/<pipeline id>.
                queue["path"] = os.path.join(settings["path.data"], "queue", pipeline["pipeline.id"])
                queue["max_bytes"] = pipeline.get("queue.max_bytes", "1024mb")
                os.makedirs(queue["path"], exist_ok=True)
            state["pipelines"] = [{"id": pipeline["pipeline.id"], "config_sha256": digest, "queue": queue}]
        state["reloads"] += 1 if _signal else 0

    load()
    signal.signal(signal.SIGHUP, load)

    def node_stats():
        """/_node/stats/pipelines in Logstash's shape: nothing flows through the stand-in."""
        pipelines = {}
        for pipeline in state["pipelines"]:
            queue = {"type": pipeline["queue"]["type"], "events_count": 0, "queue_size_in_bytes": 0, "max_queue_size_in_bytes": 0}
            if queue["type"] == "persisted":
                number, unit = re.fullmatch(r"(\d+)([kmgt]?b)", pipeline["queue"]["max_bytes"]).groups()
                queue["max_queue_size_in_bytes"] = int(number) * 1024 ** ["b", "kb", "mb", "gb", "tb"].index(unit)
            pipelines[pipeline["id"]] = {
                "events": {"in": 0, "filtered": 0, "out": 0, "duration_in_millis": 0},
                "plugins": {"inputs": [], "filters": [], "codecs": [],
                            "outputs": [{"id": "llmagentos-elasticsearch", "name": "elasticsearch", "events": {"in": 0, "out": 0},
                                         "bulk_requests": {"successes": 0}, "documents": {}}]},
                "reloads": {"successes": state["reloads"], "failures": state["reload_failures"], "last_error": None,
                            "last_success_timestamp": None, "last_failure_timestamp": None},
                "queue": queue,
            }
        return {"version": VERSION, "status": "green", "pipelines": pipelines}

    class Api(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/_node/stats"):
                body = json.dumps(node_stats()).encode()
            else:
                body = json.dumps({"version": VERSION, "status": "green", "pipelines": state["pipelines"],
                                   "reloads": state["reloads"], "heap": os.environ.get("LS_JAVA_OPTS", "")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    http.server.HTTPServer((settings["api.http.host"], int(settings["api.http.port"])), Api).serve_forever()


def main(argv):
    if os.path.basename(sys.argv[0]) == "logstash-keystore":
        return keystore(argv)
    if "-t" in argv:
        problem = test(argv)
        if problem:
            print(f"[FATAL][logstash.runner] {problem}", file=sys.stderr)
            return 1
        print("Configuration OK")
        return 0
    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
