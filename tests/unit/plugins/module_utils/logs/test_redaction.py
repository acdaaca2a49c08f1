"""Redaction: each kind against real secrets and the look-alikes that must survive, a team's own
patterns and prompt fields in the description, the same results from the Python reference and the
Logstash script (run with Ruby from the generated pipeline's own settings), and the ingest
pipeline's script generated from the same grammar."""

import copy
import hashlib
import importlib.util
import json
import re
import subprocess

import pytest
from examples import EVERY_FORMAT, ROOT
from logstash_grammar import Parser, plugins
from tools import tool

from ansible_collections.llmagentos.ops.plugins.filter.agent_ingest_pipelines import agent_ingest_pipelines
from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.description import parse_agents
from ansible_collections.llmagentos.ops.plugins.module_utils.agents.errors import DescriptionError
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.ingest import redaction_script
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.redaction import (
    KIND_NAMES, KINDS, SAMPLES, Redaction, pattern_problem, redact_document, redact_text)
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.steps import stored

SCRIPT = ROOT / "roles" / "logstash" / "files" / "llmagentos_redact.rb"
HARNESS = ROOT / "tests" / "helpers" / "logstash_ruby_filter.rb"

# (kind, text, what it must become)
POSITIVES = [
    ("email", "mail alice@example.com now", "mail <EMAIL> now"),
    ("email", "to: J.O'Neil? no: j.oneil+llm@mail.example.org.", "to: J.O'Neil? no: <EMAIL>."),
    ("card", "visa 4111111111111111", "visa <CARD>"),
    ("card", "amex 3782 822463 10005 ok", "amex <CARD> ok"),
    ("card", "mc 5555-5555-5555-4444;", "mc <CARD>;"),
    ("iban", "DE89370400440532013000", "<IBAN>"),
    ("iban", "pay GB82 WEST 1234 5698 7654 32.", "pay <IBAN>."),
    ("phone", "call +1 (415) 555-2671", "call <PHONE>"),
    ("phone", "tel:+33612345678", "tel:<PHONE>"),
    ("phone", "fax +33.1.23.45.67.89 or +1.415.555.2671", "fax <PHONE> or <PHONE>"),
    ("phone", "office (212) 555-0199 or 212-555-0199", "office <PHONE> or <PHONE>"),
    ("ip", "client 192.168.1.20:443", "client <IP>:443"),
    ("ip", "peer [2001:db8::1]:8080", "peer [<IP>]:8080"),
    ("ip", "fe80:0:0:0:202:b3ff:fe1e:8329 up", "<IP> up"),
    ("authorization", 'headers={"Authorization": "Bearer abcdefgh12345678"}', 'headers={"Authorization": "Bearer <CREDENTIAL>"}'),
    ("authorization", "proxy-authorization=Basic QWxhZGRpbjpvcGVu", "proxy-authorization=Basic <CREDENTIAL>"),
    ("bearer_token", "curl -H 'X: bearer 0123456789abcdef'", "curl -H 'X: bearer <TOKEN>'"),
    ("jwt", "id_token=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.MEUCIQDdj",
     "id_token=<JWT>"),
    ("api_key", "OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz012345", "OPENAI_API_KEY=<API_KEY>"),
    ("api_key", "anthropic sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_ab", "anthropic <API_KEY>"),
    ("api_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = <API_KEY>"),
    ("api_key", "key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "key=<API_KEY>"),
    ("api_key", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a in git", "token <API_KEY> in git"),
    ("api_key", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "<API_KEY>"),
    ("api_key", "HF_TOKEN hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "HF_TOKEN <API_KEY>"),
    ("api_key", "x-api-key: 0b7e1c9a-4f2d-4e8b-9c3a-7d6e5f4a3b2c", "x-api-key: <API_KEY>"),
]

# Text the pipelines must store as it is: what real logs are full of and looks like a secret.
LOOK_ALIKES = [
    "vllm 0.6.3.post1 on torch 2.4.0+cu121, python 3.11.9",
    "2026-11-23T10:15:42.123+01:00 took 1.5s",
    "epoch 1700000000000 ns 1732356942000000000",
    "order 4111111111111112 shipped",  # fails the Luhn check
    "order 1234-5678-9012-3456 shipped",  # fails the Luhn check
    "trace 123e4567-e89b-12d3-a456-426614174000 span 00f067aa0ba902b7",
    "request chatcmpl-7f3a9c0b1d2e4f5a6b7c8d9e0f1a2b3c finished",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "listening on 0.0.0.0:8000 and 127.0.0.1:9090 and [::1]:80",
    "mac 00:1a:2b:3c:4d:5e at 10:15:42",
    "std::vector<int> and tokio::spawn",
    "GPU-5c3c6f0e-8d7a-4f4e-9b1a-2f3e4d5c6b7a on PCI 00000000:3B:00.0",
    "git@github.com:org/repo.git",
    "model meta-llama/Llama-3.1-8B-Instruct@main",
    "DE89 is a prefix, not an IBAN; GB00 either",
    "phone book has 3 entries, +1 more, version +12.5%",
    "loss delta +3.14159265, lr +1.2500000e-05, drift +1234.56789",
    "Authorization: none",
    "api_key=None",
    "Bearer short",
    "skipping sk-short",
]


@pytest.mark.parametrize("kind, text, expected", POSITIVES, ids=[f"{kind}-{i}" for i, (kind, *_r) in enumerate(POSITIVES)])
def test_each_kind_replaces_its_secrets_with_a_typed_placeholder(kind, text, expected):
    found = set()
    assert redact_text(text, KINDS, found) == expected
    assert found == {kind}


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_survive(text):
    found = set()
    assert redact_text(text, KINDS, found) == text and not found


def test_every_kind_has_positives_and_planted_samples():
    assert {kind for kind, *_rest in POSITIVES} == {kind.name for kind in KINDS}
    assert {kind for kind, _line, secret in SAMPLES if secret} == {kind.name for kind in KINDS}


@pytest.mark.parametrize("kind, line, secret", SAMPLES)
def test_the_pipelines_samples_lose_their_secret_and_keep_their_look_alikes(kind, line, secret):
    found = set()
    text = redact_text(line, KINDS, found)
    assert (secret not in text and found == {kind}) if secret else (text == line and not found)


def test_every_built_in_rule_is_in_the_portable_subset_and_safe():
    for kind in KINDS:
        for rule in kind.rules:
            assert re.fullmatch(r"\(.*?\)\(.*\)", rule.regex, re.S), rule.regex
            assert pattern_problem(rule.regex) is None, rule.regex


@pytest.mark.parametrize("length", [10_000, 100_000])
def test_adversarial_lines_stay_linear(length):
    """Long runs of what each rule's start accepts, never completing a match."""
    for text in ("a" * length, "1" * length, "a." * (length // 2), "+1 " * (length // 3), "ff:" * (length // 3),
                 "eyJ" + "a" * length, "a@" * (length // 2), "Bearer " * (length // 7)):
        redact_text(text, KINDS, set())  # a quadratic rule would take minutes at 100,000 characters


# A team's patterns and prompt settings in the description.

BASE = [{"name": "bot", "components": [{"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["10.0.0.5:8000"],
                                       "logs": {"paths": ["/var/log/vllm/*.log"], "format": "vllm"}}]}]
PATH = "llmagentos_agents[0].components[0].logs.redaction"
PROMPT_LINE = ("INFO 11-23 10:17:00 [logger.py:43] Received request chatcmpl-1: prompt: 'I am bob@example.com, card "
               "4111 1111 1111 1111', params: SamplingParams(n=1, max_tokens=64), prompt_token_ids: None, lora_request: None.")


def with_redaction(**redaction):
    description = copy.deepcopy(BASE)
    description[0]["components"][0]["logs"]["redaction"] = redaction
    return description


def steps_of(description):
    return parse_agents(description)[0].components[0].logs.steps


@pytest.mark.parametrize("redaction, path, message", [
    ({"disable": ["email", "phones"]}, ".disable[1]", "unknown kind 'phones'"),
    ({"patterns": {"employee": "(x+)+y"}}, ".patterns.employee", "exponential time"),
    ({"patterns": {"employee": "EMP.[0-9]+"}}, ".patterns.employee", "'.'"),
    ({"patterns": {"employee": "^EMP"}}, ".patterns.employee", "anchor"),
    ({"patterns": {"employee": "(?i)emp-[0-9]+"}}, ".patterns.employee", "inline flag"),
    ({"patterns": {"employee": "(EMP)-\\1"}}, ".patterns.employee", "do not read alike"),
    ({"patterns": {"employee": "[0-9]*"}}, ".patterns.employee", "empty string"),
    ({"patterns": {"employee": "EMP-[0-9"}}, ".patterns.employee", "not a valid regular expression"),
    ({"patterns": {"email": "x"}}, ".patterns", "new kind name"),
    ({"prompts": "encrypt"}, ".prompts", "keep-redacted, hash, drop"),
    ({"prompt_fields": ["prompt text"]}, ".prompt_fields", "dotted field names"),
    ({"colour": 1}, ".colour", "unknown key"),
])
def test_bad_redaction_settings_name_their_field(redaction, path, message):
    with pytest.raises(DescriptionError) as error:
        parse_agents(with_redaction(**redaction))
    [(where, what)] = error.value.problems
    assert where == PATH + path and message in what


def test_a_grok_capture_the_redaction_does_not_cover_is_refused():
    description = copy.deepcopy(BASE)
    description[0]["components"][0]["logs"].update(
        grok=[r"\Aticket %{INT} opened for %{NOTSPACE:user.email}"])
    with pytest.raises(DescriptionError) as error:
        parse_agents(description)
    [(where, what)] = error.value.problems
    assert where == PATH and "user.email" in what and "redaction.fields" in what
    description[0]["components"][0]["logs"]["redaction"] = {"fields": ["user.email"]}
    assert stored(steps_of(description), "ticket 4512 opened for jane@example.com")["user.email"] == "<EMAIL>"


def test_own_patterns_disabled_kinds_and_the_recorded_kinds():
    steps = steps_of(with_redaction(disable=["ip"], patterns={"employee_id": "(?<![A-Z0-9])EMP-[0-9]{6}(?![0-9])"}))
    event = stored(steps, "EMP-004211 from 10.0.0.7 mailed bob@example.com")
    assert event["message"] == "<EMPLOYEE_ID> from 10.0.0.7 mailed <EMAIL>"
    assert event["llmagentos.redacted"] == ["email", "employee_id"]
    assert event["tags"] == ["llmagentos_parse_failure"]  # not a vLLM line, stored all the same


@pytest.mark.parametrize("mode", ["keep-redacted", "hash", "drop"])
def test_prompt_fields_are_kept_redacted_hashed_or_dropped_and_mark_the_data_class(mode):
    event = stored(steps_of(with_redaction(prompts=mode)), PROMPT_LINE)
    raw = "'I am bob@example.com, card 4111 1111 1111 1111'"
    assert event["llmagentos.data_class"] == "prompt" and event["gen_ai.response.id"] == "chatcmpl-1"
    assert "bob@example.com" not in json.dumps(event) and "4111" not in json.dumps(event)
    if mode == "keep-redacted":
        assert event["gen_ai.prompt"] == "'I am <EMAIL>, card <CARD>'"
        assert event["llmagentos.redacted"] == ["card", "email"]
    else:
        assert event["message"].startswith("Received request chatcmpl-1: prompt: <PROMPT>, params:")
        assert event.get("gen_ai.prompt") == (hashlib.sha256(raw.encode()).hexdigest() if mode == "hash" else None)
        assert "llmagentos.redacted" not in event


def test_events_without_a_prompt_stay_operational():
    line = "INFO 08-17 02:59:34 [loggers.py:123] Engine 000: Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, " \
           "Waiting: 0 reqs, GPU KV cache usage: 0.3%"
    assert "llmagentos.data_class" not in stored(steps_of(BASE), line)


# The three engines.

def _logstash_settings(text):
    """The settings string of each redaction filter, as Logstash reads it (no escapes but \\")."""
    found = []
    for section in Parser(text).parse().values():
        for plugin, attributes in plugins(section):
            if plugin == "ruby" and "path" in dict(attributes):
                raw = dict(attributes)["script_params"]['"settings"']
                found.append(raw[1:-1].replace('\\"', '"'))
    return found


def _ruby(settings_json, documents):
    request = {"script": str(SCRIPT), "params": {"settings": settings_json}, "events": documents}
    result = subprocess.run([tool("ruby"), str(HARNESS)], input=json.dumps(request), capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _corpus():
    lines = [text for _kind, text, _expected in POSITIVES] + LOOK_ALIKES + [line for _kind, line, _secret in SAMPLES]
    documents = [{"message": line} for line in lines]
    documents += [
        {"message": "Received request x: prompt: 'hi bob@example.com', params: {}", "gen_ai": {"prompt": "'hi bob@example.com'"}},
        {"message": "chat", "gen_ai": {"prompt": [{"role": "user", "content": "card 4111-1111-1111-1111"}], "completion": "ok"}},
        {"message": "dotted", "gen_ai.prompt": "my IBAN is GB82WEST12345698765432"},
        {"message": 42, "error": {"message": "auth failed for Authorization: token abcdef0123456789"}},
        {"message": "unicode ✓ café jane@exämple.com jane@example.com ١٢٣"},
    ]
    return documents


@pytest.mark.parametrize("mode", ["keep-redacted", "hash", "drop"])
def test_the_logstash_script_redacts_exactly_as_the_reference(mode):
    description = copy.deepcopy(EVERY_FORMAT)
    for component in description[0]["components"]:
        component["logs"]["redaction"] = {"prompts": mode, "patterns": {"ticket": "(?<![A-Z])TCK-[0-9]{4,8}"}}
    [settings, *_others] = _logstash_settings(agent_logstash_pipeline(description, ["https://es:9200"]))
    documents = _corpus() + [{"message": "see TCK-123456 and \"quoted\" $HOME"}]
    expected = [redact_document(copy.deepcopy(document), json.loads(settings)) for document in documents]
    assert _ruby(settings, copy.deepcopy(documents)) == expected


def test_logstash_counts_the_events_of_each_kind_in_force_under_the_ids_the_statistics_writer_reads():
    description = with_redaction(disable=["ip"], patterns={"employee_id": "(?<![A-Z0-9])EMP-[0-9]{6}(?![0-9])"})
    text = agent_logstash_pipeline(description, ["https://es:9200"])
    counters = dict(re.findall(r'if "([a-z_]+)" in \[llmagentos\]\[redacted\] \{\n\s*mutate \{\n\s*id => "([^"]+)"\n', text))
    assert set(counters) == set(KIND_NAMES) - {"ip"} | {"employee_id"}
    writer = _statistics_writer()
    for kind, counter in counters.items():
        assert counter.startswith(writer.REDACTION_COUNTER_PREFIX) and counter.split("/")[1:] == ["bot", "llm", kind]


def _statistics_writer():
    spec = importlib.util.spec_from_file_location("elastic_stats_textfile", ROOT / "roles/common/files/elastic_stats_textfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_logstash_script_fails_closed():
    settings = json.loads(_logstash_settings(agent_logstash_pipeline(EVERY_FORMAT, ["https://es:9200"]))[0])
    settings["kinds"][0]["rules"][0]["check"] = "unknown"
    [event] = _ruby(json.dumps(settings), [{"message": "Authorization: Basic c2VjcmV0c2VjcmV0", "url": {"original": "/x"}}])
    assert event == {"url": {}, "tags": ["llmagentos_redaction_failure"]}


def test_the_ingest_script_is_generated_from_the_same_rules():
    pipeline = next(iter(agent_ingest_pipelines(EVERY_FORMAT).values()))
    [script] = [processor["script"] for processor in pipeline["processors"] if "script" in processor
                and processor["script"].get("tag") == "llmagentos-redaction"]
    assert script["source"] == redaction_script(Redaction())
    literals = re.findall(r"def m = /((?:\\/|[^/])+)/\.matcher", script["source"])
    assert [literal.replace("\\/", "/") for literal in literals] == [rule.regex for kind in KINDS for rule in kind.rules]
    assert script["params"]["kinds"] == Redaction().settings()["kinds"]
    # Balanced braces outside the regex literals and strings: the script's functions close.
    code = re.sub(r"/(?:\\/|[^/\n])+/\.matcher|'[^']*'", "", script["source"])
    assert code.count("{") == code.count("}") and code.count("(") == code.count(")")
    # It fails closed, removing every field it would have redacted.
    assert {"remove": {"field": list(dict.fromkeys(Redaction().fields + Redaction().prompt_fields)), "ignore_missing": True}} \
        in script["on_failure"]
