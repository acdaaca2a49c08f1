"""Rewrites the golden files of tests/golden from support_bot.yml (run after an
intentional change of the compiler's output, then review `git diff` of the golden files)."""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

# pylint: disable=wrong-import-position
from ansible_collections.llmagentos.ops.plugins.filter.agent_rule_tests import agent_rule_tests  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_scrape_configs import agent_scrape_configs  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_filebeat_inputs import agent_filebeat_inputs  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline  # noqa: E402
from examples import AGENTS, EXAMPLE, GOLDEN, GROUPS, LOGSTASH_OPTIONS  # noqa: E402


class IndentedDumper(yaml.SafeDumper):
    """Indents block sequences under their key, as yamllint's default style wants."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def write(name, filter_name, value):
    text = yaml.dump(value, Dumper=IndentedDumper, sort_keys=False, width=160, allow_unicode=True)
    header = f"---\n# Expected output of {filter_name} for support_bot.yml; review changes by hand.\n"
    (GOLDEN / name).write_text(header + text)


agents, groups = AGENTS, GROUPS
write("support_bot.scrape_configs.yml", "agent_scrape_configs", agent_scrape_configs(agents, groups, EXAMPLE["blackbox_address"]))
write("support_bot.rules.yml", "agent_rules", agent_rules(agents, groups))
write("support_bot.rules_test.yml", "agent_rule_tests", agent_rule_tests(agents, ["agents.yml"], groups))
write("support_bot.filebeat_inputs.yml", "agent_filebeat_inputs", agent_filebeat_inputs(agents, groups))
write("support_bot.ingest_pipelines.yml", "agent_ingest_pipelines", agent_ingest_pipelines(agents, groups))
(GOLDEN / "support_bot.logstash.conf").write_text(agent_logstash_pipeline(
    agents, LOGSTASH_OPTIONS["elasticsearch_hosts"], groups, **{k: v for k, v in LOGSTASH_OPTIONS.items() if k != "elasticsearch_hosts"}))
