"""Decisioning use cases: decide an application (once), accept its offer, explain, replay.

An application id is the channel's idempotency key: deciding the same application twice returns
the first decision; the same id with different content is refused. Accepting an offer books the
loan through the servicing core with the application id as the booking key, so a retried
acceptance books once; the per-borrower caps are checked again under a lock on the borrower at
that moment, because other loans may have been booked since the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from puhui.credit.application import Application
from puhui.credit.decision import DecisionRecord
from puhui.credit.engine import DecisionEngine
from puhui.credit.errors import ApplicationConflict, DecisionNotFound, OfferNotAcceptable
from puhui.credit.ports import CreditUnitOfWork
from puhui.credit.strategy import Outcome
from puhui.loans import service as loans

OFFER_VALID_DAYS = 7


def borrower_ref(applicant_id: int) -> str:
    return f"applicant-{applicant_id}"


def id_reused(application_id: str) -> ApplicationConflict:
    return ApplicationConflict(
        f"application id {application_id!r} was already used for a different application; "
        "use a new id"
    )


def decide_application(
    uow: CreditUnitOfWork, engine: DecisionEngine, application: Application
) -> DecisionRecord:
    """Decide (or return the stored decision of) an application, and store the record."""
    uow.events.lock_key(f"application:{application.application_id}")
    exposure = uow.exposure.outstanding_principal_later(borrower_ref(application.applicant_id))
    found = uow.decisions.find(application.application_id)  # (with the lock and the exposure)
    if found is not None:
        record, stored = found
        if stored.fingerprint() != application.fingerprint():
            raise id_reused(application.application_id)
        return record
    return decide_unseen_application(uow, engine, application, exposure())


def decide_unseen_application(
    uow: CreditUnitOfWork,
    engine: DecisionEngine,
    application: Application,
    existing_exposure_minor: int,
) -> DecisionRecord:
    """Decide and store an application whose id the caller has locked and found unused (the
    API does that itself, to answer a retry with the stored application), with what the
    borrower owes now (read by the caller with that lookup: one round trip for both)."""
    record = engine.decide(application, existing_exposure_minor=existing_exposure_minor)
    uow.decisions.append(record, application)
    return record


@dataclass(frozen=True, slots=True)
class Acceptance:
    loan_id: int
    amount_minor: int
    annual_rate: Decimal
    periods: int


def accept_offer(
    uow: CreditUnitOfWork, *, application_id: str, as_of: date, cap_minor: int
) -> Acceptance:
    """Book the offered loan (idempotent by application id); `cap_minor` is the per-borrower
    cap in force, checked against everything the borrower owes now."""
    found = uow.decisions.find(application_id)
    if found is None:
        raise DecisionNotFound(f"no decision for application {application_id!r}")
    record, application = found
    offer = record.offer
    if record.outcome != Outcome.APPROVE.value or offer is None:
        raise OfferNotAcceptable(
            f"application {application_id!r} was {record.outcome}; there is no offer to accept"
        )
    if not record.business_date <= as_of <= record.business_date + timedelta(OFFER_VALID_DAYS):
        raise OfferNotAcceptable(
            f"the offer of {record.business_date} was valid for {OFFER_VALID_DAYS} days; "
            "apply again"
        )
    reference = borrower_ref(application.applicant_id)
    uow.events.lock_key(f"borrower:{reference}")  # the borrower's balance holds still
    owed_now = uow.exposure.outstanding_principal_later(reference)  # with book_loan's lookup

    def within_cap() -> None:  # a first booking only: a replay's loan is in the balance already
        owed = owed_now()
        if owed + offer.amount_minor > cap_minor:
            raise OfferNotAcceptable(
                f"accepting would take the borrower's balance to {owed + offer.amount_minor}, "
                f"above the per-borrower cap of {cap_minor}; the offer cannot be booked"
            )

    loan_id = loans.book_loan(
        uow,
        product_code=offer.product_code,
        principal_minor=offer.amount_minor,
        as_of=as_of,
        borrower_ref=reference,
        idempotency_key=f"application:{application_id}",
        overrides={"annual_rate": Decimal(offer.annual_rate), "periods": offer.periods},
        before_new=within_cap,
    )
    return Acceptance(loan_id, offer.amount_minor, Decimal(offer.annual_rate), offer.periods)


def find_decision(uow: CreditUnitOfWork, application_id: str) -> DecisionRecord:
    found = uow.decisions.find(application_id)
    if found is None:
        raise DecisionNotFound(f"no decision for application {application_id!r}; check the id")
    return found[0]
