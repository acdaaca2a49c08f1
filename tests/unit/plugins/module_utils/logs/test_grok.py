"""The grok engine: the standard library as Logstash/Elasticsearch expand it, ECS field names,
types, several patterns with the first match winning, and errors a person can act on."""

import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import (
    Grok, GrokError, bracketed, dotted, grok_parse, with_field_style)


@pytest.mark.parametrize("pattern, text, expected", [
    ("TIMESTAMP_ISO8601", "at 2024-05-07T09:12:44.123456+02:00 ok", "2024-05-07T09:12:44.123456+02:00"),
    ("TIMESTAMP_ISO8601", "2024-05-07 09:12:44,123", "2024-05-07 09:12:44,123"),
    ("IPV4", "from 10.0.3.17:8000", "10.0.3.17"),
    ("IPV6", "peer 2001:db8::8a2e:370:7334 said", "2001:db8::8a2e:370:7334"),
    ("IPV6", "peer fe80::1%eth0 said", "fe80::1%eth0"),
    ("IP", "::ffff:192.0.2.128", "::ffff:192.0.2.128"),
    ("HOSTNAME", "api.example.com:443", "api.example.com"),
    ("LOGLEVEL", "[WARNING] disk", "WARNING"),
    ("LOGLEVEL", "level=Information", "Information"),
    ("NUMBER", "took -12.5 ms", "-12.5"),
    ("QUOTEDSTRING", 'msg="a \\"quoted\\" word" next', '"a \\"quoted\\" word"'),
    ("UUID", "task 0f5e2a4c-1d7b-4f0e-9a59-2f6d4e8b7c1a done", "0f5e2a4c-1d7b-4f0e-9a59-2f6d4e8b7c1a"),
    ("URI", "see https://user@host.example.com:8080/a/b?c=d#e now", "https://user@host.example.com:8080/a/b?c=d#e"),
    ("HTTPDATE", "[07/May/2024:09:12:44 +0000]", "07/May/2024:09:12:44 +0000"),
    ("SYSLOGTIMESTAMP", "Nov  3 04:05:06 host", "Nov  3 04:05:06"),
    ("UNIXPATH", "file /var/log/vllm/server.log rotated", "/var/log/vllm/server.log"),
])
def test_library_patterns_match_what_logstash_matches(pattern, text, expected):
    assert grok_parse(text, [f"%{{{pattern}:value}}"]) == {"value": expected}


@pytest.mark.parametrize("pattern, text", [
    ("IPV4", "300.1.1.1"),
    ("IPV4", "1.2.3"),
    ("POSINT", "0"),
    ("TIMESTAMP_ISO8601", "2024-13-07T09:12:44Z"),
    ("UUID", "0f5e2a4c-1d7b-4f0e-9a59"),
])
def test_library_patterns_refuse_what_logstash_refuses(pattern, text):
    assert grok_parse(text, [rf"\A%{{{pattern}:value}}\Z"]) is None


def test_dotted_and_bracketed_names_give_the_same_dotted_keys():
    line = "2024-05-07T09:12:44Z ERROR 4312 boom"
    bracket = grok_parse(line, ["%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:[log][level]} %{INT:[process][pid]:int} %{GREEDYDATA:message}"])
    dots = grok_parse(line, ["%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level} %{INT:process.pid:int} %{GREEDYDATA:message}"])
    assert bracket == dots == {"timestamp": "2024-05-07T09:12:44Z", "log.level": "ERROR", "process.pid": 4312, "message": "boom"}


def test_types_convert_and_strings_stay_strings():
    assert grok_parse("rate 0.25 count 7 id 007", ["rate %{NUMBER:r:float} count %{INT:c:int} id %{INT:id}"]) == \
        {"r": 0.25, "c": 7, "id": "007"}


def test_first_matching_pattern_wins_and_its_index_is_reported():
    grok = Grok([r"\A%{INT:number:int}\Z", r"\A%{WORD:word}", r"%{GREEDYDATA:rest}"])
    assert grok.match("42") == (0, {"number": 42})
    assert grok.match("hello 42") == (1, {"word": "hello"})
    assert grok.match("!!") == (2, {"rest": "!!"})


def test_no_match_is_none_and_the_search_is_unanchored():
    assert grok_parse("no numbers here", ["%{INT:n}"]) is None
    assert grok_parse("prefix 12 suffix", ["%{INT:n:int}"]) == {"n": 12}


def test_empty_and_unmatched_captures_are_left_out():
    assert grok_parse("a  c", [r"%{WORD:a} (?:%{WORD:b})?%{DATA:empty} %{WORD:c}"]) == {"a": "a", "c": "c"}


def test_named_groups_and_user_definitions_capture_with_nested_fields():
    definitions = {"PROCESS": r"\(%{WORD:process.name} pid=%{INT:process.pid:int}\)"}
    assert grok_parse("(APIServer pid=41) hi", [r"%{PROCESS} (?<message>.*)"], definitions) == \
        {"process.name": "APIServer", "process.pid": 41, "message": "hi"}


def test_lookbehinds_are_not_taken_for_named_groups():
    assert grok_parse("x12 512", [r"(?<![0-9x])%{INT:n:int}"]) == {"n": 512}


@pytest.mark.parametrize("patterns, definitions, message", [
    (["%{NOPE:x}"], {}, "unknown pattern %{NOPE}; define it in pattern_definitions"),
    (["%{A}"], {"A": "%{B}", "B": "x%{A}"}, "pattern A refers to itself: A -> B -> A"),
    (["%{INT:x:long}"], {}, "type 'long' of field 'x' is not supported; use int or float"),
    (["%{INT:log..level}"], {}, "field name 'log..level' is neither dotted (log.level) nor bracketed ([log][level])"),
    (["%{INT:x}("], {}, "is not a valid regular expression"),
    ([], {}, "give at least one pattern"),
    (["(?P<x>a)"], {}, "uses Python's (?P...) syntax, which Logstash and Elasticsearch do not read"),
    (["%{MINE:x}"], {"MINE": "(?P<y>b)"}, "%{MINE} '(?P<y>b)' uses Python's (?P...) syntax"),
])
def test_bad_patterns_raise_a_grok_error_that_says_why(patterns, definitions, message):
    with pytest.raises(GrokError, match=None) as error:
        Grok(patterns, definitions)
    assert message in str(error.value)


def test_fields_lists_every_capture_with_its_type():
    assert Grok(["%{INT:a:int} %{WORD:[b][c]}", "%{NUMBER:d:float}"]).fields() == {"a": "int", "b.c": None, "d": "float"}


def test_field_styles_rewrite_only_field_names():
    pattern = r"%{INT:[process][pid]:int} %{WORD} %{LOGLEVEL:log.level} \[x\]"
    assert with_field_style(pattern, "dotted") == r"%{INT:process.pid:int} %{WORD} %{LOGLEVEL:log.level} \[x\]"
    assert with_field_style(pattern, "bracketed") == r"%{INT:[process][pid]:int} %{WORD} %{LOGLEVEL:[log][level]} \[x\]"
    assert dotted("[a][b]") == "a.b" and bracketed("a.b") == "[a][b]"
