"""Property tests for the log side: `logs` sections built from the fragments that broke earlier
versions (nested repetitions, huge repetition counts, definitions that double, trailing
backslashes, quotes, captures over the pipeline's own fields, deep JSON, long lines, bad multiline
settings) go through every log filter. Each is refused with an error naming its field, or compiles
into outputs that hold: Logstash configuration the grammar reads, ingest pipelines that are JSON,
an index template without a field that is both a value and an object."""

import json

from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logstash_grammar import Parser

from ansible_collections.llmagentos.ops.plugins.filter.agent_filebeat_inputs import agent_filebeat_inputs
from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.agent_log_index_template import agent_log_index_template
from ansible_collections.llmagentos.ops.plugins.filter.agent_log_samples import agent_log_samples
from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline

FRAGMENTS = [
    "%{INT:a:int}", "%{WORD:b}", "%{GREEDYDATA:message}", "%{LOGLEVEL:log.level}", " ", ":", "\\A", "$", "\\z", ".*",
    "(a+)+", "(\\w+\\s?)+", "(?:\\S+\\s*)*", "a{99999999999}", "\\", "\\\\", '"', "'", "[", "]", "(", ")", "{", "}",
    "(?<f>x)", "(?P<x>y)", "%{NOPE}", "%{L0}", "%{INT:labels:int}", "%{WORD:[a][b]}", "%{WORD:@timestamp}",
    "%{INT:n:long}", "ünï", "\n", "%{WORD:a.}", "(?>a+)", "x*+", "%{IP:source.address}",
]
LINES = ["", "x", "1 a", "INFO hello", "[" * 3000 + "]" * 3000, '{"a": 1}', '{"log.level": "info", "message": "m"}',
         "a" * 20_000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "2026-11-23T10:00:00Z INFO x", "\x1b[31mred\x1b[0m"]
values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=6)
pattern = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join)
definitions = st.dictionaries(st.sampled_from(["L0", "L1", "L2", "L3", "X", "1bad", ""]),
                              st.sampled_from(["%{L1}%{L1}", "%{L2}%{L2}", "%{L3}%{L3}", "a", "(a+)+", "%{L0}", "["])
                              | pattern, max_size=4)
multiline = st.one_of(st.none(), st.just(False), values, st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["pattern", "count", "x", 1]), "pattern": st.sampled_from(["^\\[", "(?=a)", "[", "\\d+", 5]),
    "negate": values, "match": st.sampled_from(["after", "before", "x"]), "max_lines": values,
    "timeout": st.sampled_from(["5s", "1m30s", "5", "1d", 3]), "count_lines": values}))
logs = st.fixed_dictionaries({"paths": st.sampled_from([["/var/log/x.log"], ["x"], [], "x", [1]])}, optional={
    "format": st.sampled_from(["json", "vllm", "celery", "tgi", "nope", 1]),
    "grok": st.lists(pattern, max_size=3) | values,
    "pattern_definitions": definitions | values,
    "timestamp_formats": st.lists(st.sampled_from(["ISO8601", "yyyy-MM-dd HH:mm:ss", "", "\\"]), max_size=2) | values,
    "timezone": st.sampled_from(["UTC", "Europe/Berlin", "Mars/Base", "", 5]),
    "multiline": multiline,
    "samples": st.lists(st.fixed_dictionaries({"line": st.sampled_from(LINES) | values},
                                              optional={"expect": st.dictionaries(st.sampled_from(["a", "b", "message"]),
                                                                                  values, max_size=2)}), max_size=2),
})


# Pieces that are valid grok but awkward for the outputs: quotes, backslashes at the end, braces,
# unicode, anchors, captures with either field syntax.
AWKWARD = ['%{WORD:b}', '"%{DATA:q}"', "\\\\", "\\\\$", "'", "ünï", "\\{x\\}", "\\A", "\\z", "%{WORD:[a][b]}",
           "%{NUMBER:n:float}", "(?<f>[^\\]]+)", "%{IP:source.address}", " ", "=>", "#", "${X}", "%{INT:a:int}"]
awkward_pattern = st.lists(st.sampled_from(AWKWARD), min_size=1, max_size=4).map("".join)
mostly_valid = st.fixed_dictionaries({"paths": st.just(["/var/log/x.log"]), "grok": st.lists(awkward_pattern, min_size=1, max_size=2)},
                                     optional={
    "pattern_definitions": st.dictionaries(st.sampled_from(["MINE", "OTHER"]), awkward_pattern, max_size=2),
    "timestamp_formats": st.lists(st.sampled_from(["ISO8601", "yyyy-MM-dd HH:mm:ss", "dd/MMM/yyyy:HH:mm:ss Z"]),
                                  min_size=1, max_size=2),
    "timezone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
    "multiline": st.sampled_from([False, {"pattern": "^\\[", "negate": True, "match": "after"},
                                  {"type": "count", "count_lines": 3}, {"pattern": "^\\s", "timeout": "1m30s"}]),
})


def description(section):
    return [{"name": "bot", "environment": "prod", "components": [
        {"name": "c", "kind": "custom", "targets": ["h:1"], "logs": section}]}]


def check_outputs(agents):
    pipelines = agent_ingest_pipelines(agents)
    json.dumps(pipelines)
    Parser(agent_logstash_pipeline(agents, elasticsearch_hosts=["https://es:9200"])).parse()
    json.dumps(agent_filebeat_inputs(agents))
    template = agent_log_index_template(agents)
    properties = template["index_template"]["logs-llmagentos.agents"]["template"]["mappings"]["properties"]
    assert isinstance(properties, dict)
    agent_log_samples(agents)


@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(logs, mostly_valid))
def test_every_log_filter_refuses_cleanly_or_compiles_valid_output(section):
    agents = description(section)
    try:
        agent_ingest_pipelines(agents)
    except AnsibleFilterError as error:
        assert "llmagentos_agents[0].components[0].logs" in str(error), str(error)
        return
    check_outputs(agents)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "beats_port": values | st.sampled_from([5044, 0, 70000, "5044 } input { exec"]),
    "elasticsearch_hosts": values | st.lists(values, max_size=2),
    "api_key_variable": values | st.sampled_from(["KEY", "a}b", "${X}"]),
    "dataset": values | st.sampled_from(["llmagentos.agents", "a-b", "UPPER"]),
    "beats_ssl_certificate": values, "beats_ssl_key": values, "elasticsearch_ssl_ca": values}))
def test_logstash_options_are_checked_by_name(options):
    agents = description({"paths": ["/var/log/x.log"], "format": "json"})
    options.setdefault("elasticsearch_hosts", ["https://es:9200"])
    try:
        text = agent_logstash_pipeline(agents, **options)
    except AnsibleFilterError as error:
        assert str(error).startswith("agent_logstash_pipeline: "), str(error)
        return
    Parser(text).parse()
