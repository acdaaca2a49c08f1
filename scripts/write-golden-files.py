"""Rewrites the golden files of tests/unit/agents/golden from support_bot.yml (run after an
intentional change of the compiler's output, then review `git diff` of the golden files)."""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.llmagentos.ops.plugins.filter.agent_rule_tests import agent_rule_tests  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_rules import agent_rules  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_scrape_configs import agent_scrape_configs  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_filebeat_inputs import agent_filebeat_inputs  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines  # noqa: E402
from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline  # noqa: E402

GOLDEN = ROOT / "tests" / "unit" / "agents" / "golden"
# The Logstash golden file's options; tests/unit/logs/test_outputs.py uses the same.
LOGSTASH_OPTIONS = {"elasticsearch_hosts": ["https://es-1.example.com:9200", "https://es-2.example.com:9200"],
                    "beats_ssl_certificate": "/etc/logstash/certs/logstash.crt",
                    "beats_ssl_key": "/etc/logstash/certs/logstash.pkcs8.key",
                    "elasticsearch_ssl_ca": "/etc/logstash/certs/ca.crt"}


class IndentedDumper(yaml.SafeDumper):
    """Indents block sequences under their key, as yamllint's default style wants."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def write(name, filter_name, value):
    text = yaml.dump(value, Dumper=IndentedDumper, sort_keys=False, width=160, allow_unicode=True)
    header = f"---\n# Expected output of {filter_name} for support_bot.yml; review changes by hand.\n"
    (GOLDEN / name).write_text(header + text)


example = yaml.safe_load((GOLDEN / "support_bot.yml").read_text())
agents, groups = example["llmagentos_agents"], example["groups"]
write("support_bot.scrape_configs.yml", "agent_scrape_configs", agent_scrape_configs(agents, groups, example["blackbox_address"]))
write("support_bot.rules.yml", "agent_rules", agent_rules(agents, groups))
write("support_bot.rules_test.yml", "agent_rule_tests", agent_rule_tests(agents, ["agents.yml"], groups))
write("support_bot.filebeat_inputs.yml", "agent_filebeat_inputs", agent_filebeat_inputs(agents, groups))
write("support_bot.ingest_pipelines.yml", "agent_ingest_pipelines", agent_ingest_pipelines(agents, groups))
(GOLDEN / "support_bot.logstash.conf").write_text(agent_logstash_pipeline(
    agents, LOGSTASH_OPTIONS["elasticsearch_hosts"], groups, **{k: v for k, v in LOGSTASH_OPTIONS.items() if k != "elasticsearch_hosts"}))
