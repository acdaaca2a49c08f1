# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
"""Errors that name the offending field of the description."""

from __future__ import annotations


class DescriptionError(ValueError):
    """One or more problems in an agent description, each tied to a field path such as
    llmagentos_agents[0].components[2].slos[0].objective."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.problems))


class Problems:
    """Collects problems while a description is read, so all of them are reported at once."""

    def __init__(self):
        self.items = []

    def add(self, path, message):
        self.items.append((path, message))

    def mapping(self, value, path):
        """`value` when it is a mapping; else None, with the problem added."""
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def unknown_keys(self, data, allowed, path):
        """Adds a problem for each key of `data` that is not in `allowed`."""
        for key in data:
            if key not in allowed:
                self.add(f"{path}.{key}", f"unknown key; allowed: {', '.join(allowed)}")

    def raise_if_any(self):
        if self.items:
            raise DescriptionError(self.items)
