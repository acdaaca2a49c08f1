import pytest

from ansible_collections.llmagentos.ops.plugins.module_utils.units import (
    format_duration, parse_duration, parse_objective, parse_ratio)


@pytest.mark.parametrize(("text", "seconds"), [
    ("50ms", 0.05), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800), ("1w", 604800),
    ("1y", 31536000), ("1m30s250ms", 90.25),
])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "5x", "", " ", "m5", "5m1h", "1.5m", "-5m", "0s", "5 m", "5M"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("value", [None, 5, 5.0, True, ["5m"]])
def test_durations_must_be_strings(value):
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(value)


@pytest.mark.parametrize("seconds", [0.05, 1, 59, 60, 90.25, 5400, 86400 * 30])
def test_format_is_the_inverse_of_parse(seconds):
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize(("value", "ratio"), [("5%", 0.05), ("0.1%", 0.001), ("100%", 1.0), (0.05, 0.05), (0, 0.0), (1, 1.0)])
def test_ratios(value, ratio):
    assert parse_ratio(value) == pytest.approx(ratio)


@pytest.mark.parametrize("value", ["5", "101%", "-5%", "five%", 5, 1.5, -0.1, True, None])
def test_bad_ratios(value):
    with pytest.raises(ValueError):
        parse_ratio(value)


def test_a_bare_percentage_number_says_how_to_write_it():
    with pytest.raises(ValueError, match="write percentages with a % sign, such as 5%"):
        parse_ratio(5)


@pytest.mark.parametrize(("value", "objective"), [(99.5, 0.995), (95, 0.95), ("99.9%", 0.999), (0.5, 0.005)])
def test_objectives(value, objective):
    assert parse_objective(value) == pytest.approx(objective)


@pytest.mark.parametrize("value", [100, 0, -1, 150, "high", "99.5", True, None])
def test_bad_objectives(value):
    with pytest.raises(ValueError, match="objective"):
        parse_objective(value)
