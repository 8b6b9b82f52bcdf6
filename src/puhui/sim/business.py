"""Run a simulated lending business day by day: apply, book, collect, refund, reverse, close.

Each business day is one transaction of events through the decisioning and servicing services
(exactly what a lender's channels would post) followed by end-of-day. With underwriting, cash
loans and BNPL plans are applications decided by the engine and booked only when its offer is
accepted; borrowers act on the amounts the loans say are due, so the simulation exercises the
real allocation, prepayment and delinquency rules.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from puhui.batch.eod import DaySummary, run_eod
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import PuhuiError
from puhui.credit.decision import DecisionRecord
from puhui.credit.errors import OfferNotAcceptable
from puhui.credit.service import accept_offer, decide_application
from puhui.credit.strategy import Outcome, borrower_cap
from puhui.loans import service
from puhui.loans.products import ProductKind
from puhui.sim.applications import application_for
from puhui.sim.portfolio import Behaviour, PlannedLoan
from puhui.sim.underwriting import Underwriting
from puhui.storage.tables import instalments, loans
from puhui.storage.uow import SqlUnitOfWork

MAX_DAYS = 3_660


@dataclass
class Funnel:
    """What the decision engine made of the year's applications."""

    applications: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_strategy: Counter[tuple[str, str]] = field(default_factory=Counter)
    decline_reasons: Counter[str] = field(default_factory=Counter)
    defaulters: Counter[str] = field(default_factory=Counter)  # by outcome: the ground truth
    refused_at_acceptance: int = 0
    booked: int = 0

    def record(self, decision: DecisionRecord, *, will_default: bool) -> None:
        self.applications += 1
        self.outcomes[decision.outcome] += 1
        self.defaulters[decision.outcome] += will_default
        self.by_strategy[(decision.strategy, decision.outcome)] += 1
        if decision.outcome == Outcome.DECLINE.value and decision.reasons:
            self.decline_reasons[decision.reasons[0].description] += 1


@dataclass
class SimulationStats:
    booked: int = 0
    repayments: int = 0
    reversals: int = 0
    refunds: int = 0
    payouts: int = 0
    refused: int = 0
    funnel: Funnel = field(default_factory=Funnel)
    eod: list[DaySummary] = field(default_factory=list)


@dataclass
class _Borrower:
    plan: PlannedLoan
    loan_id: int
    principal_minor: int
    payments: int = 0
    bounced: bool = False


def _due_today(connection: sa.Connection, day: date) -> list[int]:
    rows = connection.execute(
        sa.select(instalments.c.loan_id)
        .distinct()
        .join(loans, loans.c.id == instalments.c.loan_id)
        .where(instalments.c.due_date == day, loans.c.status.in_(("active", "overdue")))
    ).scalars()
    return sorted(int(r) for r in rows)


class Simulation:
    """A lending business over a run of days, driven by a portfolio plan."""

    def __init__(
        self,
        engine: sa.Engine,
        profile: JurisdictionProfile,
        plan: list[PlannedLoan],
        seed: int,
        underwriting: Underwriting | None = None,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.underwriting = underwriting
        self.rng = random.Random(seed)
        self.bookings: dict[date, list[PlannedLoan]] = defaultdict(list)
        for planned in plan:
            self.bookings[planned.booking_date].append(planned)
        self.borrowers: dict[int, _Borrower] = {}
        self.actions: dict[date, list[tuple[str, int, str]]] = defaultdict(list)
        self.stats = SimulationStats()

    def run(
        self,
        first_day: date,
        days: int,
        progress: Callable[[date, int], None] | None = None,
        after_eod: Callable[[date], None] | None = None,
    ) -> SimulationStats:
        """Simulate each day: bookings, collections, planned actions, end-of-day, then
        `after_eod` (the demo's credit lines run there)."""
        for offset in range(min(days, MAX_DAYS)):
            day = first_day + timedelta(days=offset)
            with SqlUnitOfWork(self.engine, self.profile) as uow:
                self._book(uow, day)
                self._collect(uow, day)
                self._scheduled(uow, day)
                uow.commit()
            self.stats.eod.extend(run_eod(self.engine, day, self.profile))
            if after_eod:
                after_eod(day)
            if progress:
                progress(day, offset + 1)
        return self.stats

    def _later(self, day: date, days: int, action: str, loan_id: int, key: str) -> None:
        self.actions[day + timedelta(days=days)].append((action, loan_id, key))

    def _book(self, uow: SqlUnitOfWork, day: date) -> None:
        for planned in self.bookings.pop(day, []):
            if planned.applicant_id is not None and self.underwriting is not None:
                booked = self._apply(uow, day, planned, self.underwriting)
            else:
                booked = self._book_directly(uow, day, planned)
            if booked is None:
                continue
            loan_id, principal = booked
            self.stats.booked += 1
            self.borrowers[loan_id] = _Borrower(planned, loan_id, principal)
            self._plan_one_offs(day, planned, loan_id)

    def _apply(
        self, uow: SqlUnitOfWork, day: date, planned: PlannedLoan, underwriting: Underwriting
    ) -> tuple[int, int] | None:
        """Apply through the decision engine and accept any offer: (loan id, principal) or
        None when the application was not approved or its offer could not be booked."""
        assert planned.applicant_id is not None
        application = application_for(
            underwriting.population,
            planned.applicant_id,
            product_code=planned.product_code,
            amount_minor=planned.principal_minor,
            periods=planned.periods or 12,
            business_date=day,
            application_id=planned.key,
        )
        decision = decide_application(uow, underwriting.engine, application)
        self.stats.funnel.record(decision, will_default=planned.behaviour is Behaviour.DEFAULTER)
        if decision.outcome != Outcome.APPROVE.value:
            return None
        cap = borrower_cap(
            self.profile,
            underwriting.engine.config.lender,
            is_merchant=application.kind == "merchant",
            on=day,
        )
        try:
            accepted = accept_offer(
                uow, application_id=application.application_id, as_of=day, cap_minor=cap
            )
        except OfferNotAcceptable:
            self.stats.funnel.refused_at_acceptance += 1
            return None
        self.stats.funnel.booked += 1
        return accepted.loan_id, accepted.amount_minor

    def _book_directly(
        self, uow: SqlUnitOfWork, day: date, planned: PlannedLoan
    ) -> tuple[int, int]:
        """Book a loan whose credit decision was made outside the engine (farm, business)."""
        _, product = uow.products.current(planned.product_code)
        if product.kind is ProductKind.REVOLVING_DRAW:
            facility_id = service.open_facility(
                uow,
                product_code=planned.product_code,
                approved_minor=planned.principal_minor,
                as_of=day,
                borrower_ref=planned.borrower_ref,
                idempotency_key=f"{planned.key}-facility",
            )
            drawn = planned.principal_minor // 2
            loan_id = service.draw(
                uow,
                facility_id=facility_id,
                amount_minor=drawn,
                as_of=day,
                idempotency_key=planned.key,
            )
            return loan_id, drawn
        overrides = {"periods": planned.periods} if planned.periods else None
        loan_id = service.book_loan(
            uow,
            product_code=planned.product_code,
            principal_minor=planned.principal_minor,
            as_of=day,
            borrower_ref=planned.borrower_ref,
            idempotency_key=planned.key,
            overrides=overrides,
            harvest_dates=planned.harvest_dates,
        )
        return loan_id, planned.principal_minor

    def _plan_one_offs(self, day: date, planned: PlannedLoan, loan_id: int) -> None:
        if planned.behaviour is Behaviour.PREPAYER:
            self._later(day, planned.settle_after_days, "settle", loan_id, f"{planned.key}-settle")
        if planned.behaviour is Behaviour.REFUNDER:
            self._later(day, planned.refund_after_days, "refund", loan_id, f"{planned.key}-refund")
        if planned.behaviour is Behaviour.DEFAULTER and self.rng.randrange(100) < 40:
            # Collections recover part of some defaulted loans after charge-off.
            self._later(
                day, 330 + self.rng.randrange(30), "recover", loan_id, f"{planned.key}-recovery"
            )
        if planned.product_code == "working-capital":
            self._later(
                day, 20 + self.rng.randrange(60), "repay_some", loan_id, f"{planned.key}-part"
            )

    def _collect(self, uow: SqlUnitOfWork, day: date) -> None:
        """Borrowers with an instalment due today act on it per their behaviour."""
        for loan_id in _due_today(uow.connection, day):
            borrower = self.borrowers.get(loan_id)
            if borrower is None:
                continue
            behaviour = borrower.plan.behaviour
            key = f"{borrower.plan.key}-pay-{day.isoformat()}"
            if (
                behaviour is Behaviour.DEFAULTER
                and borrower.payments >= borrower.plan.default_after_payments
            ):
                continue
            if behaviour is Behaviour.LATE:
                self._later(day, borrower.plan.late_days, "pay_due", loan_id, key)
            elif behaviour is Behaviour.PARTIAL:
                self._pay(uow, day, borrower, key, share_percent=60)
                self._later(day, 10, "pay_due", loan_id, key + "-rest")
            else:
                self._pay(uow, day, borrower, key)
                if behaviour is Behaviour.BOUNCER and not borrower.bounced:
                    borrower.bounced = True
                    self._later(day, 3, "bounce", loan_id, key)

    def _pay(
        self, uow: SqlUnitOfWork, day: date, borrower: _Borrower, key: str, share_percent: int = 100
    ) -> None:
        due = service.amount_due(uow, loan_id=borrower.loan_id, on=day)
        amount = due * share_percent // 100
        if amount <= 0:
            return
        service.post_repayment(
            uow, loan_id=borrower.loan_id, amount_minor=amount, as_of=day, idempotency_key=key
        )
        borrower.payments += 1
        self.stats.repayments += 1

    def _scheduled(self, uow: SqlUnitOfWork, day: date) -> None:
        for action, loan_id, key in self.actions.pop(day, []):
            borrower = self.borrowers[loan_id]
            try:
                self._act(uow, day, action, borrower, key)
            except PuhuiError:
                # A planned action that no longer applies (the loan closed or was charged
                # off first) is refused by the service, exactly as a real channel would be.
                self.stats.refused += 1

    def _act(
        self, uow: SqlUnitOfWork, day: date, action: str, borrower: _Borrower, key: str
    ) -> None:
        loan_id = borrower.loan_id
        if action == "pay_due":
            self._pay(uow, day, borrower, key)
        elif action == "bounce":
            service.reverse_event(
                uow, loan_id=loan_id, reversed_key=key, as_of=day, idempotency_key=f"{key}-bounced"
            )
            self.stats.reversals += 1
        elif action == "settle":
            quote = service.quote_payoff(uow, loan_id=loan_id, on=day)
            if quote.total_minor > 0:
                service.post_repayment(
                    uow,
                    loan_id=loan_id,
                    amount_minor=quote.total_minor,
                    as_of=day,
                    idempotency_key=key,
                )
                self.stats.repayments += 1
        elif action == "refund":
            amount = borrower.principal_minor * borrower.plan.refund_share_percent // 100
            service.post_merchant_refund(
                uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
            )
            self.stats.refunds += 1
            self._later(day, 2, "payout", loan_id, f"{key}-payout")
        elif action == "payout":
            credit = uow.loans.get(loan_id, for_update=True).credit_balance_minor
            if credit > 0:
                service.pay_out_credit_balance(
                    uow, loan_id=loan_id, amount_minor=credit, as_of=day, idempotency_key=key
                )
                self.stats.payouts += 1
        elif action == "recover":
            amount = borrower.principal_minor * self.rng.choice([10, 20, 30]) // 100
            service.post_repayment(
                uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
            )
            self.stats.repayments += 1
        elif action == "repay_some":
            due = service.quote_payoff(uow, loan_id=loan_id, on=day).total_minor
            amount = due * self.rng.choice([30, 50, 100]) // 100
            if amount > 0:
                service.post_repayment(
                    uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
                )
                self.stats.repayments += 1
