# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""The log side's own model: how one component's logs are read, and where they come from.

The log outputs (ingest pipelines, the Logstash pipeline, Filebeat inputs, the index template)
take LogSources and know nothing of the agents package, which builds them
(agents.model.log_sources): the dependency runs one way, agents -> logs.
"""

from __future__ import annotations

from dataclasses import dataclass

# The data stream dataset of the agents' logs (logs-<dataset>-<environment>).
DATASET = "llmagentos.agents"


@dataclass(frozen=True)
class Logs:
    paths: tuple
    format_name: str
    steps: tuple
    # Filebeat's multiline parser settings, or None for one event per line.
    multiline: tuple | None
    timezone: str
    # (line, expect) pairs proven at compile time: the format's own, then the description's.
    samples: tuple = ()
    # RE2 expressions: Filebeat keeps only the lines matching one (empty: every line).
    include_lines: tuple = ()


@dataclass(frozen=True)
class LogSource:
    """One component's logs with the names its events carry."""

    agent: str
    component: str
    environment: str | None
    targets: tuple
    logs: Logs

    @property
    def pipeline_id(self):
        """The id of its ingest pipeline, its Filebeat input and its Logstash branch."""
        return f"llmagentos-{self.agent}-{self.component}".lower()
