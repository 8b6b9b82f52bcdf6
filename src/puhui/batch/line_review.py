"""The monthly limit review over every open line, vectorised per chunk (`lines/review.py`).

Each chunk of consecutive line ids is one transaction: read the columns, score, decide, then
for the lines the policy would raise consult the caps (loans and the borrower's other lines),
the income share and the bureau (`bureau`, one call per chunk; without one no line is raised —
an increase is never granted blind), and write the scores, the new limits, freezes and one
event per change with its reason code. `dry_run` writes nothing and returns the same summary,
so two policies can be compared on the live book before one is switched on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from puhui.compliance.exposure import borrower_caps, income_cap_minor
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import PuhuiError
from puhui.lines.products import line_product_from_mapping
from puhui.lines.responsible import BorrowerFacts, check_eligible
from puhui.lines.review import (
    LineColumns,
    ReviewOutcome,
    ReviewPolicy,
    behaviour_scores,
    increase_candidates,
    review,
)
from puhui.storage.decision_repository import applicant_of
from puhui.storage.driver import Driver
from puhui.storage.line_repository import COMMITTED_SQL

DEFAULT_CHUNK_SIZE = 50_000
BureauLookup = Callable[[Sequence[str]], Mapping[str, BorrowerFacts]]
ChunkProgress = Callable[[int], None]

_READ = (
    "SELECT id, borrower_ref, granted_limit_minor, "
    "purchase_minor + cash_minor + converted_minor + interest_minor + fee_minor - credit_minor "
    "+ held_minor, overdue_since, opened_on, revolving, last_statement_on, statement_due_minor, "
    "cooling_off_until, status, line_product_id, monthly_income_minor, due_on, due_judged, "
    f"minimum_due_minor, {COMMITTED_SQL} FROM credit_lines "
    "WHERE id > ? AND status <> 'closed' "
    "AND (last_reviewed_on IS NULL OR last_reviewed_on < ?) ORDER BY id LIMIT ?"
)
_LOANS_OWED = (
    "SELECT borrower_ref, SUM(principal_outstanding_minor) FROM loans "
    "WHERE status IN ('active', 'overdue') AND borrower_ref IN ({marks}) GROUP BY borrower_ref"
)
_LINES_COMMITTED = (
    f"SELECT borrower_ref, SUM({COMMITTED_SQL}) FROM credit_lines "
    "WHERE borrower_ref IN ({marks}) GROUP BY borrower_ref"
)
_IN_CLAUSE_BATCH = 500


@dataclass
class ReviewSummary:
    day: date
    lines: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    granted_before_minor: int = 0
    granted_after_minor: int = 0
    mean_score: float = 0.0


def run_line_review(
    engine: sa.Engine,
    day: date,
    profile: JurisdictionProfile,
    policy: ReviewPolicy,
    *,
    bureau: BureauLookup | None = None,
    net_assets_minor: int | None = None,
    product_max_minor: Mapping[int, int] | None = None,
    dry_run: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ChunkProgress | None = None,
) -> ReviewSummary:
    """Review every open line as of `day`; see the module notes."""
    summary = ReviewSummary(day)
    score_total = 0
    after_id = 0
    while True:
        with engine.connect() as connection, connection.begin() as transaction:
            driver = Driver(connection)
            when = driver.date(day)
            rows = driver.all(
                _READ + (" FOR UPDATE" if driver.postgres else ""),
                (when, when, after_id, when, chunk_size),
            )
            if not rows:
                break
            chunk = _Chunk(rows, day, driver)
            maxima = product_max_minor or _product_maxima(driver)
            room = _increase_room(
                driver, chunk, profile, policy, day, bureau, net_assets_minor, maxima
            )
            outcome = review(policy, chunk.columns, room)
            summary.lines += len(rows)
            summary.granted_before_minor += int(chunk.columns.granted_minor.sum())
            summary.granted_after_minor += int(outcome.new_granted_minor.sum())
            summary.changes.update(outcome.reason[outcome.changed].tolist())
            score_total += int(outcome.score.sum())
            if not dry_run:
                _write(driver, chunk, outcome, day)
            transaction.commit() if not dry_run else transaction.rollback()
        after_id = chunk.ids[-1]
        if progress:
            progress(len(rows))
    summary.mean_score = score_total / summary.lines if summary.lines else 0.0
    return summary


class _Chunk:
    def __init__(self, rows: list[tuple[object, ...]], day: date, driver: Driver) -> None:
        def days(value: object) -> int:
            when = driver.read_date(value)
            return -1 if when is None else (day - when).days

        self.ids = [int(str(row[0])) for row in rows]
        self.borrowers = [str(row[1]) for row in rows]
        self.product_ids = np.array([int(str(row[11])) for row in rows], dtype=np.int64)
        self.income = np.array([int(str(row[12])) for row in rows], dtype=np.int64)
        self.committed = np.array([int(str(row[16])) for row in rows], dtype=np.int64)
        # A due date passed with the minimum unpaid counts even before an event judged it.
        overdue = np.array(
            [
                days(row[4])
                if row[4] is not None
                else days(row[13])
                if not row[14] and int(str(row[15])) > 0 and days(row[13]) > 0
                else -1
                for row in rows
            ],
            dtype=np.int64,
        )
        self.columns = LineColumns(
            granted_minor=np.array([int(str(row[2])) for row in rows], dtype=np.int64),
            used_minor=np.array([int(str(row[3])) for row in rows], dtype=np.int64),
            days_past_due=np.maximum(overdue, 0),
            months_on_book=np.array([days(row[5]) // 30 for row in rows], dtype=np.int64),
            revolving=np.array([bool(row[6]) for row in rows]),
            paid_in_full=np.array([row[7] is not None and int(str(row[8])) == 0 for row in rows]),
            cooling_off=np.array([row[9] is not None and days(row[9]) <= 0 for row in rows]),
            frozen=np.array([row[10] == "frozen" for row in rows]),
        )


def _product_maxima(driver: Driver) -> dict[int, int]:
    rows = driver.all("SELECT id, definition FROM line_products", ())
    maxima = {}
    for product_id, definition in rows:
        maxima[int(product_id)] = line_product_from_mapping(json.loads(definition)).max_limit_minor
    return maxima


def _sums(
    driver: Driver, sql: str, borrowers: list[str], leading: tuple[object, ...] = ()
) -> dict[str, int]:
    totals: dict[str, int] = {}
    for start in range(0, len(borrowers), _IN_CLAUSE_BATCH):
        part = borrowers[start : start + _IN_CLAUSE_BATCH]
        query = sql.format(marks=", ".join("?" * len(part)))
        rows = driver.all(query, (*leading, *part))
        totals.update({str(ref): int(total or 0) for ref, total in rows})
    return totals


def _recently_declined(
    driver: Driver, borrowers: list[str], profile: JurisdictionProfile, day: date
) -> set[str]:
    """Borrowers the engine declined within the cooling-off days: no increase for them."""
    applicants = {applicant_of(ref): ref for ref in borrowers}
    applicants.pop(None, None)
    since = driver.date(day - timedelta(int(profile.value("cooling_off_days", day))))
    declined: set[str] = set()
    ids = sorted(applicant for applicant in applicants if applicant is not None)
    for start in range(0, len(ids), _IN_CLAUSE_BATCH):
        part = ids[start : start + _IN_CLAUSE_BATCH]
        rows = driver.all(
            "SELECT DISTINCT applicant_id FROM decisions WHERE outcome = 'decline' "
            f"AND business_date >= ? AND applicant_id IN ({', '.join('?' * len(part))})",
            (since, *part),
        )
        declined.update(applicants[int(row[0])] for row in rows)
    return declined


def _increase_room(
    driver: Driver,
    chunk: _Chunk,
    profile: JurisdictionProfile,
    policy: ReviewPolicy,
    day: date,
    bureau: BureauLookup | None,
    net_assets_minor: int | None,
    maxima: Mapping[int, int],
) -> np.ndarray:
    """The limit each candidate is raised to (at most the policy's share above its limit and
    within every cap, counting the raises already given to the borrower's other lines in this
    chunk); 0 for every other line."""
    room = np.zeros(len(chunk.ids), dtype=np.int64)
    candidates = np.flatnonzero(
        increase_candidates(policy, chunk.columns, behaviour_scores(policy, chunk.columns))
    )
    if bureau is None or len(candidates) == 0:
        return room
    borrowers = sorted({chunk.borrowers[i] for i in candidates})
    declined = _recently_declined(driver, borrowers, profile, day)
    facts = {ref: known for ref, known in bureau(borrowers).items() if ref not in declined}
    loans = _sums(driver, _LOANS_OWED, borrowers)
    when = driver.date(day)
    lines = _sums(driver, _LINES_COMMITTED, borrowers, (when, when))
    raised_so_far: dict[str, int] = {}  # a borrower's earlier raises in this chunk count too
    cap = min(
        borrower_caps(
            profile, is_merchant=False, on=day, net_assets_minor=net_assets_minor
        ).values()
    )
    for index in candidates.tolist():
        borrower = chunk.borrowers[index]
        known = facts.get(borrower)
        if known is None:
            continue
        try:
            check_eligible(profile, known, day)
        except PuhuiError:
            continue
        own = int(chunk.committed[index])
        elsewhere = (
            loans.get(borrower, 0) + lines.get(borrower, 0) - own + raised_so_far.get(borrower, 0)
        )
        granted = int(chunk.columns.granted_minor[index])
        up = policy.increase_share.as_integer_ratio()
        limits = [granted * up[0] // up[1], maxima[int(chunk.product_ids[index])], cap - elsewhere]
        income_cap = income_cap_minor(
            profile, monthly_income_minor=known.monthly_income_minor, on=day
        )
        if income_cap is not None:
            limits.append(income_cap - elsewhere - known.other_lenders_balance_minor)
        room[index] = max(0, min(limits))
        if room[index] > granted:
            raised_so_far[borrower] = raised_so_far.get(borrower, 0) + max(0, room[index] - own)
    return room


def _write(driver: Driver, chunk: _Chunk, outcome: ReviewOutcome, day: date) -> None:
    changed = np.flatnonzero(outcome.changed)
    driver.many(
        "UPDATE credit_lines SET behaviour_score = ?, last_reviewed_on = ? WHERE id = ?",
        [
            (score, driver.date(day), line_id)
            for score, line_id in zip(outcome.score.tolist(), chunk.ids, strict=True)
        ],
    )
    driver.many(
        "UPDATE credit_lines SET granted_limit_minor = ?, status = CASE WHEN ? = 1 THEN 'frozen' "
        "ELSE status END WHERE id = ?",
        [
            (int(outcome.new_granted_minor[i]), int(outcome.freeze[i]), chunk.ids[i])
            for i in changed.tolist()
        ],
    )
    when = driver.date(day)
    driver.many(
        "INSERT INTO line_events (line_id, kind, business_date, amount_minor, reason_code, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                chunk.ids[i],
                "frozen" if outcome.freeze[i] else "limit_changed",
                when,
                int(outcome.new_granted_minor[i]),
                str(outcome.reason[i]),
                json.dumps(
                    {
                        "from": int(chunk.columns.granted_minor[i]),
                        "behaviour_score": int(outcome.score[i]),
                        "review": True,
                    },
                    sort_keys=True,
                ),
            )
            for i in changed.tolist()
        ],
    )
