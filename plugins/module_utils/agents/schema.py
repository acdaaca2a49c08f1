# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""JSON Schema of `llmagentos_agents`, built from the same tables the validator uses, for
editors and CI linters. The validator stays the authority: it also checks what a schema cannot
express (signals a preset lacks, duplicate names, inventory groups)."""

from __future__ import annotations

from ..logs.formats import LOG_FORMATS
from ..logs.redaction import KINDS as REDACTION_KINDS, MAX_PATTERN_LENGTH, PROMPT_FIELDS, PROMPT_MODES, TEXT_FIELDS
from .alert_kinds import ALERT_KINDS, DURATION_SCHEMA as _DURATION
from .conventions import KINDS, RESERVED_LABELS, SIGNALS, SLIS
from .presets import PRESETS
from .remediation import ACTIONS, DEFAULTS as _REMEDIATION_DEFAULTS, MAX_ATTEMPTS

_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"}


_FIELD_NAME = {"type": "string", "pattern": "^[A-Za-z_@][\\w@-]*(\\.[\\w@-]+)*$"}
_LOGS = {
    "type": "object", "additionalProperties": False, "required": ["paths"],
    "anyOf": [{"required": ["format"]}, {"required": ["grok"]}],
    "properties": {
        "paths": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^/"}},
        "format": {"enum": list(LOG_FORMATS)},
        "grok": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "pattern_definitions": {"type": "object", "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                                "additionalProperties": {"type": "string"}},
        "timestamp_formats": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "multiline": {"oneOf": [{"const": False}, {
            "type": "object", "additionalProperties": False,
            "properties": {"type": {"enum": ["pattern", "count", "while_pattern"]}, "pattern": {"type": "string"},
                           "negate": {"type": "boolean"}, "match": {"enum": ["after", "before"]},
                           "max_lines": {"type": "integer", "minimum": 1}, "timeout": {"type": "string"},
                           "count_lines": {"type": "integer", "minimum": 1}}}]},
        "timezone": {"type": "string", "minLength": 1},
        "samples": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["line"],
            "properties": {"line": {"type": "string"}, "expect": {"type": "object"}}}},
        "redaction": {
            "type": "object", "additionalProperties": False,
            "description": "What the pipelines redact before an event is stored (docs/log-pipelines.md); on by default.",
            "properties": {
                "disable": {"type": "array", "uniqueItems": True, "items": {"enum": [kind.name for kind in REDACTION_KINDS]},
                            "description": "Built-in kinds to leave in the text: "
                                           + "; ".join(f"{kind.name} ({kind.summary})" for kind in REDACTION_KINDS) + "."},
                "patterns": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,39}$", "not": {"enum": [kind.name for kind in REDACTION_KINDS]}},
                             "additionalProperties": {"type": "string", "minLength": 1, "maxLength": MAX_PATTERN_LENGTH},
                             "description": "Your own kinds: name -> regular expression; a match becomes <NAME>."},
                "prompts": {"enum": list(PROMPT_MODES),
                            "description": "What happens to the prompt and completion fields: keep-redacted (default), hash (SHA-256) or drop."},
                "prompt_fields": {"type": "array", "items": _FIELD_NAME,
                                  "description": f"More fields that hold prompts or completions, beside {', '.join(PROMPT_FIELDS)}."},
                "fields": {"type": "array", "items": _FIELD_NAME,
                           "description": f"More free-text fields to redact, beside {', '.join(TEXT_FIELDS)}."},
            },
        },
    },
}


_SELECTOR = {"type": "string", "pattern": "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})?$"}
_SELECTORS = {"oneOf": [_SELECTOR, {"type": "array", "minItems": 1, "items": _SELECTOR}],
              "description": "A selector of one metric, or a list of them: the current name first, then older names."}


def _remediation():
    action = {"oneOf": [{"enum": [name for name in ACTIONS if name != "playbook"]}, {
        "type": "object", "additionalProperties": False, "required": ["action"],
        "properties": {"action": {"enum": list(ACTIONS)}, "playbook": {"type": "string", "minLength": 1},
                       "after": dict(_DURATION, description=f"How long the alert must have fired first; default {_REMEDIATION_DEFAULTS['after']}.")}}]}
    return {
        "type": "object", "additionalProperties": False, "required": ["actions"],
        "description": "Fixes applied by Event-Driven Ansible when an alert of the component fires (docs/remediation.md).",
        "properties": {
            "service": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$",
                        "description": "The systemd service that runs the component (agent_service_name)."},
            "attempts": {"type": "integer", "minimum": 1, "maximum": MAX_ATTEMPTS,
                         "description": f"Attempts per window; default {_REMEDIATION_DEFAULTS['attempts']}."},
            "window": dict(_DURATION, description=f"The window attempts are counted in; default {_REMEDIATION_DEFAULTS['window']}."),
            "cooldown": dict(_DURATION, description=f"The least time between two attempts; default {_REMEDIATION_DEFAULTS['cooldown']}."),
            "actions": {"type": "object", "minProperties": 1, "propertyNames": {"enum": list(ALERT_KINDS)},
                        "additionalProperties": action,
                        "description": "Alert key (one of the component's alerts) -> the action it triggers."},
        },
    }


def agents_schema():
    component = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "kind"],
        "properties": {
            "name": _NAME,
            "kind": {"enum": list(KINDS)},
            "preset": {"enum": sorted(PRESETS)},
            "targets": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[^\\s]+:[0-9]{1,5}$"}},
            "hosts_group": {"type": "string", "minLength": 1},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "metrics_path": {"type": "string", "pattern": "^/"},
            "scheme": {"enum": ["http", "https"]},
            "labels": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$", "not": {"enum": list(RESERVED_LABELS)}},
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            },
            "metrics": {"type": "object", "additionalProperties": False,
                        "properties": {name: _SELECTORS for name in SIGNALS}},
            "alerts": {"type": "object", "additionalProperties": False,
                       "properties": {name: kind.schema() for name, kind in ALERT_KINDS.items()}},
            "kubernetes": {
                "type": "object", "additionalProperties": False, "required": ["namespace", "selector", "port"],
                "properties": {
                    "namespace": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},
                    "selector": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "minLength": 1}},
                    "port": {"type": "string", "minLength": 1},
                    "monitor": {"enum": ["service", "pod"]},
                },
            },
            "logs": _LOGS,
            "remediation": _remediation(),
            "slos": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["sli", "objective"],
                "properties": {
                    "sli": {"enum": list(SLIS)},
                    "objective": {"oneOf": [{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
                                            {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$"}]},
                    "threshold": _DURATION,
                    "period": _DURATION,
                },
            }},
        },
        "not": {"required": ["targets", "hosts_group"]},
        "anyOf": [{"required": ["targets"]}, {"required": ["hosts_group"]}, {"required": ["kubernetes"]}],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/llmagentos/ops/docs/agent-description.schema.json",
        "title": "llmagentos_agents",
        "description": "LLM agents described for llmagentos.ops; see docs/agent-description.md.",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "components"],
            "properties": {
                "name": _NAME,
                "team": _NAME,
                "environment": _NAME,
                "components": {"type": "array", "minItems": 1, "items": component},
            },
        },
    }
