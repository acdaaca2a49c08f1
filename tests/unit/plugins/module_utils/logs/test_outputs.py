"""The three log outputs: golden files for the example description, the Logstash and ingest
pipelines as one grammar (both read back and run over the same lines), and their structure."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.agent_filebeat_inputs import agent_filebeat_inputs
from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.agent_log_index_template import agent_log_index_template
from ansible_collections.llmagentos.ops.plugins.filter.agent_log_samples import agent_log_samples
from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.formats import LOG_FORMATS
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import Grok
from examples import AGENTS, EVERY_FORMAT, GOLDEN, GROUPS, LOGSTASH_OPTIONS, golden

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.redaction import SAMPLES as REDACTION_SAMPLES


def test_ingest_pipelines_match_the_golden_file():
    assert agent_ingest_pipelines(AGENTS, GROUPS) == golden("support_bot.ingest_pipelines.yml")


def test_filebeat_inputs_match_the_golden_file():
    assert agent_filebeat_inputs(AGENTS, GROUPS) == golden("support_bot.filebeat_inputs.yml")


def test_logstash_pipeline_matches_the_golden_file():
    text = agent_logstash_pipeline(AGENTS, groups=GROUPS, **LOGSTASH_OPTIONS)
    assert text == (GOLDEN / "support_bot.logstash.conf").read_text()


# Reading the outputs back: Logstash strings keep backslashes as written (no config.support_escapes).
_LS_STRING = r'"((?:\\"|[^"])*)"'


def _logstash_branches(text):
    """{component: [(kind, details)]} of grok and gsub filters, in order, from the pipeline text."""
    branches = {}
    for match in re.finditer(r'\[labels\]\[component\] == "([^"]+)" \{\n(.*?)\n  \}(?= else|\n\})', text, re.S):
        steps = []
        for block in re.finditer(r"^\s*(grok|mutate) \{\n(.*?)^\s*\}\n", match.group(2), re.S | re.M):
            body = block.group(2)
            if block.group(1) == "mutate" and "gsub" in body:
                field, pattern, _replacement = re.findall(_LS_STRING, body)
                steps.append(("gsub", (field, pattern)))
            elif block.group(1) == "grok":
                match_line = re.search(r'match => \{ ' + _LS_STRING + r' => \[(.*)\] \}', body)
                patterns = re.findall(_LS_STRING, match_line.group(2))
                definitions = dict(re.findall(_LS_STRING + " => " + _LS_STRING, body.split("pattern_definitions", 1)[1])) \
                    if "pattern_definitions" in body else {}
                steps.append(("grok", (match_line.group(1), patterns, definitions)))
        branches[match.group(1)] = steps
    return branches


def _ingest_steps(pipeline):
    steps = []
    for processor in pipeline["processors"]:
        if "gsub" in processor:
            steps.append(("gsub", (processor["gsub"]["field"], processor["gsub"]["pattern"])))
        elif "grok" in processor:
            grok = processor["grok"]
            steps.append(("grok", (grok["field"], grok["patterns"], grok.get("pattern_definitions", {}))))
    return steps


def _apply(steps, line):
    event = {"message": line}
    for kind, details in steps:
        if kind == "gsub":
            field, pattern = details
            event[field.strip("[]")] = re.sub(pattern, "", event[field.strip("[]")])
            continue
        field, patterns, definitions = details
        field = ".".join(re.findall(r"\[([^\]]+)\]", field)) or field
        found = Grok(patterns, definitions).match(event.get(field, ""))
        if found:
            event.update(found[1])
    return event


def test_logstash_and_ingest_outputs_are_the_same_grammar():
    pipelines = agent_ingest_pipelines(EVERY_FORMAT)
    branches = _logstash_branches(agent_logstash_pipeline(EVERY_FORMAT, ["https://es:9200"]))
    assert len(branches) == len(LOG_FORMATS)
    compared = 0
    for name, fmt in LOG_FORMATS.items():
        component = name.replace("_", "-")
        ingest, logstash = _ingest_steps(pipelines[f"llmagentos-zoo-{component}"]), branches[component]
        assert [kind for kind, _details in ingest] == [kind for kind, _details in logstash], name
        for line, _expect in fmt.samples:
            from_ingest, from_logstash = _apply(ingest, line), _apply(logstash, line)
            assert from_ingest == from_logstash, (name, line)
            compared += len(from_ingest) > 1
    assert compared >= 25


def test_logstash_config_is_balanced_and_quotes_every_regex_safely():
    text = agent_logstash_pipeline(EVERY_FORMAT, ["https://es:9200"])
    unquoted = re.sub(_LS_STRING, '""', text)
    assert unquoted.count("{") == unquoted.count("}")
    # An escaped quote inside a regular expression must not reach Logstash as \\" (it would end the string).
    assert '\\\\"' not in text
    assert 'api_key => "${LLMAGENTOS_ES_API_KEY}"' in text and "password" not in text


def test_every_pipeline_keeps_failed_events_with_the_reason():
    for pipeline in agent_ingest_pipelines(EVERY_FORMAT).values():
        assert pipeline["on_failure"][0]["set"]["field"] == "error.message"
        assert {"append": {"field": "tags", "value": ["llmagentos_parse_failure"]}} in pipeline["on_failure"]
        cleanup = {"remove": {"field": ["_tmp", "timestamp"], "ignore_missing": True}}
        # Redacted, cleaned up, then routed by data class (reroute ends a pipeline), whether parsed or not.
        for processors in (pipeline["processors"], pipeline["on_failure"]):
            assert processors[-3]["script"]["tag"] == "llmagentos-redaction"
            assert processors[-2] == cleanup and "reroute" in processors[-1]
        optional = [p["grok"] for p in pipeline["processors"] if "grok" in p][1:]
        assert all(grok["ignore_failure"] for grok in optional)


def test_filebeat_inputs_for_logstash_name_no_pipeline_and_label_every_event():
    inputs = agent_filebeat_inputs(AGENTS, GROUPS, output="logstash")
    assert [entry["id"] for entry in inputs] == [
        "llmagentos-support-bot-llm", "llmagentos-support-bot-search", "llmagentos-support-bot-crm",
        "llmagentos-support-bot-tasks", "llmagentos-support-bot-fallback"]
    assert all("pipeline" not in entry and entry["fields"]["labels"]["agent"] == "support-bot" for entry in inputs)
    celery = inputs[3]["parsers"][0]["multiline"]
    assert celery["negate"] is True and celery["match"] == "after"
    with pytest.raises(AnsibleFilterError, match="output must be elasticsearch or logstash"):
        agent_filebeat_inputs(AGENTS, GROUPS, output="kafka")


def test_the_kernel_log_input_of_a_gpu_keeps_only_xid_lines():
    agents = [{"name": "bot", "components": [
        {"name": "gpu0", "kind": "gpu", "preset": "dcgm", "targets": ["gpu-1:9400"],
         "logs": {"paths": ["/var/log/kern.log"], "format": "nvidia_xid"}},
        {"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["gpu-1:8000"],
         "logs": {"paths": ["/var/log/vllm.log"], "format": "vllm"}}]}]
    gpu, llm = agent_filebeat_inputs(agents, {})
    assert gpu["include_lines"] == [r"NVRM: Xid \(PCI:"] and gpu["paths"] == ["/var/log/kern.log"]
    assert "parsers" not in gpu and gpu["fields"]["labels"] == {"agent": "bot", "component": "gpu0"}
    assert "include_lines" not in llm


def test_logstash_filter_refuses_missing_hosts_and_half_tls():
    with pytest.raises(AnsibleFilterError, match="elasticsearch_hosts must be a non-empty list"):
        agent_logstash_pipeline(AGENTS, groups=GROUPS)
    with pytest.raises(AnsibleFilterError, match="both beats_ssl_certificate and beats_ssl_key"):
        agent_logstash_pipeline(AGENTS, ["https://es:9200"], GROUPS, beats_ssl_certificate="/c.crt")
    with pytest.raises(AnsibleFilterError, match="beats_ssl_client_ca needs beats_ssl_certificate and beats_ssl_key"):
        agent_logstash_pipeline(AGENTS, ["https://es:9200"], GROUPS, beats_ssl_client_ca="/ca.crt")


def test_filebeat_inputs_for_one_host_keep_only_its_components():
    # search runs on the search_api group's hosts; llm on 10.0.0.5; the others elsewhere.
    assert [entry["id"] for entry in agent_filebeat_inputs(AGENTS, GROUPS, hosts=["search-2", "10.0.9.9"])] == \
        ["llmagentos-support-bot-search"]
    assert [entry["id"] for entry in agent_filebeat_inputs(AGENTS, GROUPS, hosts=["gpu-host", "10.0.0.5"])] == \
        ["llmagentos-support-bot-llm"]
    assert agent_filebeat_inputs(AGENTS, GROUPS, hosts=["nowhere"]) == []
    [llm] = agent_filebeat_inputs(AGENTS, GROUPS, hosts=["10.0.0.5"], dataset="llm.prod")
    assert llm["fields"]["data_stream"] == {"type": "logs", "dataset": "llm.prod", "namespace": "prod"}
    with pytest.raises(AnsibleFilterError, match="hosts must be a list"):
        agent_filebeat_inputs(AGENTS, GROUPS, hosts="search-1")


def test_log_samples_are_the_formats_and_the_descriptions_proven_lines():
    samples = agent_log_samples(AGENTS, GROUPS)
    assert set(samples) == set(agent_ingest_pipelines(AGENTS, GROUPS))
    planted = len(REDACTION_SAMPLES)
    llm = samples["llmagentos-support-bot-llm"]
    assert len(llm) == len(LOG_FORMATS["vllm"].samples) + 1 + planted
    assert llm[-planted - 1]["expect"] == {"log.level": "INFO", "llm.requests.running": 2, "llm.kv_cache.usage_pct": 1.4}
    assert [sample["line"] for sample in samples["llmagentos-support-bot-crm"][:-planted]] == [
        "2026-11-23 10:00:00.120 WARN [contacts.lookup] 504 in 3001.5ms"]
    # Then the redaction's planted secrets, with what the compiler stores for them.
    card = next(sample for sample in llm if "4111 1111" in sample["line"])
    assert card["expect"] == {"message": "user pasted card <CARD> into the prompt (order 4111111111111112)",
                              "llmagentos.redacted": ["card"], "tags": ["llmagentos_parse_failure"]}


def test_index_template_maps_every_number_the_pipelines_make():
    storage = agent_log_index_template(EVERY_FORMAT, retention_days=14, replicas=0)
    [(policy_name, policy), (prompts_name, prompts_policy)] = storage["ilm_policy"].items()
    [(template_name, template), (_prompts, prompts_template)] = storage["index_template"].items()
    assert policy_name == template_name == "logs-llmagentos.agents"
    # Events that carried a prompt: their own data stream, rolled over daily, deleted after 7 days.
    assert prompts_name == "logs-llmagentos.agents.prompts" and prompts_template["index_patterns"] == ["logs-llmagentos.agents.prompts-*"]
    assert prompts_policy["policy"]["phases"]["delete"]["min_age"] == "7d"
    assert prompts_policy["policy"]["phases"]["hot"]["actions"]["rollover"]["max_age"] == "1d"
    assert prompts_template["template"]["settings"]["index.lifecycle.name"] == prompts_name
    assert prompts_template["template"]["mappings"] == template["template"]["mappings"]
    assert policy["policy"]["phases"]["delete"] == {"min_age": "14d", "actions": {"delete": {}}}
    assert template["index_patterns"] == ["logs-llmagentos.agents-*"] and template["data_stream"] == {}
    assert template["template"]["settings"] == {"index.lifecycle.name": "logs-llmagentos.agents", "index.number_of_replicas": 0}
    properties = template["template"]["mappings"]["properties"]

    def mapped(field):
        node = {"properties": properties}
        for part in field.split("."):
            node = node["properties"][part]
        return node["type"]

    assert mapped("llm.kv_cache.usage_pct") == "double" and mapped("llm.requests.running") == "long"
    assert mapped("event.duration") == "long" and mapped("llm.time_per_output_token") == "long"
    assert mapped("process.pid") == "long" and mapped("http.response.status_code") == "long"
    assert mapped("labels.component") == "keyword" and mapped("log.level") == "keyword"
    assert mapped("llmagentos.redacted") == "keyword" and mapped("llmagentos.data_class") == "keyword"
    assert "_tmp" not in properties and "timestamp" not in properties


@pytest.mark.parametrize("options, message", [
    ({"retention_days": 0}, "retention_days must be a whole number of days, 1 or more, got 0"),
    ({"replicas": -1}, "replicas must be a whole number, 0 or more, got -1"),
])
def test_index_template_refuses_bad_numbers(options, message):
    with pytest.raises(AnsibleFilterError, match=message):
        agent_log_index_template(AGENTS, GROUPS, **options)


# Options of the ingest processors the pipelines use, from Elasticsearch's processor reference (8.x/9.x),
# including the options every processor has (if, ignore_failure, on_failure, tag, description).
COMMON_PROCESSOR_OPTIONS = {"if", "ignore_failure", "on_failure", "tag", "description"}
PROCESSOR_OPTIONS = {
    "set": {"field", "value", "copy_from", "override", "ignore_empty_value", "media_type"},
    "gsub": {"field", "pattern", "replacement", "target_field", "ignore_missing"},
    "json": {"field", "target_field", "add_to_root", "add_to_root_conflict_strategy", "allow_duplicate_keys", "strict_json_parsing"},
    "grok": {"field", "patterns", "pattern_definitions", "ecs_compatibility", "trace_match", "ignore_missing"},
    "kv": {"field", "field_split", "value_split", "target_field", "include_keys", "exclude_keys", "ignore_missing", "prefix",
           "trim_key", "trim_value", "strip_brackets"},
    "remove": {"field", "keep", "ignore_missing"},
    "date": {"field", "target_field", "formats", "timezone", "locale", "output_format"},
    "script": {"lang", "id", "source", "params"},
    "append": {"field", "value", "allow_duplicates", "media_type"},
    "reroute": {"dataset", "namespace", "destination"},
}


def test_ingest_pipelines_use_only_options_their_processors_have():
    pipelines = agent_ingest_pipelines(EVERY_FORMAT)
    seen = set()
    for pipeline in pipelines.values():
        for processor in pipeline["processors"] + pipeline["on_failure"]:
            [(kind, options)] = processor.items()
            seen.add(kind)
            assert kind in PROCESSOR_OPTIONS, kind
            assert set(options) <= PROCESSOR_OPTIONS[kind] | COMMON_PROCESSOR_OPTIONS, (kind, set(options) - PROCESSOR_OPTIONS[kind])
    assert seen == set(PROCESSOR_OPTIONS)
