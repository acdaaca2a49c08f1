"""The generated Logstash pipelines read by a parser of Logstash's configuration grammar, every
plugin one of the default distribution with options it has, every grok pattern compiling."""


import pytest
from logstash_grammar import GrammarError, Parser, plugins
from examples import EVERY_FORMAT, GOLDEN, LOGSTASH_OPTIONS

from ansible_collections.llmagentos.ops.plugins.filter.agent_logstash_pipeline import agent_logstash_pipeline
from ansible_collections.llmagentos.ops.plugins.module_utils.logs.grok import Grok

# Options of the plugins the pipeline uses, from each plugin's reference (Logstash 8.x/9.x).
KNOWN_OPTIONS = {
    "beats": {"port", "host", "ssl_enabled", "ssl_certificate", "ssl_key", "ssl_certificate_authorities",
              "ssl_client_authentication"},
    "mutate": {"gsub", "replace", "rename", "remove_field", "add_field", "add_tag", "id"},
    "grok": {"match", "pattern_definitions", "overwrite", "tag_on_failure", "break_on_match", "ecs_compatibility",
             "timeout_millis"},
    "json": {"source", "target", "tag_on_failure"},
    "kv": {"source", "target", "field_split_pattern", "value_split", "trim_value"},
    "translate": {"source", "target", "dictionary", "fallback"},
    "date": {"match", "timezone", "target", "tag_on_failure"},
    "ruby": {"code", "id", "path", "script_params", "tag_on_exception"},
    "elasticsearch": {"hosts", "data_stream", "data_stream_type", "data_stream_dataset", "api_key", "ssl_enabled",
                      "ssl_certificate_authorities"},
}


def parsed_pipelines():
    yield "golden", (GOLDEN / "support_bot.logstash.conf").read_text()
    yield "every format", agent_logstash_pipeline(EVERY_FORMAT, **LOGSTASH_OPTIONS)


@pytest.mark.parametrize("name, text", list(parsed_pipelines()))
def test_generated_pipelines_follow_the_grammar_and_use_known_plugin_options(name, text):
    sections = Parser(text).parse()
    assert set(sections) == {"input", "filter", "output"}, name
    for section in sections.values():
        for plugin, attributes in plugins(section):
            names = {attribute for attribute, _value in attributes}
            assert plugin in KNOWN_OPTIONS, (name, plugin)
            assert names <= KNOWN_OPTIONS[plugin], (name, plugin, names - KNOWN_OPTIONS[plugin])


def test_every_grok_filter_compiles_with_its_definitions():
    sections = Parser(agent_logstash_pipeline(EVERY_FORMAT, **LOGSTASH_OPTIONS)).parse()
    groks = [dict(attributes) for plugin, attributes in plugins(sections["filter"]) if plugin == "grok"]
    assert len(groks) >= 11
    for grok in groks:
        [(field, patterns)] = grok["match"].items()
        definitions = {name[1:-1]: unquote(regex) for name, regex in grok.get("pattern_definitions", {}).items()}
        Grok([unquote(pattern) for pattern in patterns], definitions)
        assert field == '"[message]"' or field.startswith('"[_tmp]')


def unquote(token):
    """A Logstash string token's text; \\" is a quote (in a regular expression, the same thing)."""
    return token[1:-1].replace('\\"', '"')


@pytest.mark.parametrize("text, message", [
    ("filter { grok { match => { \"message\" => [\"x\"] } }", "found the end of the configuration"),
    ("filter { if [a] == \"b\" { mutate { } } else { } } extra { }", "unknown section 'extra'"),
    ("filter { mutate { replace => { \"[a]\" => } } }", "expected a value"),
])
def test_the_grammar_reader_rejects_broken_configurations(text, message):
    with pytest.raises(GrammarError, match=message):
        Parser(text).parse()
