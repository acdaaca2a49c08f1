"""A reader of the Logstash pipeline configuration grammar (logstash-core's grammar.treetop:
plugin sections, plugins, attributes, values, if/else if/else with conditions), so generated
pipelines are checked for syntax without a Logstash. Strings keep their backslashes, as Logstash
does without config.support_escapes."""

import re

_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:\\"|[^"])*"|'(?:\\'|[^'])*')
  | (?P<number>-?[0-9]+(?:\.[0-9]*)?)
  | (?P<operator>=>|==|!=|<=|>=|=~|!~|<|>)
  | (?P<punct>[{}\[\](),!])
  | (?P<bareword>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)


class GrammarError(ValueError):
    pass


def tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if not found:
            line = text.count("\n", 0, position) + 1
            raise GrammarError(f"line {line}: unexpected {text[position:position + 20]!r}")
        if found.lastgroup != "space":
            tokens.append((found.lastgroup, found.group()))
        position = found.end()
    return tokens


class Parser:
    """parse() returns {section: [plugin or branch]}; a plugin is (name, [(attribute, value)])."""

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self, offset=0):
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if (kind and token[0] != kind) or (value and token[1] != value):
            found = "the end of the configuration" if token[1] is None else repr(token[1])
            raise GrammarError(f"expected {value or kind}, found {found} (token {self.index})")
        self.index += 1
        return token[1]

    def parse(self):
        sections = {}
        while self.peek()[0] is not None:
            name = self.take("bareword")
            if name not in ("input", "filter", "output"):
                raise GrammarError(f"unknown section {name!r}")
            sections.setdefault(name, []).extend(self.block())
        return sections

    def block(self):
        self.take("punct", "{")
        items = []
        while self.peek()[1] != "}":
            items.append(self.branch() if self.peek()[1] == "if" else self.plugin())
        self.take("punct", "}")
        return items

    def plugin(self):
        name = self.take("bareword")
        self.take("punct", "{")
        attributes = []
        while self.peek()[1] != "}":
            attribute = self.take(self.peek()[0] if self.peek()[0] in ("bareword", "string") else "bareword")
            self.take("operator", "=>")
            attributes.append((attribute, self.value()))
        self.take("punct", "}")
        return name, attributes

    def branch(self):
        self.take("bareword", "if")
        arms = [(self.condition(), self.block())]
        while self.peek()[1] == "else":
            self.take("bareword", "else")
            if self.peek()[1] == "if":
                self.take("bareword", "if")
                arms.append((self.condition(), self.block()))
            else:
                arms.append((None, self.block()))
                break
        return "if", arms

    def condition(self):
        parts = [self.expression()]
        while self.peek()[1] in ("and", "or", "xor", "nand"):
            parts.append(self.take("bareword"))
            parts.append(self.expression())
        return parts

    def expression(self):
        if self.peek()[1] == "!":
            self.take("punct", "!")
            return ["!", self.expression()]
        if self.peek()[1] == "(":
            self.take("punct", "(")
            inner = self.condition()
            self.take("punct", ")")
            return inner
        left = self.rvalue()
        if self.peek()[0] == "operator" and self.peek()[1] != "=>":
            operator = self.take("operator")
            return [left, operator, self.rvalue()]
        if self.peek()[1] in ("in", "not"):
            negated = self.take("bareword") == "not"
            if negated:
                self.take("bareword", "in")
            return [left, "not in" if negated else "in", self.rvalue()]
        return left

    def rvalue(self):
        kind, token = self.peek()
        if kind in ("string", "number"):
            self.index += 1
            return token
        if token == "[":
            return self.selector_or_array()
        raise GrammarError(f"expected a value in a condition, found {token!r}")

    def selector_or_array(self):
        # [a][b] is a field reference: brackets holding one bareword or string, repeated.
        if self.peek(1)[0] in ("bareword", "string") and self.peek(2)[1] == "]":
            parts = []
            while self.peek()[1] == "[" and self.peek(2)[1] == "]":
                self.take("punct", "[")
                parts.append(self.take(self.peek()[0]))
                self.take("punct", "]")
            return "[" + "][".join(parts) + "]"
        return self.array()

    def value(self):
        kind, token = self.peek()
        if kind in ("string", "number", "bareword"):
            self.index += 1
            return token
        if token == "[":
            return self.array()
        if token == "{":
            return self.hash()
        raise GrammarError(f"expected a value, found {token!r}")

    def array(self):
        self.take("punct", "[")
        items = []
        while self.peek()[1] != "]":
            items.append(self.value())
            if self.peek()[1] == ",":
                self.take("punct", ",")
        self.take("punct", "]")
        return items

    def hash(self):
        self.take("punct", "{")
        entries = {}
        while self.peek()[1] != "}":
            key = self.take(self.peek()[0])
            self.take("operator", "=>")
            entries[key] = self.value()
        self.take("punct", "}")
        return entries


def plugins(items):
    """Every plugin in a section, branches included, as (name, [(attribute, value)])."""
    for item in items:
        if item[0] == "if":
            for _condition, block in item[1]:
                yield from plugins(block)
        else:
            yield item
