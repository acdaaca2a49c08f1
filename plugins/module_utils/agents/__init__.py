# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The agent compiler: from `llmagentos_agents` to monitoring configuration.

Plain Python with no Ansible imports. The pipeline is description.parse (validation, one
error per offending field path) -> model objects -> one generator module per output.
"""
