"""The example descriptions the tests share, and the golden files compiled from them."""

from pathlib import Path

import yaml

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.alert_kinds import ALERT_KINDS, DURATION
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.presets import PRESETS
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.formats import LOG_FORMATS

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLE = yaml.safe_load((GOLDEN / "support_bot.yml").read_text())
AGENTS, GROUPS = EXAMPLE["llmagentos_agents"], EXAMPLE["groups"]
# The options the Logstash golden file was compiled with.
LOGSTASH_OPTIONS = dict(
    elasticsearch_hosts=["https://es-1.example.com:9200", "https://es-2.example.com:9200"],
    beats_ssl_certificate="/etc/logstash/certs/logstash.crt", beats_ssl_key="/etc/logstash/certs/logstash.pkcs8.key",
    elasticsearch_ssl_ca="/etc/logstash/certs/ca.crt", beats_ssl_client_ca="/etc/logstash/certs/ca.crt")
# One component per log format, so every preset goes through both outputs.
EVERY_FORMAT = [{"name": "zoo", "components": [
    {"name": name.replace("_", "-"), "kind": "custom", "targets": [f"10.0.0.1:{9000 + index}"],
     "logs": {"paths": [f"/var/log/{name}.log"], "format": name}}
    for index, name in enumerate(LOG_FORMATS)]}]


def golden(name):
    return yaml.safe_load((GOLDEN / name).read_text())


def every_preset_agent():
    """One component per preset and kind, asking for every alert the preset can feed."""
    components = []
    for preset in PRESETS.values():
        for kind in preset.kinds:
            offered = set(preset.signals)
            alerts = {key: ({row.direction: ("1h" if row.forecast else "1s") if row.threshold is DURATION else 0.5} if row.direction else {})
                      for key, row in ALERT_KINDS.items()
                      if row.applies_to(kind) and set(row.signals) <= offered and (not row.any_of or offered & set(row.any_of))}
            components.append({"name": f"{preset.name}-{kind}", "kind": kind, "preset": preset.name,
                               "targets": ["h:1"], "alerts": alerts,
                               "slos": [{"sli": "availability", "objective": 99}] if {"requests", "errors"} <= offered else []})
    return [{"name": "every", "components": components}]
