"""The logs part of the description: every problem named by its field path, and sample lines
proven at compile time with the line, the pattern and the first wrong field in the message."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.grok_parse import grok_parse
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError

LINE = "INFO 08-17 02:59:34 [loggers.py:310] Engine 000: Avg prompt throughput: 5.7 tokens/s, Avg generation throughput: " \
       "1.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.3%"
BASE = [{"name": "bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["10.0.0.5:8000"],
                                       "logs": {"paths": ["/var/log/vllm/*.log"], "format": "vllm"}}]}]
PATH = "llmagentos_agents[0].components[0].logs"


def with_logs(**logs):
    description = copy.deepcopy(BASE)
    description[0]["components"][0]["logs"].update(logs)
    return description


def problems(description):
    with pytest.raises(DescriptionError) as error:
        parse_agents(description)
    return error.value.problems


def test_a_matching_sample_compiles():
    parsed = parse_agents(with_logs(samples=[{"line": LINE, "expect": {"log.level": "INFO", "llm.kv_cache.usage_pct": 0.3}}]))
    assert parsed[0].components[0].logs.format_name == "vllm"


def test_a_sample_with_a_wrong_field_names_line_pattern_and_field():
    [(path, message)] = problems(with_logs(samples=[{"line": LINE, "expect": {"log.level": "INFO", "llm.requests.running": 2}}]))
    assert path == f"{PATH}.samples[0]"
    assert LINE in message and "%{LOGLEVEL:log.level} %{VLLM_TIME:timestamp}" in message
    assert "field llm.requests.running is 1, expected 2" in message


def test_a_sample_that_matches_nothing_lists_the_patterns_tried():
    [(path, message)] = problems(with_logs(samples=[{"line": "Segfault", "expect": {}}]))
    assert path == f"{PATH}.samples[0]"
    assert "line 'Segfault' matches none of the patterns:" in message and "%{VLLM_PROCESS}" in message


def test_a_missing_field_is_reported_as_missing():
    [(_path, message)] = problems(with_logs(samples=[{"line": LINE, "expect": {"gen_ai.response.id": "x"}}]))
    assert "field gen_ai.response.id is missing, expected 'x'" in message


def test_a_user_pattern_is_tried_before_the_preset_and_may_use_its_definitions():
    custom = r"\A%{LOGLEVEL:log.level} %{VLLM_TIME:timestamp} \[%{VLLM_FILE:log.origin.file.name}:%{INT}\] CUSTOM %{GREEDYDATA:bot.detail}"
    line = "WARNING 08-17 02:59:34 [hooks.py:7] CUSTOM cache warm"
    parse_agents(with_logs(grok=[custom], samples=[{"line": line, "expect": {"bot.detail": "cache warm", "log.level": "WARNING"}},
                                                   {"line": LINE, "expect": {"llm.requests.running": 1}}]))


def test_timestamp_formats_extend_a_preset_and_give_one_without_time_a_date():
    uvicorn = with_logs(format="uvicorn", grok=[r"\A\[%{TIMESTAMP_ISO8601:timestamp}\] %{GREEDYDATA:message}"],
                        timestamp_formats=["yyyy-MM-dd HH:mm:ss"],
                        samples=[{"line": "[2026-07-01 08:00:00] ready", "expect": {"@timestamp": "2026-07-01T08:00:00.000Z"}}])
    parse_agents(uvicorn)
    vllm = with_logs(grok=[r"\A%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level} %{GREEDYDATA:message}"],
                     timestamp_formats=["yyyy-MM-dd HH:mm:ss"],
                     samples=[{"line": "2026-07-01 08:00:00 INFO up", "expect": {"@timestamp": "2026-07-01T08:00:00.000Z"}},
                              {"line": LINE, "expect": {"log.level": "INFO"}}])
    [date] = [step for step in parse_agents(vllm)[0].components[0].logs.steps if type(step).__name__ == "ParseDate"]
    assert date.formats == ("yyyy-MM-dd HH:mm:ss", "MM-dd HH:mm:ss")


def test_custom_grok_without_a_format_uses_timestamp_formats_and_timezone():
    description = with_logs(format=None, grok=[r"\A%{TIMESTAMP_ISO8601:timestamp} %{GREEDYDATA:message}"],
                            timestamp_formats=["yyyy-MM-dd HH:mm:ss"], timezone="America/New_York",
                            samples=[{"line": "2026-07-01 08:00:00 hello",
                                      "expect": {"@timestamp": "2026-07-01T12:00:00.000Z", "message": "hello"}}])
    del description[0]["components"][0]["logs"]["format"]
    parse_agents(description)


@pytest.mark.parametrize("logs, path, message", [
    ({"format": "vllm2"}, f"{PATH}.format", "unknown log format 'vllm2'; known formats: vllm, uvicorn"),
    ({"paths": "relative.log"}, f"{PATH}.paths", "must be a non-empty list of absolute file paths or globs"),
    ({"paths": ["logs/*.log"]}, f"{PATH}.paths[0]", "'logs/*.log' must be an absolute path"),
    ({"grok": ["%{NOPE:x}"]}, f"{PATH}.grok[0]", "unknown pattern %{NOPE}"),
    ({"grok": ["%{INT:x:long}"]}, f"{PATH}.grok[0]", "type 'long' of field 'x' is not supported"),
    ({"pattern_definitions": {"bad name": "x"}}, f"{PATH}.pattern_definitions", "must map pattern names"),
    ({"timezone": "Mars/Olympus"}, f"{PATH}.timezone", "'Mars/Olympus' is not a time zone name"),
    ({"multiline": {"negate": True}}, f"{PATH}.multiline.pattern", "is required"),
    ({"multiline": {"pattern": "^x", "match": "around"}}, f"{PATH}.multiline.match", "must be after or before"),
    ({"colour": True}, f"{PATH}.colour", "unknown key"),
    ({"format": "json", "grok": ["%{INT:x}"]}, f"{PATH}.grok", "format 'json' is not read with grok"),
    ({"samples": [{"text": "x"}]}, f"{PATH}.samples[0]", "must be a mapping with line"),
])
def test_bad_logs_settings_name_their_field(logs, path, message):
    found = problems(with_logs(**logs))
    assert any(p == path and message in m for p, m in found), found


def test_neither_format_nor_grok_is_refused():
    description = copy.deepcopy(BASE)
    del description[0]["components"][0]["logs"]["format"]
    expected = ("give a format (one of vllm, uvicorn, tgi, tgi_json, llamacpp, ollama, triton, sglang, python, celery, "
                "json, nvidia_xid) or your own grok patterns")
    assert problems(description) == [(PATH, expected)]


def test_multiline_defaults_to_the_format_and_can_be_turned_off():
    assert dict(parse_agents(BASE)[0].components[0].logs.multiline)["negate"] is True
    assert parse_agents(with_logs(multiline=False))[0].components[0].logs.multiline is None


def test_filters_turn_description_problems_into_ansible_errors():
    with pytest.raises(AnsibleFilterError, match=r"invalid agent description:\n.*samples\[0\]: line 'x' matches none"):
        agent_ingest_pipelines(with_logs(samples=[{"line": "x"}]))


def test_grok_parse_filter():
    assert grok_parse("ERROR 12 boom", ["%{LOGLEVEL:[log][level]} %{INT:process.pid:int}"]) == {"log.level": "ERROR", "process.pid": 12}
    assert grok_parse("nothing", "%{INT:n}") is None
    assert grok_parse("a b", "%{WORD:x} %{MINE:y}", {"MINE": "[a-z]"}) == {"x": "a", "y": "b"}
    with pytest.raises(AnsibleFilterError, match=r"grok_parse: unknown pattern %\{NOPE\}"):
        grok_parse("x", ["%{NOPE}"])
    with pytest.raises(AnsibleFilterError, match="the input must be a string"):
        grok_parse(42, ["%{INT}"])
    with pytest.raises(AnsibleFilterError, match="patterns must be a pattern or a non-empty list"):
        grok_parse("x", [])
