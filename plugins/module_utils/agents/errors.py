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

    def raise_if_any(self):
        if self.items:
            raise DescriptionError(self.items)
