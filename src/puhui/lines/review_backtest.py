"""Back-testing limit-review policies: replay line snapshots whose later outcome is known.

Each row is a line as the review saw it (the `LineColumns` fields, the room an increase had)
and whether it went bad afterwards. Every policy is run over the same rows and judged the way a
risk team judges a limit strategy before switching it on: how many lines it raises, lowers and
freezes, how much limit it adds, and the bad rate of the lines it raised against the lines it
left alone and the lines it cut — plus the limit it added to lines that went bad.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from puhui.lines.review import InvalidReviewPolicy, LineColumns, ReviewPolicy, review


@dataclass(frozen=True, slots=True)
class PolicyResult:
    name: str
    lines: int
    increases: int
    decreases: int
    freezes: int
    limit_added_minor: int
    limit_removed_minor: int
    bad_rate_increased: float
    bad_rate_unchanged: float
    bad_rate_cut: float
    limit_added_to_bad_minor: int


def _rate(bad: NDArray[np.bool_], where: NDArray[np.bool_]) -> float:
    """A share of lines (not money): NaN when no line is in the group."""
    return bad[where].mean().item() if where.any() else np.nan


def backtest_review(
    policies: Mapping[str, ReviewPolicy],
    lines: LineColumns,
    increase_room_minor: NDArray[np.int64],
    went_bad: NDArray[np.bool_],
) -> list[PolicyResult]:
    """Each policy's actions on the snapshots and how the lines it acted on turned out."""
    results = []
    for name, policy in policies.items():
        outcome = review(policy, lines, increase_room_minor)
        change = outcome.new_granted_minor - lines.granted_minor
        increased = change > 0
        cut = (change < 0) | outcome.freeze
        unchanged = ~increased & ~cut
        results.append(
            PolicyResult(
                name=name,
                lines=len(change),
                increases=int(increased.sum()),
                decreases=int((change < 0).sum()),
                freezes=int(outcome.freeze.sum()),
                limit_added_minor=int(change[increased].sum()),
                limit_removed_minor=int(-change[change < 0].sum()),
                bad_rate_increased=_rate(went_bad, increased),
                bad_rate_unchanged=_rate(went_bad, unchanged),
                bad_rate_cut=_rate(went_bad, cut),
                limit_added_to_bad_minor=int(change[increased & went_bad].sum()),
            )
        )
    return results


SNAPSHOT_COLUMNS = (
    "granted_minor",
    "used_minor",
    "days_past_due",
    "months_on_book",
    "revolving",
    "paid_in_full",
    "cooling_off",
    "frozen",
    "increase_room_minor",
)


def read_line_snapshots(
    path: str, target: str
) -> tuple[LineColumns, NDArray[np.int64], NDArray[np.bool_]]:
    """Snapshots from a CSV with `SNAPSHOT_COLUMNS` and a 0/1 (or true/false) `target`.

    Raises:
        InvalidReviewPolicy: a column is missing or not a number / flag.
    """
    try:
        with open(path, newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            fields = reader.fieldnames or []
            missing = [c for c in (*SNAPSHOT_COLUMNS, target) if c not in fields]
            if missing:
                raise InvalidReviewPolicy(f"{path} lacks the columns {missing}")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidReviewPolicy(f"cannot read {path}: {error}") from error
    short = [n + 2 for n, row in enumerate(rows) if None in row.values()]
    if short:
        raise InvalidReviewPolicy(f"{path}: rows {short[:5]} have fewer values than columns")

    def whole(name: str) -> NDArray[np.int64]:
        try:
            return np.array([int(row[name]) for row in rows], dtype=np.int64)
        except ValueError as error:
            raise InvalidReviewPolicy(f"column {name} must hold whole numbers: {error}") from None

    def flag(name: str) -> NDArray[np.bool_]:
        values = {"1": True, "true": True, "0": False, "false": False}
        try:
            return np.array([values[row[name].strip().lower()] for row in rows], dtype=np.bool_)
        except KeyError as error:
            raise InvalidReviewPolicy(
                f"column {name} must hold 0/1 or true/false: {error}"
            ) from None

    columns = LineColumns(
        granted_minor=whole("granted_minor"),
        used_minor=whole("used_minor"),
        days_past_due=whole("days_past_due"),
        months_on_book=whole("months_on_book"),
        revolving=flag("revolving"),
        paid_in_full=flag("paid_in_full"),
        cooling_off=flag("cooling_off"),
        frozen=flag("frozen"),
    )
    return columns, whole("increase_room_minor"), flag(target)
