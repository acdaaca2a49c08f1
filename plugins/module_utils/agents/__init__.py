# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The agent compiler: from `llmagentos_agents` to monitoring configuration.

Plain Python with no Ansible imports. The pipeline is description.parse_agents (validation, one
error per offending field path) -> the objects of model.py -> one generator module per output.
conventions.py names everything the generators write; alert_kinds.py is the table of alert kinds.
"""
