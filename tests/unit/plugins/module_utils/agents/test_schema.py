import copy
import json

import jsonschema
import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.agents.schema import agents_schema
from examples import EXAMPLE, ROOT


def test_the_published_schema_is_up_to_date():
    published = json.loads((ROOT / "docs" / "agent-description.schema.json").read_text())
    assert published == agents_schema(), "run: .venv/bin/python scripts/write-agent-schema.py"


def test_the_example_validates():
    jsonschema.validate(EXAMPLE["llmagentos_agents"], agents_schema())


@pytest.mark.parametrize("change", [
    lambda d: d[0].update(owner="x"),
    lambda d: d[0]["components"][0].update(preset="vllm-ng"),
    lambda d: d[0]["components"][0]["alerts"].update(time_per_output_token={"above": "fast"}),
    lambda d: d[0]["components"][1].update(targets=["a:1"]),
    lambda d: d[0]["components"][0]["labels"].update(agent="x"),
    lambda d: d[0]["components"][0]["slos"][0].update(objective=100),
])
def test_the_schema_rejects_what_the_validator_rejects(change):
    description = copy.deepcopy(EXAMPLE["llmagentos_agents"])
    change(description)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(description, agents_schema())
