"""Writes docs/agent-description.schema.json from the compiler's tables (run after changing
presets, signals or alerts; tests/unit/plugins/module_utils/agents/test_schema.py fails while the file is stale)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.schema import agents_schema  # noqa: E402

(ROOT / "docs" / "agent-description.schema.json").write_text(json.dumps(agents_schema(), indent=2) + "\n")
