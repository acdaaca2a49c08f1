# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Connection options of the collection's Elasticsearch modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url:
    description: Base URL of an Elasticsearch node.
    type: str
    default: https://localhost:9200
  api_key:
    description: API key, C(id:key) or the encoded form; sent as C(Authorization ApiKey).
    type: str
  username:
    description: User for basic authentication when no I(api_key) is given.
    type: str
  password:
    description: Password of I(username).
    type: str
  ca_path:
    description: CA certificate that signed the node's HTTP certificate.
    type: path
  validate_certs:
    description: Verify the node's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each request.
    type: int
    default: 30
"""
