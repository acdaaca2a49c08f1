# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""What the agent compiler's filters share: reading the description and reporting its problems
as an Ansible error instead of a traceback."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.model import log_sources


def compile_agents(generate, agents, groups=None):
    """Validates `agents` and returns generate(parsed agents)."""
    try:
        return generate(parse_agents(agents, groups))
    except DescriptionError as error:
        raise AnsibleFilterError(f"invalid agent description:\n{error}") from None


def compile_log_sources(generate, agents, groups=None):
    """Validates `agents` and returns generate(the log sources of their components)."""
    return compile_agents(lambda parsed: generate(log_sources(parsed)), agents, groups)
