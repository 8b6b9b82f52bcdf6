"""The servicing service on a real database (SQLite and PostgreSQL): idempotency, atomicity,
business-date discipline and reversals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from puhui.batch.eod import run_eod
from puhui.batch.verify import verify
from puhui.compliance.checks import CostCapExceeded
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import InvalidInput
from puhui.loans import service
from puhui.loans.errors import (
    BusinessDateClosed,
    DuplicateEvent,
    InvalidProduct,
    LoanNotFound,
    LoanNotPayable,
    NothingToReverse,
    ReversalBlocked,
)
from puhui.loans.facility import DrawRefused
from puhui.loans.products import with_changes
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.helpers import count

START = date(2025, 3, 31)


def book(
    engine: sa.Engine, key: str = "book-1", principal: int = 1_200_000, funder: str = "platform"
) -> int:
    with SqlUnitOfWork(engine) as uow:
        loan_id = service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=principal,
            as_of=START,
            borrower_ref="synthetic-1",
            idempotency_key=key,
            funder=funder,
        )
        uow.commit()
    return loan_id


def pay(engine: sa.Engine, loan_id: int, amount: int, day: date, key: str) -> object:
    with SqlUnitOfWork(engine) as uow:
        outcome = service.post_repayment(
            uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
        )
        uow.commit()
    return outcome


def test_booking_twice_with_one_key_books_one_loan(database: sa.Engine) -> None:
    assert book(database) == book(database)
    assert count(database, "loans") == 1
    assert count(database, "journal_entries") == 1  # the replay posted nothing


def test_a_loan_for_an_unregistered_funder_is_refused_and_nothing_is_booked(
    database: sa.Engine,
) -> None:
    with pytest.raises(InvalidInput, match="unknown funder 'bank-x'"):
        book(database, key="book-bank-x", funder="bank-x")
    assert (count(database, "loans"), count(database, "journal_entries")) == (0, 0)
    assert book(database) > 0  # the platform, registered, still lends


def test_a_replayed_payment_returns_the_first_outcome_and_posts_nothing(
    database: sa.Engine,
) -> None:
    loan_id = book(database)
    first = pay(database, loan_id, 50_000, START + timedelta(days=5), "pay-1")
    entries = count(database, "journal_entries")
    again = pay(database, loan_id, 50_000, START + timedelta(days=5), "pay-1")
    assert again == first
    assert count(database, "journal_entries") == entries
    assert count(database, "loan_events") == 2


def test_a_key_reused_for_a_different_payment_is_refused_and_nothing_is_written(
    database: sa.Engine,
) -> None:
    loan_id = book(database)
    pay(database, loan_id, 50_000, START + timedelta(days=5), "pay-1")
    entries = count(database, "journal_entries")
    with pytest.raises(DuplicateEvent, match="already used"):
        pay(database, loan_id, 60_000, START + timedelta(days=5), "pay-1")
    assert count(database, "journal_entries") == entries


@pytest.mark.parametrize(
    ("principal", "error", "message"),
    [
        (0, InvalidInput, "positive"),
        (-100, InvalidInput, "positive"),
        (10**12, InvalidProduct, "lends"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_written(
    database: sa.Engine, principal: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        book(database, principal=principal)
    assert count(database, "loans") == 0
    assert count(database, "journal_entries") == 0


def test_unknown_product_and_loan_are_named_in_the_error(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        with pytest.raises(InvalidProduct, match="unknown product 'gold-card'"):
            service.book_loan(
                uow,
                product_code="gold-card",
                principal_minor=100_000,
                as_of=START,
                borrower_ref="x",
                idempotency_key="k",
            )
        with pytest.raises(LoanNotFound, match="no loan with id 999"):
            service.post_repayment(
                uow, loan_id=999, amount_minor=1, as_of=START, idempotency_key="k2"
            )


def test_events_in_a_closed_business_date_are_refused(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    loan_id = book(database)
    run_eod(database, START + timedelta(days=3), profile)
    with pytest.raises(BusinessDateClosed, match="is closed"):
        pay(database, loan_id, 10_000, START + timedelta(days=2), "late-post")
    assert pay(database, loan_id, 10_000, START + timedelta(days=4), "on-time-post")


def test_a_payment_on_a_closed_loan_is_refused_and_changes_nothing(database: sa.Engine) -> None:
    loan_id = book(database)
    day = START + timedelta(days=10)
    with SqlUnitOfWork(database) as uow:
        quote = service.quote_payoff(uow, loan_id=loan_id, on=day)
    pay(database, loan_id, quote.total_minor, day, "payoff")
    entries = count(database, "journal_entries")
    with pytest.raises(LoanNotPayable, match="closed"):
        pay(database, loan_id, 100, day, "after-close")
    assert count(database, "journal_entries") == entries


def test_reversing_a_bounced_payment_restores_balances_and_interest(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    loan_id = book(database)
    twin_id = book(database, key="book-2")
    pay(database, loan_id, 600_000, START + timedelta(days=10), "big-payment")
    run_eod(database, START + timedelta(days=40), profile)
    with SqlUnitOfWork(database) as uow:
        service.reverse_event(
            uow,
            loan_id=loan_id,
            reversed_key="big-payment",
            as_of=START + timedelta(days=41),
            idempotency_key="bounce",
        )
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        reversed_loan = uow.loans.get(loan_id, for_update=False)
        twin = uow.loans.get(twin_id, for_update=False)
        reversed_loan.advance_to(START + timedelta(days=41))
        twin.advance_to(START + timedelta(days=41))
        mine, theirs = reversed_loan.balances(), twin.balances()
    assert mine.principal_minor == theirs.principal_minor
    assert mine.interest_minor == theirs.interest_minor
    assert mine.penalty_minor == theirs.penalty_minor
    assert verify(database).ok
    with SqlUnitOfWork(database) as uow, pytest.raises(NothingToReverse):
        service.reverse_event(
            uow,
            loan_id=loan_id,
            reversed_key="big-payment",
            as_of=START + timedelta(days=41),
            idempotency_key="bounce-again",
        )


def test_facility_draws_stop_at_the_approved_amount(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        facility = service.open_facility(
            uow,
            product_code="working-capital",
            approved_minor=10_000_000,
            as_of=START,
            borrower_ref="shop-1",
            idempotency_key="facility-1",
        )
        service.draw(
            uow, facility_id=facility, amount_minor=6_000_000, as_of=START, idempotency_key="draw-1"
        )
        with pytest.raises(DrawRefused, match="4000000 available"):
            service.draw(
                uow,
                facility_id=facility,
                amount_minor=5_000_000,
                as_of=START,
                idempotency_key="draw-2",
            )
        service.draw(
            uow, facility_id=facility, amount_minor=4_000_000, as_of=START, idempotency_key="draw-3"
        )
        uow.commit()
    assert count(database, "loans") == 2


def test_nothing_is_half_written_when_a_unit_of_work_is_not_committed(
    database: sa.Engine,
) -> None:
    with SqlUnitOfWork(database) as uow:
        service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=100_000,
            as_of=START,
            borrower_ref="x",
            idempotency_key="never-committed",
        )
    assert count(database, "loans") == 0
    assert count(database, "postings") == 0


def test_a_new_product_version_changes_new_loans_only(database: sa.Engine) -> None:
    old_loan = book(database, key="before-change")
    with SqlUnitOfWork(database) as uow:
        _, current = uow.products.current("cash-instalment")
        uow.products.register(with_changes(current, annual_rate=Decimal("0.12")))
        uow.commit()
    new_loan = book(database, key="after-change")
    with SqlUnitOfWork(database) as uow:
        old, new = uow.loans.get(old_loan), uow.loans.get(new_loan)
        assert (old.product.version, old.terms.annual_rate) == (1, Decimal("0.18"))
        assert (new.product.version, new.terms.annual_rate) == (2, Decimal("0.12"))
        assert new.rows[0].interest_minor < old.rows[0].interest_minor
    with SqlUnitOfWork(database) as uow, pytest.raises(InvalidProduct, match="new version"):
        uow.products.register(with_changes(current, annual_rate=Decimal("0.10")))


def test_client_keys_may_not_use_the_system_namespace(database: sa.Engine) -> None:
    loan_id = book(database)
    with pytest.raises(InvalidInput, match="reserved"):
        pay(database, loan_id, 1_000, START + timedelta(days=1), "sys:eod:2025-04-01:0:platform")
    with pytest.raises(InvalidInput, match="reserved"):
        book(database, key="sys:opening:1:2")


def test_a_booking_key_reused_with_other_terms_is_refused(database: sa.Engine) -> None:
    book(database, key="same-key")
    with SqlUnitOfWork(database) as uow, pytest.raises(DuplicateEvent, match="already used"):
        service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=1_200_000,
            as_of=START,
            borrower_ref="synthetic-1",
            idempotency_key="same-key",
            overrides={"periods": 6},
        )
    with SqlUnitOfWork(database) as uow, pytest.raises(DuplicateEvent):
        service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=1_200_000,
            as_of=START,
            borrower_ref="someone-else",
            idempotency_key="same-key",
        )


def test_an_event_dated_before_the_loans_last_event_is_refused(database: sa.Engine) -> None:
    loan_id = book(database)
    pay(database, loan_id, 1_000, START + timedelta(days=20), "later")
    entries = count(database, "journal_entries")
    with pytest.raises(BusinessDateClosed, match="already has events on"):
        pay(database, loan_id, 110_000, START + timedelta(days=10), "earlier")
    assert count(database, "journal_entries") == entries


def test_a_borrower_reference_longer_than_64_characters_is_refused(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow, pytest.raises(InvalidInput, match="1–64 characters"):
        service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=100_000,
            as_of=START,
            borrower_ref="x" * 65,
            idempotency_key="long-ref",
        )


def test_loans_above_the_profiles_cost_cap_are_refused_once_it_is_in_force(
    database: sa.Engine,
) -> None:
    expensive = {"annual_rate": Decimal("0.30")}
    with SqlUnitOfWork(database) as uow:
        # The 24 % cap of the default profile takes effect on 2025-10-01.
        service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=100_000,
            as_of=date(2025, 9, 30),
            borrower_ref="before",
            idempotency_key="before-cap",
            overrides=expensive,
        )
        with pytest.raises(CostCapExceeded, match=r"above the 24\.00 % cap"):
            service.book_loan(
                uow,
                product_code="cash-instalment",
                principal_minor=100_000,
                as_of=date(2025, 10, 1),
                borrower_ref="after",
                idempotency_key="after-cap",
                overrides=expensive,
            )


def test_a_reversal_that_a_later_payout_depends_on_is_refused_clearly(
    database: sa.Engine,
) -> None:
    loan_id = book(database)
    day = START + timedelta(days=10)
    with SqlUnitOfWork(database) as uow:
        quote = service.quote_payoff(uow, loan_id=loan_id, on=day)
    pay(database, loan_id, quote.total_minor + 100_000, day, "overpaid")
    with SqlUnitOfWork(database) as uow:
        service.pay_out_credit_balance(
            uow, loan_id=loan_id, amount_minor=100_000, as_of=day, idempotency_key="payout"
        )
        uow.commit()
    with SqlUnitOfWork(database) as uow, pytest.raises(ReversalBlocked, match="reverse that"):
        service.reverse_event(
            uow, loan_id=loan_id, reversed_key="overpaid", as_of=day, idempotency_key="bounce"
        )
