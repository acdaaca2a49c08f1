"""Services the tests talk to on loopback: the Elasticsearch stand-in of the Molecule scenario,
served in-process, and a real Alertmanager (the binary `make deps` unpacks)."""

import subprocess
import threading
from http.server import ThreadingHTTPServer

import pytest
from elasticsearch_helpers import ELASTIC_PASSWORD, elasticsearch_stand_in
from loopback import free_port, http_get, wait_until
from tools import tool


@pytest.fixture(name="cluster")
def fixture_cluster():
    """A stand-in Elasticsearch whose elastic user has ELASTIC_PASSWORD; .url is its address."""
    cluster = elasticsearch_stand_in.Cluster(bootstrap_password=ELASTIC_PASSWORD)
    server = ThreadingHTTPServer(("127.0.0.1", 0), elasticsearch_stand_in.handler_for(cluster))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cluster.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield cluster
    server.shutdown()


@pytest.fixture(name="alertmanager", scope="module")
def fixture_alertmanager(tmp_path_factory):
    work = tmp_path_factory.mktemp("alertmanager")
    (work / "alertmanager.yml").write_text("route: {receiver: nobody}\nreceivers: [{name: nobody}]\n")
    port = free_port()
    process = subprocess.Popen([tool("alertmanager"), f"--config.file={work / 'alertmanager.yml'}", f"--storage.path={work}",
                                f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_get(f"{url}/-/ready")[0] == 200, "Alertmanager answering")
    yield url
    process.terminate()
    process.wait()
