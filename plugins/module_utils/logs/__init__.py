# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Log side of the agent compiler: the grok engine, log-format presets and pipeline outputs."""
