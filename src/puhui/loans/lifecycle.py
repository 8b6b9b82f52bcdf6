"""The loan lifecycle as an explicit state machine that refuses illegal moves.

    approved ──disburse──▶ active ◀──cure── overdue
        │                  │  ▲   ──late──▶   │
     cancel                │  └── reopen ─┐   │
        ▼                  ▼              │   ▼
    cancelled            closed ──────────┘  charged_off
                  (paid off; a reversal of the last payment reopens it)

`charged_off` is terminal for accrual; recoveries are still booked against it.
"""

from __future__ import annotations

from enum import StrEnum

from puhui.loans.errors import IllegalTransition


class LoanStatus(StrEnum):
    APPROVED = "approved"
    ACTIVE = "active"
    OVERDUE = "overdue"
    CLOSED = "closed"
    CHARGED_OFF = "charged_off"
    CANCELLED = "cancelled"

    @property
    def accrues(self) -> bool:
        """Interest, penalties, billing and delinquency run only on live loans."""
        return self in (LoanStatus.ACTIVE, LoanStatus.OVERDUE)


ALLOWED_TRANSITIONS: dict[LoanStatus, frozenset[LoanStatus]] = {
    LoanStatus.APPROVED: frozenset({LoanStatus.ACTIVE, LoanStatus.CANCELLED}),
    LoanStatus.ACTIVE: frozenset({LoanStatus.OVERDUE, LoanStatus.CLOSED, LoanStatus.CHARGED_OFF}),
    LoanStatus.OVERDUE: frozenset({LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.CHARGED_OFF}),
    LoanStatus.CLOSED: frozenset({LoanStatus.ACTIVE, LoanStatus.OVERDUE}),
    LoanStatus.CHARGED_OFF: frozenset(),
    LoanStatus.CANCELLED: frozenset(),
}


def transition(current: LoanStatus, target: LoanStatus, *, loan_id: int) -> LoanStatus:
    """Return `target` if the move is legal (or a no-op), else raise IllegalTransition."""
    if target == current or target in ALLOWED_TRANSITIONS[current]:
        return target
    allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[current])) or "none"
    raise IllegalTransition(
        f"loan {loan_id} is {current.value} and cannot become {target.value} "
        f"(allowed from {current.value}: {allowed})"
    )
