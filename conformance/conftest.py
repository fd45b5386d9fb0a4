"""Fixtures shared by the conformance suites (client/, server/, pipeline/, specdiff/).

The summary plugin: a suite records each generated example it ran, with the checks it passed,
per operation and direction (`conformance_tally.record("retrieveFile", "response", checks=4)`);
the end of the pytest run prints the table, so a CI log shows how much was actually exercised.
"""

from __future__ import annotations

from collections import Counter

import pytest

_TALLY = pytest.StashKey["ConformanceTally"]()
# Column order of the summary; other directions follow in the order first recorded.
DIRECTIONS = ("request", "response", "invalid request", "invalid response")


class ConformanceTally:
    """Examples run and checks passed per (operation, direction), in first-seen order."""

    def __init__(self) -> None:
        self.examples: Counter[tuple[str, str]] = Counter()
        self.checks: Counter[tuple[str, str]] = Counter()

    def record(self, operation: str, direction: str, *, checks: int) -> None:
        """One example of `operation` in `direction` ran and passed `checks` checks."""
        self.examples[operation, direction] += 1
        self.checks[operation, direction] += checks

    def lines(self) -> list[str]:
        operations = list(dict.fromkeys(op for op, _ in self.examples))
        seen = list(dict.fromkeys(d for _, d in self.examples))
        order = {d: i for i, d in enumerate(DIRECTIONS)}
        directions = sorted(seen, key=lambda d: (order.get(d, len(order)), seen.index(d)))
        width = max(len(op) for op in operations)
        cells = {
            key: f"{self.examples[key]} ex / {self.checks[key]} checks" for key in self.examples
        }
        col = max(max(len(d) for d in directions), max(len(c) for c in cells.values()))
        rows = [f"{'operation':<{width}}  " + "  ".join(f"{d:<{col}}" for d in directions)]
        for op in operations:
            row = "  ".join(f"{cells.get((op, d), '-'):<{col}}" for d in directions)
            rows.append(f"{op:<{width}}  {row}")
        total_ex, total_checks = sum(self.examples.values()), sum(self.checks.values())
        rows.append(f"total: {total_ex} examples run, {total_checks} checks passed")
        return rows


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_TALLY] = ConformanceTally()


@pytest.fixture(scope="session")
def conformance_tally(request: pytest.FixtureRequest) -> ConformanceTally:
    """The run's tally (session-scoped, so Hypothesis tests may use it)."""
    return request.config.stash[_TALLY]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is None or not tally.examples:
        return
    terminalreporter.section("conformance: examples run and checks passed")
    for line in tally.lines():
        terminalreporter.write_line(line)
