"""The Elasticsearch stand-in of the Molecule scenario, importable by the tests."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "molecule" / "elastic" / "files"))
import elasticsearch_stand_in  # noqa: E402  pylint: disable=wrong-import-position

__all__ = ["ELASTIC_PASSWORD", "elasticsearch_stand_in"]

ELASTIC_PASSWORD = "bootstrap-secret"
