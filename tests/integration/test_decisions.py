"""Decisions stored and accepted on a real database: idempotent by application id, offers booked
once, caps re-checked at acceptance, records append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from puhui.batch.verify import verify
from puhui.credit import service
from puhui.credit.errors import ApplicationConflict, DecisionNotFound, OfferNotAcceptable
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.helpers import count
from tests.unit.credit.doubles import ON, application, approved_applicant, engine

CAP = 20_000_000


def decide(database: sa.Engine, app: object) -> object:
    with SqlUnitOfWork(database) as uow:
        record = service.decide_application(uow, engine(), app)  # type: ignore[arg-type]
        uow.commit()
    return record


def test_an_application_is_decided_once_and_its_offer_booked_once(database: sa.Engine) -> None:
    applicant = approved_applicant()
    app = application(applicant)
    first = decide(database, app)
    assert decide(database, app) == first
    assert count(database, "decisions") == 1
    with SqlUnitOfWork(database) as uow:
        accepted = service.accept_offer(
            uow, application_id=app.application_id, as_of=ON, cap_minor=CAP
        )
        again = service.accept_offer(
            uow, application_id=app.application_id, as_of=ON, cap_minor=CAP
        )
        uow.commit()
    assert accepted == again
    assert count(database, "loans") == 1
    with SqlUnitOfWork(database) as uow:
        loan = uow.loans.get(accepted.loan_id, for_update=False)
    assert loan.terms.annual_rate == accepted.annual_rate
    assert loan.terms.principal_minor == accepted.amount_minor
    assert verify(database).ok


def test_an_application_id_reused_with_other_content_is_refused(database: sa.Engine) -> None:
    decide(database, application(11))
    with pytest.raises(ApplicationConflict, match="already used"):
        decide(database, application(11, amount_minor=900_000))
    assert count(database, "decisions") == 1


def test_declined_unknown_or_stale_offers_cannot_be_accepted(database: sa.Engine) -> None:
    declined = application(12, consent_data_use=False)
    decide(database, declined)
    approved = application(approved_applicant())
    decide(database, approved)
    with SqlUnitOfWork(database) as uow:
        with pytest.raises(OfferNotAcceptable, match="no offer to accept"):
            service.accept_offer(
                uow, application_id=declined.application_id, as_of=ON, cap_minor=CAP
            )
        with pytest.raises(DecisionNotFound):
            service.accept_offer(uow, application_id="nobody", as_of=ON, cap_minor=CAP)
        with pytest.raises(OfferNotAcceptable, match="valid for 7 days"):
            service.accept_offer(
                uow,
                application_id=approved.application_id,
                as_of=ON + timedelta(days=8),
                cap_minor=CAP,
            )
    assert count(database, "loans") == 0


def test_acceptance_rechecks_the_per_borrower_cap_against_what_is_owed_now(
    database: sa.Engine,
) -> None:
    applicant = approved_applicant()
    first = application(applicant, application_id="first")
    second = application(applicant, application_id="second")
    decide(database, first)
    decide(database, second)
    with SqlUnitOfWork(database) as uow:
        booked = service.accept_offer(uow, application_id="first", as_of=ON, cap_minor=1_000_000)
        with pytest.raises(OfferNotAcceptable, match="above the per-borrower cap"):
            service.accept_offer(
                uow, application_id="second", as_of=ON, cap_minor=booked.amount_minor + 100
            )
        # a replay is not checked again: its own loan is already in the borrower's balance
        replayed = service.accept_offer(
            uow, application_id="first", as_of=ON, cap_minor=booked.amount_minor + 100
        )
        uow.commit()
    assert replayed == booked
    assert count(database, "loans") == 1


def test_decision_records_are_append_only(database: sa.Engine) -> None:
    decide(database, application(13))
    for statement in ("UPDATE decisions SET outcome = 'approve'", "DELETE FROM decisions"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), database.begin() as c:
            c.exec_driver_sql(statement)
