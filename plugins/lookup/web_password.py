# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The generated password of a user of one of the collection's web endpoints."""

from __future__ import annotations

DOCUMENTATION = r"""
name: web_password
short_description: The generated password of a user of a web endpoint the collection runs
version_added: 0.1.0
description:
  - Returns the password of O(user) on each service named in the terms, generating it on first use (32 letters
    and digits) and keeping it on the controller in C(CREDENTIALS_DIR/web/SERVICE.USER), mode 0600 in a 0700
    directory, for every later run.
  - The roles put bcrypt hashes of these passwords in the endpoints' web configurations and give the
    C(prometheus) user's password to every Prometheus host; the rollout and C(silence_agent) log in as
    C(admin). Look them up here rather than spelling out the file, so every reader agrees on where it is.
options:
  _terms:
    description: Service names, as the roles name them (C(prometheus), C(alertmanager), C(node_exporter)...).
    type: list
    elements: str
    required: true
  user:
    description: The user of the endpoint; C(prometheus) is the stack's own client, C(admin) the people's.
    type: str
    default: prometheus
  credentials_dir:
    description:
      - The controller directory of the generated credentials.
      - Empty (the default) reads C(llmagentos_credentials_dir), else C(.llmagentos/credentials) beside the
        inventory (or the playbook when there is no inventory directory).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Ask Alertmanager for its silences as the generated admin
  ansible.builtin.uri:
    url: https://alertmanager.example:9093/api/v2/silences
    url_username: admin
    url_password: "{{ lookup('llmagentos.ops.web_password', 'alertmanager', user='admin') }}"
    force_basic_auth: true
  no_log: true
"""

RETURN = r"""
_raw:
  description: One password per service, in the order of the terms.
  type: list
  elements: str
"""

import os
import re

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader
from ansible.plugins.lookup import LookupBase

# Letters and digits only: the passwords go into YAML, URLs and basic-auth headers unquoted.
PASSWORD_OPTIONS = "length=32 chars=ascii_letters,digits"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        user = self.get_option("user")
        for label, value in [("user", user)] + [("service", term) for term in terms]:
            if not isinstance(value, str) or not NAME.match(value):
                raise AnsibleLookupError(
                    f"web_password: the {label} must be a name of lower-case letters, digits, '_' and '-', got {value!r}")
        directory = os.path.join(self._credentials_dir(variables or {}), "web")
        password = lookup_loader.get("ansible.builtin.password", loader=self._loader, templar=self._templar)
        return [password.run([f"{os.path.join(directory, f'{service}.{user}')} {PASSWORD_OPTIONS}"], variables)[0]
                for service in terms]

    def _credentials_dir(self, variables):
        configured = self.get_option("credentials_dir") or variables.get("llmagentos_credentials_dir")
        if configured:
            return str(self._templar.template(configured))
        base = variables.get("inventory_dir") or variables.get("playbook_dir")
        if not base:
            raise AnsibleLookupError(
                "web_password: set llmagentos_credentials_dir; there is no inventory or playbook directory to keep "
                "the generated passwords beside")
        return os.path.join(str(base), ".llmagentos", "credentials")
