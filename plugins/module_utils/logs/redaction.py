# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""What the log pipelines redact before an event is stored, and how.

One grammar, three engines: the ingest pipelines run it as a Painless script, the Logstash pipeline
as a Ruby script (roles/logstash/files/llmagentos_redact.rb), and `redact_event()` here in Python,
which is how sample lines are proven at compile time. The regular expressions are therefore written
in what java.util.regex, Ruby's Onigmo and Python's `re` (ASCII mode) read alike: ASCII classes,
look-arounds of fixed width, no `.`, no `\\b`, no anchors, no back-references; a team's own patterns
are held to the same subset (`pattern_problem`).

Each rule matches `(kept prefix)(secret)`; the secret is replaced by the kind's placeholder when the
rule's check (Luhn for cards, mod 97 for IBANs, the shape of an IPv6 address) accepts it. Every rule
starts at a character its look-behind proves is the start of a token, so a search costs one pass over
the text, not one per position. Kinds run in order; a placeholder cannot match a later rule.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from re import _constants as sre_constants, _parser as sre_parser  # pylint: disable=no-name-in-module

from .grok import _ambiguous_repeat

PROMPT_MODES = ("keep-redacted", "hash", "drop")
PROMPT_PLACEHOLDER = "<PROMPT>"
# Where the event records what was redacted, and its data class.
REDACTED_FIELD = "llmagentos.redacted"
DATA_CLASS_FIELD = "llmagentos.data_class"
PROMPT_DATA_CLASS = "prompt"
# Fields that hold free text in the formats' events, and the client's address (personal data, and
# read by no dashboard or alert; ECS maps it as a keyword, so <IP> is storable); a component's own
# are added to them.
TEXT_FIELDS = ("message", "error.message", "error.stack_trace", "url.original", "url.query", "source.address",
               "client.address")
# The OpenTelemetry GenAI names of a request's prompt and a model's answer.
PROMPT_FIELDS = ("gen_ai.prompt", "gen_ai.completion")
MAX_PATTERN_LENGTH = 1000

_TOKEN_START = r"(?<![A-Za-z0-9_-])"
_TOKEN_END = r"(?![A-Za-z0-9_-])"
_HEX = "[0-9A-Fa-f]"
# The header's name, its separator and an optional scheme word (Basic, Bearer, token...).
_AUTHORIZATION_HEADER = (r"(?<![A-Za-z0-9_-])(?:[Pp]roxy-)?(?:[Aa]uthorization|AUTHORIZATION)[\"']?[ \t]*[:=][ \t]*[\"']?"
                         r"(?:[A-Za-z][A-Za-z0-9-]{1,20}[ \t]+)?")
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


@dataclass(frozen=True)
class Rule:
    """`regex` has two groups: a prefix that is kept, and the secret that is replaced."""

    regex: str
    check: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    placeholder: str
    rules: tuple
    summary: str = ""


def _rule(secret, prefix="", check=None):
    return Rule(f"({prefix})({secret})", check)


KINDS = (
    Kind("authorization", "<CREDENTIAL>", (_rule(r"[^\s\"',;<>]{8,}", prefix=_AUTHORIZATION_HEADER),),
         "the credentials of an Authorization or Proxy-Authorization header, whatever the scheme"),
    Kind("jwt", "<JWT>", (_rule(_TOKEN_START + r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*" + _TOKEN_END),),
         "JSON Web Tokens (header.payload.signature, base64url)"),
    Kind("bearer_token", "<TOKEN>", (_rule(r"[A-Za-z0-9._~+/=-]{8,}", prefix=r"(?<![A-Za-z0-9_-])(?:[Bb]earer|BEARER)[ \t]+"),),
         "bearer tokens outside a header (Bearer xyz...)"),
    Kind("api_key", "<API_KEY>", (
        _rule(_TOKEN_START + r"sk-[A-Za-z0-9_-]{20,}" + _TOKEN_END),
        _rule(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        _rule(r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
              prefix=r"(?<![A-Za-z0-9_])(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey)[\"']?[ \t]*[:=][ \t]*[\"']?"),
        _rule(_TOKEN_START + r"AIza[0-9A-Za-z_-]{35}" + _TOKEN_END),
        _rule(_TOKEN_START + r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})" + _TOKEN_END),
        _rule(_TOKEN_START + r"hf_[A-Za-z0-9]{30,}" + _TOKEN_END),
        _rule(r"[A-Za-z0-9._~+/=-]{12,}",
              prefix=r"(?<![A-Za-z0-9_-])(?:[Xx]-(?:[Gg]oog-)?[Aa]pi-[Kk]ey|api[_-]?key|API[_-]?KEY|apiKey)[\"']?[ \t]*[:=][ \t]*[\"']?"),
    ), "LLM and cloud provider keys: OpenAI and Anthropic (sk-...), AWS access keys and labelled secret keys, "
       "Google API keys, GitHub and Hugging Face tokens, and any value labelled api_key or X-Api-Key"),
    Kind("email", "<EMAIL>", (_rule(
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
        r"(?![A-Za-z0-9-]|:[^\s])"),), "e-mail addresses (not an SSH remote such as git@github.com:org/repo)"),
    Kind("iban", "<IBAN>", (_rule(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])",
                                  check="iban"),),
         "IBANs, checked with their mod 97 check digits"),
    Kind("card", "<CARD>", (_rule(r"(?<![A-Za-z0-9_.-])[2-6][0-9](?:[ -]?[0-9]){11,17}(?![A-Za-z0-9_-]|\.[0-9])",
                                  check="luhn"),),
         "payment card numbers (13 to 19 digits from 2 to 6, spaced or not), Luhn-checked"),
    Kind("phone", "<PHONE>", (
        # Not a signed decimal (+3.14159265): its point is followed by more digits than a group has.
        _rule(r"(?<![A-Za-z0-9_+])\+[1-9](?![0-9]{0,3}\.[0-9]{5})(?:[ .-]?\(?[0-9]\)?){6,14}(?![0-9])"),
        _rule(r"(?<![A-Za-z0-9_+(.-])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[.-])[2-9][0-9]{2}[.-][0-9]{4}(?![A-Za-z0-9_]|[.-][0-9])"),
    ), "phone numbers in international form (+country ...) and the North American (555) 123-4567"),
    Kind("ip", "<IP>", (
        _rule(rf"(?<![A-Za-z0-9_.-]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9]|\.[0-9])", check="ipv4"),
        _rule(rf"(?<![A-Za-z0-9_.:-])(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}(?![A-Za-z0-9_:])", check="ipv6"),
        _rule(rf"(?<![A-Za-z0-9_.:-])(?:(?:{_HEX}{{1,4}}:){{1,7}}|:):(?:{_HEX}{{1,4}}(?::{_HEX}{{1,4}}){{0,6}})?(?![A-Za-z0-9_:])",
              check="ipv6"),
    ), "IPv4 and IPv6 addresses (not loopback or unspecified)"),
)
KIND_NAMES = tuple(kind.name for kind in KINDS)

# (kind, log line, the secret it plants, or None for a look-alike the kind must leave alone): every
# pipeline is proven to store no secret, by the compiler, and to give the compiler's results for
# both, by Elasticsearch's _simulate before the pipeline is loaded.
SAMPLES = (
    ("authorization", "upstream call failed, request headers: Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ("jwt", "session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlX2J5dGVz expired",
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlX2J5dGVz"),
    ("bearer_token", "retrying tool call with Bearer 7f3a9c0b1d2e4f5a6b7c8d9e", "7f3a9c0b1d2e4f5a6b7c8d9e"),
    ("api_key", "client configured with api key sk-proj-Xk3v9QpL2mN8rT5wY7zA1bC4dE6f", "sk-proj-Xk3v9QpL2mN8rT5wY7zA1bC4dE6f"),
    ("api_key", "boto3 found credentials AKIAIOSFODNN7EXAMPLE in the environment", "AKIAIOSFODNN7EXAMPLE"),
    ("email", "ticket 4512 opened for jane.doe+support@example.co.uk", "jane.doe+support@example.co.uk"),
    ("iban", "refund to DE89 3704 0044 0532 0130 00 queued", "DE89 3704 0044 0532 0130 00"),
    ("card", "user pasted card 4111 1111 1111 1111 into the prompt (order 4111111111111112)", "4111 1111 1111 1111"),
    ("phone", "customer asked for a call back on +44 20 7946 0958", "+44 20 7946 0958"),
    ("ip", "tool request from 203.0.113.42 rejected", "203.0.113.42"),
    ("ip", "tool request from 2001:db8:85a3::8a2e:370:7334 rejected", "2001:db8:85a3::8a2e:370:7334"),
    ("authorization", "Authorization: none; Bearer short; session eyJ-not-a-token", None),
    ("api_key", "skipping sk-short, api_key=None, AKIA-like AKIA123", None),
    ("email", "cloning git@github.com:org/agent-tools.git into /srv/tools", None),
    ("iban", "trace 123e4567-e89b-12d3-a456-426614174000: DE89 is a prefix, not an IBAN", None),
    ("card", "order 4111111111111112 shipped at epoch 1700000000000", None),
    ("phone", "2026-11-23T10:15:42+01:00 took +12.5% longer, 3 retries", None),
    ("ip", "vllm 0.6.3.post1 on torch 2.4.0+cu121 listening on 0.0.0.0:8000 and [::1]:8001", None),
)


def _luhn(secret):
    total, double = 0, False
    for char in reversed(secret):
        if "0" <= char <= "9":
            digit = int(char) * (2 if double else 1)
            total += digit - 9 if digit > 9 else digit
            double = not double
    return total % 10 == 0


def _iban(secret):
    text = secret.replace(" ", "")
    if not 15 <= len(text) <= 34:
        return False
    remainder = 0
    for char in text[4:] + text[:4]:
        if "A" <= char <= "Z":
            remainder = (remainder * 100 + ord(char) - 55) % 97
        else:
            remainder = (remainder * 10 + ord(char) - 48) % 97
    return remainder == 1


def _ipv4(secret):
    return not secret.startswith("127.") and secret != "0.0.0.0"


def _ipv6(secret):
    compressed = secret.find("::")
    if compressed >= 0 and secret.find("::", compressed + 1) >= 0:
        return False
    groups = len([group for group in secret.split(":") if group])
    if compressed >= 0 and groups > 7 or compressed < 0 and groups != 8:
        return False
    return any("0" <= char <= "9" for char in secret) and secret not in ("::1", "0:0:0:0:0:0:0:1")


CHECKS = {"luhn": _luhn, "iban": _iban, "ipv4": _ipv4, "ipv6": _ipv6}


@dataclass(frozen=True)
class Redaction:
    """A component's redaction: the kinds in force (built-in and its own, in order), the fields
    they run on, and its prompt fields with what happens to them."""

    kinds: tuple = KINDS
    fields: tuple = TEXT_FIELDS
    prompt_fields: tuple = PROMPT_FIELDS
    prompt_mode: str = "keep-redacted"

    @property
    def redacted_fields(self):
        """The fields the kinds run over: the text fields, and the prompt fields when they are kept."""
        return tuple(dict.fromkeys(self.fields + (self.prompt_fields if self.prompt_mode == "keep-redacted" else ())))

    def settings(self):
        """What the Painless and Ruby engines read (fields as paths)."""
        return {
            "kinds": [{"name": kind.name, "placeholder": kind.placeholder,
                       "rules": [{"regex": rule.regex, "check": rule.check} for rule in kind.rules]} for kind in self.kinds],
            "fields": [field.split(".") for field in self.redacted_fields],
            "prompt_fields": [field.split(".") for field in self.prompt_fields],
            "prompt_mode": self.prompt_mode,
            "prompt_placeholder": PROMPT_PLACEHOLDER,
            "data_class": PROMPT_DATA_CLASS,
        }


def own_kind(name, regex):
    """A team's pattern as a kind (placeholder <NAME>); call pattern_problem first."""
    return Kind(name, f"<{name.upper()}>", (Rule(f"()({regex})"),), "the component's own pattern")


_COMPILED = {}


def _compiled(regex):
    if regex not in _COMPILED:
        _COMPILED[regex] = re.compile(regex, re.ASCII)
    return _COMPILED[regex]


def redact_text(text, kinds, found):
    """`text` with every secret of `kinds` replaced; adds the names of the kinds found to `found`."""
    for kind in kinds:
        for rule in kind.rules:
            pieces, last = [], 0
            for match in _compiled(rule.regex).finditer(text):
                if rule.check and not CHECKS[rule.check](match.group(2)):
                    continue
                pieces += [text[last:match.start(2)], kind.placeholder]
                last = match.end(2)
            if pieces:
                text = "".join(pieces) + text[last:]
                found.add(kind.name)
    return text


def _walk(value, kinds, found):
    if isinstance(value, str):
        return redact_text(value, kinds, found)
    if isinstance(value, list):
        return [_walk(item, kinds, found) for item in value]
    if isinstance(value, dict):
        return {key: _walk(item, kinds, found) for key, item in value.items()}
    return value


def _holder(document, path):
    """(the mapping holding a field given as a path, its key there): one dotted key at the root
    (as a JSON line may have it), else the path."""
    dotted = ".".join(path)
    if dotted in document:
        return document, dotted
    node = document
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), path[-1]


def kinds_of(settings):
    """The Kinds of Redaction.settings(), as the Painless and Ruby engines rebuild them."""
    return tuple(Kind(kind["name"], kind["placeholder"], tuple(Rule(rule["regex"], rule["check"]) for rule in kind["rules"]))
                 for kind in settings["kinds"])


def redact_document(document, settings):
    """Redacts a nested event in place as the Painless and Ruby engines do, from the same
    settings (Redaction.settings()): the prompt fields first (a whole string hashed, or dropped,
    and its text taken out of the message), then every kind over the redacted fields."""
    found, kinds = set(), kinds_of(settings)
    carried_prompt = False
    for path in settings["prompt_fields"]:
        holder, key = _holder(document, path)
        if holder is None or holder.get(key) is None:
            continue
        carried_prompt = True
        if settings["prompt_mode"] == "keep-redacted":
            continue
        raw = holder.pop(key)
        if isinstance(raw, str) and raw and isinstance(document.get("message"), str):
            document["message"] = document["message"].replace(raw, settings["prompt_placeholder"])
        if settings["prompt_mode"] == "hash" and isinstance(raw, str):
            holder[key] = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    for path in settings["fields"]:
        holder, key = _holder(document, path)
        if holder is not None and holder.get(key) is not None:
            holder[key] = _walk(holder[key], kinds, found)
    if found or carried_prompt:
        record = document.setdefault("llmagentos", {})
        if found:
            record["redacted"] = sorted(found)
        if carried_prompt:
            record["data_class"] = settings["data_class"]
    return document


def _nest(event):
    document = {}
    for key, value in event.items():
        *parents, leaf = key.split(".")
        node = document
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value
    return document


def flatten(value, prefix, into):
    """A nested event (or JSON object) into dotted keys under `prefix`."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            flatten(inner, f"{prefix}.{key}" if prefix else key, into)
    else:
        into[prefix] = value


def redact_event(event, redaction):
    """Redacts a flat event (dotted keys, as the compiler's steps make them) in place."""
    document = redact_document(_nest(event), redaction.settings())
    event.clear()
    flatten(document, "", event)
    return event


# What the three engines do not read alike, found in a parsed pattern.
_UNPORTABLE = {
    sre_constants.ANY: "'.' (Java's stops at \\r and \\u2028, Ruby's only at \\n): write the class you mean, such as [^\\s]",
    sre_constants.GROUPREF: "a back-reference",
    sre_constants.GROUPREF_EXISTS: "a conditional group",
}
_AT_PROBLEM = "an anchor or \\b (their meaning differs between the engines): use look-arounds such as (?<![A-Za-z0-9])"


def _unportable(items):
    for op, av in items:
        if op in _UNPORTABLE:
            return _UNPORTABLE[op]
        if op is sre_constants.AT:
            return _AT_PROBLEM
        inner = []
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            inner = [av[2]]
        elif op is sre_constants.SUBPATTERN:
            inner = [av[-1]]
        elif op is sre_constants.BRANCH:
            inner = av[1]
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            inner = [av[1]]
        elif op is sre_constants.ATOMIC_GROUP:
            inner = [av]
        for items_inside in inner:
            problem = _unportable(items_inside)
            if problem:
                return problem
    return None


def pattern_problem(regex):
    """Why a team's pattern cannot join the grammar, or None."""
    if not isinstance(regex, str) or not regex:
        return f"must be a regular expression, got {regex!r}"
    if len(regex) > MAX_PATTERN_LENGTH:
        return f"is longer than {MAX_PATTERN_LENGTH} characters"
    if re.search(r"\(\?[aiLmsux-]+[:)]", regex):
        return f"{regex!r} uses an inline flag such as (?i), which the engines apply differently: spell the cases out, [Aa]"
    if re.search(r"\(\?P|\(\?<[A-Za-z]|\\[kgZzAbBGQE]|\\[1-9]|\(\?#|\\[pPhHRXN]", regex):
        return (f"{regex!r} uses syntax the Java, Ruby and Python engines do not read alike (named groups, \\k, \\A, \\z, "
                "\\b, \\Q, \\p{...}, comments); use plain groups (...) and look-arounds")
    try:
        parsed = sre_parser.parse(regex, re.ASCII)
        re.compile(regex, re.ASCII)
    except (re.error, OverflowError, RecursionError) as error:
        return f"{regex!r} is not a valid regular expression: {error}"
    items = parsed.data if hasattr(parsed, "data") else list(parsed)
    problem = _unportable(items)
    if problem:
        return f"{regex!r} uses {problem}"
    if parsed.getwidth()[0] == 0:
        return f"{regex!r} can match the empty string; a pattern must match at least one character"
    danger = _ambiguous_repeat(items)
    if danger:
        return (f"{regex!r} can take exponential time on a line that does not match: {danger}; "
                "make the inner repetition unable to match what the outer one repeats, or use an atomic group (?>...)")
    return None
