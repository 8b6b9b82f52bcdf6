"""`puhui verify`: prove the ledger is sound and every loan reconciles to it.

Checks, each reported with what failed:
1. every journal entry has two or more postings and balances per currency;
2. the trial balance is zero;
3. the journal tables refuse UPDATE and DELETE (the triggers are installed);
4. for every account and funder, the general ledger equals the sum of the loans' and credit
   lines' sub-ledgers;
5. every loan's sub-ledger is internally consistent (owed = lent + earned − received …);
6. every loan's principal postings equal its principal receivable;
7. every loan's instalment rows add up to its stored balances;
8. every credit line's sub-ledger is consistent and no bucket is negative.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import fetch_matrix
from puhui.batch.subledger import LoanBalances, iter_loan_balances
from puhui.ledger.accounts import Account
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.engine import read_only
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.tables import APPEND_ONLY_TABLES

MAX_REPORTED = 10


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)
    loans: int = 0
    lines: int = 0
    entries: int = 0
    postings: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, failures: list[str], detail_ok: str = "") -> None:
        shown = "; ".join(failures[:MAX_REPORTED])
        more = f" (+{len(failures) - MAX_REPORTED} more)" if len(failures) > MAX_REPORTED else ""
        self.checks.append(Check(name, not failures, shown + more if failures else detail_ok))


def verify(engine: sa.Engine) -> VerifyReport:
    report = VerifyReport()
    with read_only(engine) as connection, connection.begin():
        report.entries = int(
            connection.exec_driver_sql("SELECT COUNT(*) FROM journal_entries").scalar() or 0
        )
        report.postings = int(
            connection.exec_driver_sql("SELECT COUNT(*) FROM postings").scalar() or 0
        )
        _check_entries(connection, report)
        _check_triggers(connection, report)
        _check_loans(connection, report)
    return report


def _check_entries(connection: sa.Connection, report: VerifyReport) -> None:
    unbalanced = connection.exec_driver_sql(
        "SELECT entry_id, currency, SUM(amount_minor) FROM postings "
        "GROUP BY entry_id, currency HAVING SUM(amount_minor) <> 0"
    ).fetchall()
    thin = connection.exec_driver_sql(
        "SELECT e.id, COUNT(p.id) FROM journal_entries e LEFT JOIN postings p "
        "ON p.entry_id = e.id GROUP BY e.id HAVING COUNT(p.id) < 2"
    ).fetchall()
    report.add(
        "every entry balances",
        [f"entry {r[0]} {r[1]} off by {r[2]}" for r in unbalanced]
        + [f"entry {r[0]} has {r[1]} postings" for r in thin],
        f"{report.entries} entries, {report.postings} postings",
    )
    totals = connection.exec_driver_sql(
        "SELECT currency, SUM(amount_minor) FROM postings GROUP BY currency"
    ).fetchall()
    report.add(
        "trial balance is zero", [f"{r[0]} debits − credits = {r[1]}" for r in totals if r[1] != 0]
    )


def _check_triggers(connection: sa.Connection, report: VerifyReport) -> None:
    if connection.dialect.name == "sqlite":
        names = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
        )
        wanted = {f"{t}_no_{a}" for t in APPEND_ONLY_TABLES for a in ("update", "delete")}
    else:
        names = set(
            connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            ).scalars()
        )
        wanted = {f"{t}_append_only" for t in APPEND_ONLY_TABLES}
    report.add(
        "journal is append-only (triggers installed)",
        [f"missing trigger {name}" for name in sorted(wanted - names)],
    )


_ACCOUNT_SIGNS = (
    (Account.PRINCIPAL_RECEIVABLE, "principal", 1),
    (Account.INTEREST_RECEIVABLE, "interest", 1),
    (Account.FEE_RECEIVABLE, "fee", 1),
    (Account.PENALTY_RECEIVABLE, "penalty", 1),
    (Account.CREDIT_BALANCE, "credit", -1),
    (Account.INTEREST_INCOME, "interest_income", -1),
    (Account.FEE_INCOME, "fee_income", -1),
    (Account.PENALTY_INCOME, "penalty_income", -1),
    (Account.WRITE_OFF_EXPENSE, "written_off", 1),
    (Account.RECOVERY_INCOME, "recovered", -1),
)


def _check_loans(connection: sa.Connection, report: VerifyReport) -> None:
    recognised = CalendarRepository(connection).last_closed_date()
    expected: dict[tuple[str, str], int] = defaultdict(int)
    identity_failures: list[str] = []
    principal_failures: list[str] = []
    principal_postings = _principal_postings(connection)
    for balances in iter_loan_balances(connection, recognised):
        report.loans += len(balances.ids)
        _add_expected(balances, expected)
        gap = balances.identity_gap()
        for loan_id, value in zip(
            balances.ids[gap != 0].tolist(), gap[gap != 0].tolist(), strict=True
        ):
            identity_failures.append(f"loan {loan_id} sub-ledger off by {value}")
        posted = principal_postings.get_many(balances.ids)
        off = posted != balances.principal
        for loan_id, got, want in zip(
            balances.ids[off].tolist(),
            posted[off].tolist(),
            balances.principal[off].tolist(),
            strict=True,
        ):
            principal_failures.append(f"loan {loan_id}: principal postings {got}, loan {want}")
    line_failures = _add_line_expectations(connection, expected, report)
    ledger = JournalRepository(connection).balances()
    general: dict[tuple[str, str], int] = defaultdict(int)
    for (account, funder, _currency), amount in ledger.items():
        general[(account, funder)] += amount
    capital = {f: general.get((Account.FUNDING_CAPITAL.value, f), 0) for _, f in general}
    mismatches = []
    for key in sorted(set(expected) | {k for k in general if k[0] != "funding_capital"}):
        account, funder = key
        want = expected.get(key, 0)
        got = general.get(key, 0)
        if account == Account.CASH.value:
            got += capital.get(funder, 0)  # cash less the capital put in = net loan cash flows
        if got != want:
            mismatches.append(f"{account}/{funder}: ledger {got}, loans {want}")
    report.add(
        "general ledger equals the loans' and lines' sub-ledgers",
        mismatches,
        f"{report.loans} loans, {report.lines} lines, {len(expected)} account/funder balances",
    )
    report.add("every credit line's sub-ledger is consistent", line_failures)
    report.add("every loan's sub-ledger is consistent", identity_failures)
    report.add("every loan's principal postings equal its receivable", principal_failures)
    report.add("instalment rows add up to loan balances", _instalment_mismatches(connection))


_LINE_SUMS = (
    "SELECT funder, COUNT(*), SUM(purchase_minor + cash_minor + converted_minor), "
    "SUM(interest_minor), SUM(fee_minor), SUM(credit_minor), SUM(interest_income_minor), "
    "SUM(fee_income_minor), SUM(received_minor + refunds_in_minor - lent_minor - paid_out_minor) "
    "FROM credit_lines GROUP BY funder"
)
_LINE_ACCOUNTS = (
    (Account.LINE_PRINCIPAL_RECEIVABLE, 1),
    (Account.LINE_INTEREST_RECEIVABLE, 1),
    (Account.LINE_FEE_RECEIVABLE, 1),
    (Account.LINE_CREDIT_BALANCE, -1),
    (Account.LINE_INTEREST_INCOME, -1),
    (Account.LINE_FEE_INCOME, -1),
    (Account.CASH, 1),
)
_LINE_BROKEN = (
    "SELECT id FROM credit_lines WHERE purchase_minor < 0 OR cash_minor < 0 "
    "OR converted_minor < 0 OR interest_minor < 0 OR fee_minor < 0 OR credit_minor < 0 "
    "OR purchase_minor + cash_minor + converted_minor + interest_minor + fee_minor "
    "- credit_minor <> lent_minor + interest_income_minor + fee_income_minor - received_minor "
    "- refunds_in_minor + paid_out_minor ORDER BY id"
)


def _add_line_expectations(
    connection: sa.Connection, expected: dict[tuple[str, str], int], report: VerifyReport
) -> list[str]:
    """Add the lines' sub-ledgers to what the ledger must hold; returns inconsistent lines."""
    for funder, count, *sums in connection.exec_driver_sql(_LINE_SUMS).all():
        report.lines += int(count)
        for (account, sign), total in zip(_LINE_ACCOUNTS, sums, strict=True):
            expected[(account.value, str(funder))] += sign * int(total or 0)
    broken = connection.exec_driver_sql(_LINE_BROKEN).scalars().all()
    return [f"line {line_id}: sub-ledger inconsistent or negative" for line_id in broken]


def _add_expected(balances: LoanBalances, expected: dict[tuple[str, str], int]) -> None:
    for index, funder in enumerate(balances.funders):
        mine = balances.funder_index == index
        if not mine.any():
            continue
        for account, attribute, sign in _ACCOUNT_SIGNS:
            expected[(account.value, funder)] += sign * int(
                getattr(balances, attribute)[mine].sum()
            )
        cash = balances.received + balances.recovered - balances.disbursed - balances.paid_out
        expected[(Account.CASH.value, funder)] += int(cash[mine].sum())


class _PostedPrincipal:
    def __init__(self, ids: np.ndarray, amounts: np.ndarray) -> None:
        self._ids = ids
        self._amounts = amounts

    def get_many(self, loan_ids: np.ndarray) -> np.ndarray:
        if len(self._ids) == 0:
            return np.zeros(len(loan_ids), np.int64)
        positions = np.clip(np.searchsorted(self._ids, loan_ids), 0, len(self._ids) - 1)
        found = self._ids[positions] == loan_ids
        return np.where(found, self._amounts[positions], 0)


def _principal_postings(connection: sa.Connection) -> _PostedPrincipal:
    rows = fetch_matrix(
        connection,
        "SELECT loan_id, SUM(amount_minor) FROM postings WHERE account = 'principal_receivable' "
        "AND loan_id IS NOT NULL GROUP BY loan_id ORDER BY loan_id",
        (),
        2,
    )
    return _PostedPrincipal(rows[:, 0], rows[:, 1])


def _instalment_mismatches(connection: sa.Connection) -> list[str]:
    rows = (
        connection.exec_driver_sql(
            """
        SELECT l.id FROM loans l JOIN (
            SELECT i.loan_id,
                SUM(i.principal_minor - i.paid_principal_minor) AS principal,
                SUM(CASE WHEN i.seq <= l2.billed_count
                    THEN i.principal_minor - i.paid_principal_minor ELSE 0 END) AS billed_p,
                SUM(CASE WHEN i.seq <= l2.billed_count
                    THEN i.interest_minor - i.paid_interest_minor ELSE 0 END) AS billed_i,
                SUM(CASE WHEN i.seq <= l2.billed_count
                    THEN i.fee_minor + i.late_fee_minor - i.paid_fee_minor ELSE 0 END) AS billed_f,
                COUNT(*) AS row_count
            FROM instalments i JOIN loans l2 ON l2.id = i.loan_id
            GROUP BY i.loan_id
        ) s ON s.loan_id = l.id
        WHERE s.principal <> l.principal_outstanding_minor
           OR s.billed_p <> l.billed_principal_minor
           OR s.billed_i <> l.billed_interest_minor
           OR s.billed_f <> l.billed_fee_minor
           OR s.row_count <> l.row_count
        """
        )
        .scalars()
        .all()
    )
    return [f"loan {loan_id}: instalment rows disagree with the loan row" for loan_id in rows]
