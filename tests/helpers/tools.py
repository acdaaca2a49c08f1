"""The checkers the tests run: promtool, amtool and the exporters that `make deps` unpacks."""

import shutil
import subprocess

import pytest


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not on PATH: run `make deps` (it unpacks promtool, amtool and the exporters into .cache/tools)")
    return path


def promtool(*args):
    result = subprocess.run([tool("promtool"), *args], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def expression_tests(raw, expression_cases):
    """A promtool test file over the compiled rules (agents.yml): raw (series, values) pairs
    sampled every minute, and promql_expr_test cases."""
    return {
        "rule_files": ["agents.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": series_, "values": values} for series_, values in raw],
            "promql_expr_test": expression_cases,
        }],
    }
