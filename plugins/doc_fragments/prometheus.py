# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Connection options of the collection's Prometheus and Alertmanager modules (besides url)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url_username:
    description: User for basic authentication, if the service's web configuration asks for one.
    type: str
  url_password:
    description: Password of I(url_username).
    type: str
  ca_path:
    description: CA certificate that signed the service's TLS certificate.
    type: path
  validate_certs:
    description: Verify the service's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each request.
    type: int
    default: 10
"""
