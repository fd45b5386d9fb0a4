"""Fixtures shared by the conformance suites (client/, server/, pipeline/, specdiff/).

The summary plugin: a suite records each generated example it ran, with the checks it passed,
per operation and direction (`conformance_tally.record("retrieveFile", "response", checks=4)`);
the end of the pytest run prints the table, so a CI log shows how much was actually exercised.
Under pytest-xdist (`-n auto`) each worker sends its part to the controller, which prints the
same table a serial run prints: rows and columns are ordered by the position of the test that
first recorded them in the collection (the same in every worker), not by when a worker ran it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

_TALLY = pytest.StashKey["ConformanceTally"]()
_POSITIONS = pytest.StashKey[dict[str, int]]()
_WIRE_KEY = "conformance_tally"
# Column order of the summary; other directions follow in the order first recorded.
DIRECTIONS = ("request", "response", "invalid request", "invalid response")


class ConformanceTally:
    """Examples run and checks passed per (operation, direction), in collection order."""

    def __init__(self) -> None:
        self.examples: Counter[tuple[str, str]] = Counter()
        self.checks: Counter[tuple[str, str]] = Counter()
        # (position of the recording test in the collection, records before it in that test)
        self.first: dict[tuple[str, str], tuple[int, int]] = {}
        self.position = 0
        self._records_here = 0

    def at_test(self, position: int) -> None:
        """The test at `position` in the collection starts: later records are its own."""
        self.position, self._records_here = position, 0

    def record(self, operation: str, direction: str, *, checks: int) -> None:
        """One example of `operation` in `direction` ran and passed `checks` checks."""
        key = (operation, direction)
        self.first.setdefault(key, (self.position, self._records_here))
        self._records_here += 1
        self.examples[key] += 1
        self.checks[key] += checks

    def to_wire(self) -> list[list[Any]]:
        """Plain lists of str and int (what xdist can send from a worker to the controller)."""
        return [
            [op, d, self.examples[op, d], self.checks[op, d], *self.first[op, d]]
            for op, d in self.examples
        ]

    def merge(self, wire: list[list[Any]]) -> None:
        """Add a worker's part (`to_wire`); the earliest first-recorded position wins."""
        for op, d, examples, checks, position, seq in wire:
            key = (str(op), str(d))
            self.examples[key] += int(examples)
            self.checks[key] += int(checks)
            seen = (int(position), int(seq))
            self.first[key] = min(self.first.get(key, seen), seen)

    def lines(self) -> list[str]:
        op_first: dict[str, tuple[int, int]] = {}
        dir_first: dict[str, tuple[int, int]] = {}
        for (op, d), at in self.first.items():
            op_first[op] = min(op_first.get(op, at), at)
            dir_first[d] = min(dir_first.get(d, at), at)
        operations = sorted(op_first, key=op_first.__getitem__)
        seen = sorted(dir_first, key=dir_first.__getitem__)
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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    session.config.stash[_POSITIONS] = {item.nodeid: n for n, item in enumerate(items)}


def pytest_runtest_setup(item: pytest.Item) -> None:
    positions = item.config.stash.get(_POSITIONS, {})
    item.config.stash[_TALLY].at_test(positions.get(item.nodeid, len(positions)))


@pytest.fixture(scope="session")
def conformance_tally(request: pytest.FixtureRequest) -> ConformanceTally:
    """The run's tally (session-scoped, so Hypothesis tests may use it)."""
    return request.config.stash[_TALLY]


def pytest_sessionfinish(session: pytest.Session) -> None:
    output: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: the controller prints the table
        output[_WIRE_KEY] = session.config.stash[_TALLY].to_wire()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """xdist controller: a worker finished; add its part of the tally."""
    wire = getattr(node, "workeroutput", {}).get(_WIRE_KEY)
    if wire:
        node.config.stash[_TALLY].merge(wire)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is None or not tally.examples:
        return
    terminalreporter.section("conformance: examples run and checks passed")
    for line in tally.lines():
        terminalreporter.write_line(line)
