# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Connection options of the collection's modules, which share one HTTP client
(module_utils/api_client.py): retries of transient failures, the service's CA, timeouts.
Modules extend DOCUMENTATION and the section of their service's authentication."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  ca_path:
    description: CA certificate that signed the service's TLS certificate.
    type: path
  validate_certs:
    description: Verify the service's TLS certificate.
    type: bool
    default: true
"""

    # Prometheus and Alertmanager (besides url, whose default differs per module).
    BASIC_AUTH = r"""
options:
  url_username:
    description: User for basic authentication, if the service's web configuration asks for one.
    type: str
  url_password:
    description: Password of I(url_username).
    type: str
  timeout:
    description:
      - Seconds to wait for each request. A request that cannot connect, or that the service answers
        with HTTP 502, 503 or 504, is tried twice more (after 1 and 2 seconds) when it changes nothing.
    type: int
    default: 10
"""

    # The modules that read from Prometheus.
    PROMETHEUS = r"""
options:
  url:
    description: Base URL of Prometheus.
    type: str
    default: http://127.0.0.1:9090
"""

    ELASTICSEARCH = r"""
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
  timeout:
    description:
      - Seconds to wait for each request. A request that cannot connect, or that the service answers
        with HTTP 502, 503 or 504, is tried twice more (after 1 and 2 seconds) when it changes nothing.
    type: int
    default: 30
"""
