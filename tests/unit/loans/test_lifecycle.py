"""The loan lifecycle: legal moves pass, every other move is refused with both states named."""

from __future__ import annotations

from itertools import product

import pytest

from puhui.loans.errors import IllegalTransition
from puhui.loans.lifecycle import LoanStatus, transition

S = LoanStatus

# The moves of the state diagram in the module docstring, written out independently.
LEGAL_MOVES: frozenset[tuple[LoanStatus, LoanStatus]] = frozenset(
    {
        (S.APPROVED, S.ACTIVE),  # disburse
        (S.APPROVED, S.CANCELLED),  # cancel
        (S.ACTIVE, S.OVERDUE),  # late
        (S.ACTIVE, S.CLOSED),  # paid off
        (S.ACTIVE, S.CHARGED_OFF),
        (S.OVERDUE, S.ACTIVE),  # cure
        (S.OVERDUE, S.CLOSED),
        (S.OVERDUE, S.CHARGED_OFF),
        (S.CLOSED, S.ACTIVE),  # reopen after a reversed payment
        (S.CLOSED, S.OVERDUE),
    }
)
ALL_MOVES = [(a, b) for a, b in product(LoanStatus, LoanStatus) if a != b]
ILLEGAL_MOVES = [move for move in ALL_MOVES if move not in LEGAL_MOVES]


def test_the_move_lists_cover_every_pair_of_distinct_states() -> None:
    assert len(ALL_MOVES) == 30
    assert len(ILLEGAL_MOVES) == 20


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL_MOVES))
def test_every_legal_move_returns_the_target(current: LoanStatus, target: LoanStatus) -> None:
    assert transition(current, target, loan_id=1) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES)
def test_every_illegal_move_is_refused_naming_both_states(
    current: LoanStatus, target: LoanStatus
) -> None:
    with pytest.raises(IllegalTransition) as raised:
        transition(current, target, loan_id=42)
    message = str(raised.value)
    assert f"is {current.value}" in message
    assert f"cannot become {target.value}" in message
    assert "loan 42" in message
    assert raised.value.code == "illegal_loan_transition"


@pytest.mark.parametrize("status", list(LoanStatus))
def test_staying_in_the_same_state_is_allowed(status: LoanStatus) -> None:
    assert transition(status, status, loan_id=1) is status


@pytest.mark.parametrize("terminal", [S.CHARGED_OFF, S.CANCELLED])
@pytest.mark.parametrize("target", list(LoanStatus))
def test_charged_off_and_cancelled_are_terminal(terminal: LoanStatus, target: LoanStatus) -> None:
    if target is terminal:
        assert transition(terminal, target, loan_id=1) is terminal
    else:
        with pytest.raises(IllegalTransition, match=r"allowed from \w+: none"):
            transition(terminal, target, loan_id=1)


def test_the_refusal_lists_the_moves_that_are_allowed() -> None:
    with pytest.raises(IllegalTransition, match=r"allowed from approved: active, cancelled\)"):
        transition(S.APPROVED, S.CLOSED, loan_id=1)


def test_only_active_and_overdue_loans_accrue() -> None:
    assert {s for s in LoanStatus if s.accrues} == {S.ACTIVE, S.OVERDUE}
