"""The Elasticsearch stand-in of the Molecule scenario, served in-process on loopback."""

import threading
from http.server import ThreadingHTTPServer

import pytest
from elasticsearch_helpers import ELASTIC_PASSWORD, elasticsearch_stand_in


@pytest.fixture(name="cluster")
def fixture_cluster():
    """A stand-in Elasticsearch whose elastic user has ELASTIC_PASSWORD; .url is its address."""
    cluster = elasticsearch_stand_in.Cluster(bootstrap_password=ELASTIC_PASSWORD)
    server = ThreadingHTTPServer(("127.0.0.1", 0), elasticsearch_stand_in.handler_for(cluster))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cluster.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield cluster
    server.shutdown()
