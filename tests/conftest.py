"""Makes the collection importable as ansible_collections.llmagentos.ops, and the shared test
helpers (tests/helpers: examples, checkers, stand-ins, loopback services) importable by name."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / "build" / "collections"
link = COLLECTIONS / "ansible_collections" / "llmagentos" / "ops"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(ROOT)
sys.path.insert(0, str(COLLECTIONS))
sys.path.insert(0, str(ROOT / "tests" / "helpers"))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS))
