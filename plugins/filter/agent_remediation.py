# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Filter adapter over the agent compiler: the ansible-rulebook rulebook of the remediations."""

from __future__ import annotations

DOCUMENTATION = r"""
name: agent_remediation
short_description: The ansible-rulebook rulebook that applies the remediations of LLM agents' components
version_added: 0.3.0
description:
  - Validates an C(llmagentos_agents) description and returns the rulebook (for C(ansible-rulebook --rulebook)) of the
    components' C(remediation) entries, and the hosts those remediations act on.
  - One rule per entry's action, matching the Alertmanager alert the entry names (by C(alertname), C(agent) and
    C(component)), firing or resolved, and running the collection's playbook C(llmagentos.ops.remediate) with the
    entry (action, service, hosts, guardrails) under the extra variable C(remediation); the playbook applies the
    guardrails (M(llmagentos.ops.remediation_guard)) and acts.
  - Components without a C(remediation) entry add nothing; with none at all the ruleset has no rules.
extends_documentation_fragment:
  - llmagentos.ops.agents
options:
  source:
    description:
      - The event source, as a rulebook names it, with its arguments - the collection's own
        C(llmagentos.ops.alertmanager) (TLS and a password) or C(ansible.eda.alertmanager).
    type: dict
    default: {llmagentos.ops.alertmanager: {}}
  job_template:
    description:
      - For a rulebook activation of an EDA controller (Ansible Automation Platform), the job template that runs
        C(playbooks/remediate.yml) (C(Remediate an agent) of C(awx/job_templates.yml)); the rules then use
        C(run_job_template) with the same extra variables. Empty, C(run_playbook) of C(llmagentos.ops.remediate).
    type: str
    default: ""
  organization:
    description: The organization of O(job_template).
    type: str
    default: Default
"""

EXAMPLES = r"""
- name: Write the rulebook of the agents' remediations
  ansible.builtin.copy:
    content: >-
      {{ (llmagentos_agents | llmagentos.ops.agent_remediation(groups=groups,
          source={'llmagentos.ops.alertmanager': {'host': '0.0.0.0', 'port': 5051, 'insecure': false}})).rulebook
         | to_nice_yaml(indent=2) }}
    dest: /etc/llmagentos-remediation/rulebook.yml
    mode: "0640"
"""

RETURN = r"""
_value:
  description: The rulebook and the hosts.
  type: dict
  contains:
    rulebook:
      description: A list of one ruleset (C(llmagentos remediation)) with the source and one rule per remediation action.
      type: list
      elements: dict
    hosts:
      description: Every host a remediation acts on (the hosts of the components' targets), for the remediation host's inventory.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents import remediation
from ansible_collections.llmagentos.ops.plugins.plugin_utils.agent_filters import compile_agents


def agent_remediation(agents, groups=None, source=None, job_template="", organization="Default"):
    if source is None:
        source = {"llmagentos.ops.alertmanager": {}}
    if not isinstance(source, dict) or len(source) != 1 or not isinstance(next(iter(source.values())), dict):
        raise AnsibleFilterError("agent_remediation: source must map one event source's name to its arguments, such as "
                                 f"{{'llmagentos.ops.alertmanager': {{'port': 5051}}}}, got {source!r}")
    for option, value in (("job_template", job_template), ("organization", organization)):
        if not isinstance(value, str) or option == "organization" and not value:
            raise AnsibleFilterError(f"agent_remediation: {option} must be a name, got {value!r}")
    return compile_agents(lambda parsed: {"rulebook": remediation.rulebook(parsed, source, job_template, organization),
                                          "hosts": remediation.hosts(parsed)}, agents, groups)


class FilterModule:
    def filters(self):
        return {"agent_remediation": agent_remediation}
