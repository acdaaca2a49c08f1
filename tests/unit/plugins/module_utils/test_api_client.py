"""The modules' one HTTP client: retries of transient failures, clear errors, the ensure flow."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.api_client import ApiError, JsonClient, basic_authorization, ensure_object


class FakeModule:
    """What fetch_url and ensure_object read of an AnsibleModule."""

    def __init__(self, check_mode=False, diff=False):
        self.params = {"timeout": 5, "ca_path": None, "validate_certs": True}
        self.tmpdir = "/tmp"
        self.check_mode = check_mode
        self._diff = diff

    def fail_json(self, **result):
        raise AssertionError(result)


@pytest.fixture(name="service")
def fixture_service():
    """A loopback server that answers with the queued (status, body) pairs, then 200 {}; it
    records each request's method and path."""
    queue, seen = [], []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            seen.append((self.command, self.path))
            status, body = queue.pop(0) if queue else (200, b"{}")
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", queue, seen
    server.shutdown()


def client(url, **kwargs):
    return JsonClient(FakeModule(), "Prometheus", url, backoff_seconds=0.01, **kwargs)


def test_a_transient_failure_is_tried_again_until_the_service_answers(service):
    url, queue, seen = service
    queue += [(503, b"restarting"), (502, b"")]
    assert client(url).request("GET", "api/v1/query", query={"query": "up"}) == {}
    assert len(seen) == 3 and seen[-1] == ("GET", "/api/v1/query?query=up")


def test_a_failure_that_stays_fails_after_the_retries_naming_the_service(service):
    url, queue, seen = service
    queue += [(503, b"down")] * 3
    with pytest.raises(ApiError, match=r"Prometheus answered GET /api/v1/rules with HTTP 503 after 3 tries: down"):
        client(url).request("GET", "api/v1/rules")
    assert len(seen) == 3


def test_a_request_that_changes_something_is_sent_once(service):
    url, queue, seen = service
    queue += [(503, b"busy")]
    with pytest.raises(ApiError, match="HTTP 503: busy"):
        client(url).request("POST", "api/v2/silences", {"matchers": []})
    assert seen == [("POST", "/api/v2/silences")]


def test_an_unreachable_service_fails_safe_with_its_address():
    with pytest.raises(ApiError, match=r"cannot reach Prometheus at http://127.0.0.1:9 after 3 tries"):
        client("http://127.0.0.1:9").request("GET", "api/v1/query")


def test_a_reply_that_is_not_json_is_an_error_that_names_the_url_not_a_traceback(service):
    url, queue, _seen = service
    queue += [(200, b"<html>login</html>")]
    with pytest.raises(ApiError, match=r"answered GET /api/v1/query with HTTP 200 but not with JSON: .*<html>login.*is http"):
        client(url).request("GET", "api/v1/query")


def test_refused_credentials_say_what_to_check(service):
    url, queue, _seen = service
    queue += [(401, b"Unauthorized")]
    with pytest.raises(ApiError, match=r"refused GET api/v1/query \(HTTP 401\): check url_username"):
        client(url, auth_hint="check url_username and url_password").request("GET", "api/v1/query")


def test_elasticsearch_errors_are_reduced_to_their_root_cause(service):
    url, queue, _seen = service
    queue += [(400, json.dumps({"error": {"root_cause": [{"type": "parse_exception", "reason": "bad"}]}}).encode())]
    with pytest.raises(ApiError, match="HTTP 400: parse_exception: bad"):
        client(url).request("PUT", "_ingest/pipeline/p", {})


class Store:
    def __init__(self, stored=None):
        self.stored, self.writes, self.deletes = stored, [], 0

    def read(self):
        return self.stored

    def write(self, body):
        self.writes.append(body)
        self.stored = body

    def delete(self):
        self.deletes += 1
        self.stored = None


def test_ensure_writes_only_what_differs_and_reports_a_diff():
    store = Store({"a": 1})
    assert ensure_object(FakeModule(diff=True), "x", "present", {"a": 1}, store.read, store.write, store.delete)[0] is False
    changed, previous, current, change = ensure_object(FakeModule(diff=True), "x", "present", {"a": 2},
                                                       store.read, store.write, store.delete)
    assert (changed, previous, current, store.writes) == (True, {"a": 1}, {"a": 2}, [{"a": 2}])
    assert '"a": 1' in change["before"] and '"a": 2' in change["after"]


def test_ensure_in_check_mode_changes_nothing_but_still_runs_the_proof():
    store, proved = Store(None), []
    changed, _previous, current, _change = ensure_object(FakeModule(check_mode=True), "x", "present", {"a": 1}, store.read,
                                                         store.write, store.delete, before_write=proved.append)
    assert changed and current == {"a": 1} and store.writes == [] and proved == [{"a": 1}]


def test_a_refused_proof_changes_nothing():
    store = Store({"a": 1})

    def refuse(_wanted):
        raise ApiError("samples do not parse")

    with pytest.raises(ApiError, match="samples do not parse"):
        ensure_object(FakeModule(), "x", "present", {"a": 2}, store.read, store.write, store.delete, before_write=refuse)
    assert store.stored == {"a": 1} and store.writes == []


def test_ensure_absent_deletes_once():
    store = Store({"a": 1})
    assert ensure_object(FakeModule(), "x", "absent", None, store.read, store.write, store.delete)[:3] == (True, {"a": 1}, None)
    assert ensure_object(FakeModule(), "x", "absent", None, store.read, store.write, store.delete)[0] is False
    assert store.deletes == 1


def _issue(tmp_path):
    """A CA and a certificate for 127.0.0.1 that it signed, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(2).not_valid_before(now)
              .not_valid_after(now + datetime.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def test_a_service_behind_tls_and_basic_auth_answers_with_its_ca_and_password(service, tmp_path):
    import ssl

    _url, _queue, seen = service
    paths = _issue(tmp_path)
    # The fixture's server speaks plain HTTP: this one speaks TLS.
    authorizations = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            authorizations.append(self.headers.get("Authorization"))
            self.send_response(200 if self.headers.get("Authorization") == basic_authorization("admin", "s3cret") else 401)
            self.end_headers()
            self.wfile.write(b'{"status": "success"}')

        def log_message(self, *args):
            pass

    tls = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["cert"], paths["key"])
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    try:
        base = f"https://127.0.0.1:{tls.server_address[1]}"
        module = FakeModule()
        module.params["ca_path"] = str(paths["ca"])
        answer = JsonClient(module, "Prometheus", base, basic_authorization("admin", "s3cret")).request("GET", "api/v1/query")
        assert answer == {"status": "success"}
        with pytest.raises(ApiError, match=r"refused GET api/v1/query \(HTTP 401\)"):
            JsonClient(module, "Prometheus", base, basic_authorization("admin", "wrong")).request("GET", "api/v1/query")
        # Without the CA the certificate is not trusted: nothing is sent in clear or accepted blindly.
        module.params["ca_path"] = None
        with pytest.raises(ApiError, match="cannot reach Prometheus"):
            JsonClient(module, "Prometheus", base, basic_authorization("admin", "s3cret")).request("GET", "api/v1/query")
        assert authorizations == [basic_authorization("admin", "s3cret"), basic_authorization("admin", "wrong")]
    finally:
        tls.shutdown()
    assert seen == []


def test_a_ca_path_that_is_no_file_is_named_before_anything_is_sent(service, tmp_path):
    url, _queue, seen = service
    module = FakeModule()
    module.params["ca_path"] = str(tmp_path / "missing-ca.crt")
    with pytest.raises(ApiError, match=r"ca_path .*missing-ca.crt \(the CA that signed Prometheus's certificate\) is not a file"):
        JsonClient(module, "Prometheus", url).request("GET", "api/v1/query")
    assert seen == []
