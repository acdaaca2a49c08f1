# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""dcgm-exporter's counters file (the DCGM fields it watches and exports, one `field, type, help`
line each), compiled from the description: the fields of dcgm-exporter's own default file, the
health fields the GPU alerts read (its default file leaves them commented out), and every DCGM
field a dcgm component's metrics name. dcgm-exporter refuses a field DCGM does not know, so a
field outside these tables needs its type and help given (the role's extra counters)."""

from __future__ import annotations

import re
from collections import namedtuple

from .conventions import VARIABLE
from .presets import PRESETS

Field = namedtuple("Field", "name type help")
FIELD_TYPES = ("gauge", "counter", "label")
_FIELD_NAME = re.compile(r"^DCGM_(FI|EXP)_[A-Z0-9_]+\Z")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*")

# NVIDIA/dcgm-exporter etc/default-counters.csv (4.x): its enabled lines.
DEFAULT_FIELDS = (
    Field("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz)."),
    Field("DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock frequency (in MHz)."),
    Field("DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (in C)."),
    Field("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C)."),
    Field("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."),
    Field("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ)."),
    Field("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "Total number of PCIe retries."),
    Field("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."),
    Field("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %)."),
    Field("DCGM_FI_DEV_ENC_UTIL", "gauge", "Encoder utilization (in %)."),
    Field("DCGM_FI_DEV_DEC_UTIL", "gauge", "Decoder utilization (in %)."),
    Field("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered."),
    Field("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB)."),
    Field("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."),
    Field("DCGM_FI_DEV_FB_RESERVED", "gauge", "Framebuffer memory reserved (in MiB)."),
    Field("DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "counter", "Total number of NVLink bandwidth counters for all lanes."),
    Field("DCGM_FI_DEV_VGPU_LICENSE_STATUS", "gauge", "vGPU License status"),
    Field("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for uncorrectable errors"),
    Field("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for correctable errors"),
    Field("DCGM_FI_DEV_ROW_REMAP_FAILURE", "gauge", "Whether remapping of rows has failed"),
    Field("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active."),
    Field("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active."),
    Field("DCGM_FI_PROF_DRAM_ACTIVE", "gauge", "Ratio of cycles the device memory interface is active sending or receiving data."),
    Field("DCGM_FI_PROF_PCIE_TX_BYTES", "gauge",
          "The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second."),
    Field("DCGM_FI_PROF_PCIE_RX_BYTES", "gauge",
          "The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second."),
)
# The health fields of the GPU alerts, commented out of the default file: volatile ECC errors,
# pending row remaps, the clock-event bitmask and the NVLink error counters.
HEALTH_FIELDS = (
    Field("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "counter", "Total number of single-bit volatile ECC errors."),
    Field("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "counter", "Total number of double-bit volatile ECC errors."),
    Field("DCGM_FI_DEV_ROW_REMAP_PENDING", "gauge", "Whether remapping of rows is pending."),
    Field("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "gauge", "Current clock event reasons (bitmask of DCGM_CLOCKS_EVENT_REASON_*)."),
    Field("DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", "counter", "Total number of NVLink flow-control CRC errors."),
    Field("DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", "counter", "Total number of NVLink recovery errors."),
)
# DCGM before 3.3 knows the clock-event bitmask by its older name.
LEGACY_FIELDS = {"DCGM_FI_DEV_CLOCKS_EVENT_REASONS": Field(
    "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "gauge", "Current clock throttle reasons (bitmask of DCGM_CLOCKS_THROTTLE_REASON_*).")}


class CountersError(ValueError):
    """Problems as (path, message) pairs."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


def extra_fields(extra, variable):
    """The user's own fields: a list of {field, type, help}."""
    if not isinstance(extra, list):
        raise CountersError([(variable, f"must be a list of {{field, type, help}}, got {type(extra).__name__}")])
    fields, problems = [], []
    for index, entry in enumerate(extra):
        path = f"{variable}[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"field", "type", "help"}:
            problems.append((path, "must be a mapping of field, type and help"))
            continue
        name, kind, text = entry.get("field"), entry.get("type"), entry.get("help", "")
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            problems.append((f"{path}.field", f"must be a DCGM field name such as DCGM_FI_DEV_GPU_TEMP, got {name!r}"))
        if kind not in FIELD_TYPES:
            problems.append((f"{path}.type", f"must be one of {', '.join(FIELD_TYPES)}, got {kind!r}"))
        if not isinstance(text, str) or re.search(r"[,\n]", text):
            problems.append((f"{path}.help", "must be one line of text without commas (the file is comma-separated)"))
        if not problems:
            fields.append(Field(name, kind, text))
    if problems:
        raise CountersError(problems)
    return fields


def read_fields(agents):
    """(path, DCGM field) for each DCGM field a dcgm component of the agents reads."""
    read = []
    for agent_index, agent in enumerate(agents):
        for component_index, component in enumerate(agent.components):
            if component.preset != PRESETS["dcgm"].name:
                continue
            path = f"{VARIABLE}[{agent_index}].components[{component_index}]"
            for _name, signal in component.signals:
                for metric in signal.metrics:
                    for selector in (metric.selector, metric.plus):
                        name = _METRIC_NAME.match(selector or "")
                        if name and name.group(0).startswith("DCGM_"):
                            read.append((path, name.group(0)))
    return read


def counters(agents, extra=(), legacy_names=False):
    """The counters file's fields, in order: the default ones, the health ones, then the extra
    ones; every DCGM field the description reads must be among them. With legacy_names, the
    names of DCGM < 3.3."""
    fields = {field.name: field for field in (*DEFAULT_FIELDS, *HEALTH_FIELDS, *extra)}
    # The rules read the bitmask under both names (a fallback); the file names it once, as the
    # DCGM version knows it.
    known = {*fields, *(field.name for field in LEGACY_FIELDS.values())}
    problems = [(path, f"reads {name}, a DCGM field the counters file does not know: give its type and help in "
                       "dcgm_exporter_counters_extra") for path, name in read_fields(agents) if name not in known]
    if problems:
        raise CountersError(problems)
    return [LEGACY_FIELDS.get(name, field) if legacy_names else field for name, field in fields.items()]


def render(fields):
    """The counters file's text."""
    lines = ["# Written by llmagentos.ops from the agent description: DCGM field, Prometheus type, help text."]
    lines += [f"{field.name}, {field.type}, {field.help}" for field in fields]
    return "\n".join(lines) + "\n"
