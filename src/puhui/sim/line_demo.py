"""The demo lender's credit lines: a year of checkouts, statements and reviews for consumers.

Consumers of the synthetic population apply for a line (students, minors and credit shoppers
are refused by the responsible-lending checks; the rest get what the caps allow), shop at
checkouts, sometimes draw cash or get a refund, convert big statements into instalments, and pay
as their latent risk says: in full, the minimum, or nothing. Every day the line jobs run — the
daily pass, the statement run, the collection plan — and on the first of each month the limit
review, with the simulated bureau answering for the candidates. Deterministic by seed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from puhui.batch.collections import plan_contacts
from puhui.batch.line_jobs import run_line_day, run_line_statements
from puhui.batch.line_review import run_line_review
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import PuhuiError
from puhui.lines import service
from puhui.lines.errors import LineRefused
from puhui.lines.responsible import BorrowerFacts
from puhui.lines.review import load_review_policy
from puhui.sim.population import ApplicantKind, Population
from puhui.sim.sources import SimulatedSources
from puhui.storage.uow import SqlUnitOfWork

SHOPPING_CHANCE = 0.07  # a line holder checks out about twice a month
CASH_CHANCE = 0.01
REFUND_CHANCE = 0.04
CONVERT_SHARE_OF_INCOME = 1.0  # statements above a month's income are converted (6 parts)


@dataclass
class LineDemoStats:
    applied: int = 0
    opened: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    checkouts: int = 0
    checkouts_refused: Counter[str] = field(default_factory=Counter)
    prompts: Counter[str] = field(default_factory=Counter)
    refunds: int = 0
    cash_draws: int = 0
    conversions: int = 0
    payments: Counter[str] = field(default_factory=Counter)
    statements: int = 0
    late_fees: int = 0
    contacts_planned: int = 0  # reminders and collection contacts, loans and lines together
    review_changes: Counter[str] = field(default_factory=Counter)


@dataclass
class _Holder:
    line_id: int
    applicant_id: int
    limit_minor: int
    income_minor: int
    spend_share: float
    risk: float  # the true probability of default: how this borrower pays
    orders: list[str] = field(default_factory=list)


class LineDemo:
    """Credit lines for the consumers among `applicant_ids`, applying over `opening_days`;
    call `run_day` once a day, after the loans' end-of-day."""

    def __init__(
        self,
        engine: sa.Engine,
        profile: JurisdictionProfile,
        population: Population,
        *,
        applicant_ids: list[int],
        first_day: date,
        opening_days: int,
        net_assets_minor: int,
        seed: int,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.population = population
        self.bureau = SimulatedSources(population).bureau
        self.net_assets_minor = net_assets_minor
        self.rng = random.Random(seed)
        self.stats = LineDemoStats()
        self.holders: list[_Holder] = []
        people = population.applicants(np.array(applicant_ids, dtype=np.int64))
        self.openings: dict[date, list[int]] = {}
        for index in range(len(applicant_ids)):
            if people.kind[index] == ApplicantKind.CONSUMER:
                day = first_day + timedelta(self.rng.randrange(opening_days))
                self.openings.setdefault(day, []).append(index)
        self.people = people
        self.applicant_ids = applicant_ids

    def facts(self, applicant_ids: list[int], on: date) -> dict[int, BorrowerFacts]:
        people = self.population.applicants(np.array(applicant_ids, dtype=np.int64))
        report = self.bureau.reports(applicant_ids, consented=[True] * len(applicant_ids), as_of=on)
        return {
            applicant: BorrowerFacts(
                age=int(people.age[i]),
                is_student=bool(people.is_student[i]),
                monthly_income_minor=int(people.monthly_income_minor[i]),
                bureau_inquiries_30d=int(report.inquiries_30d[i]),
                other_lenders_balance_minor=int(report.other_balance_minor[i]),
            )
            for i, applicant in enumerate(applicant_ids)
        }

    def _open_lines(self, day: date) -> None:
        """The consumers applying today; each gets what the responsible-lending checks allow."""
        for index in self.openings.get(day, []):
            applicant = self.applicant_ids[index]
            facts = self.facts([applicant], day)[applicant]
            self.stats.applied += 1
            try:
                with SqlUnitOfWork(self.engine, self.profile) as uow:
                    opened = service.open_line(
                        uow,
                        borrower_ref=f"applicant-{applicant}",
                        facts=facts,
                        product_code="credit-line",
                        requested_limit_minor=max(100_000, 3 * facts.monthly_income_minor),
                        statement_day=self.rng.randint(1, 28),
                        as_of=day,
                        idempotency_key=f"demo-line:{applicant}",
                        net_assets_minor=self.net_assets_minor,
                    )
                    uow.commit()
            except LineRefused as refused:
                self.stats.refused[refused.reason_code] += 1
                continue
            self.stats.opened += 1
            self.holders.append(
                _Holder(
                    opened.line_id,
                    applicant,
                    opened.limit_minor,
                    facts.monthly_income_minor,
                    float(self.people.spend_share[index]),
                    float(self.people.true_pd[index]),
                )
            )

    def run_day(self, day: date) -> None:
        self._open_lines(day)
        for holder in self.holders:
            self._shop(holder, day)
        self._pay_dues(day)
        summary = run_line_day(self.engine, day)
        self.stats.late_fees += summary.late_fees_charged
        cut = run_line_statements(self.engine, day)
        self.stats.statements += cut.lines
        self.stats.late_fees += cut.late_fees_charged
        self._convert_big_statements(day)
        plan = plan_contacts(self.engine, day)
        self.stats.contacts_planned += plan.reminders + plan.collections
        if day.day == 1:
            review = run_line_review(
                self.engine,
                day,
                self.profile,
                load_review_policy(),
                bureau=lambda refs: self._bureau_facts(refs, day),
                net_assets_minor=self.net_assets_minor,
            )
            self.stats.review_changes.update(review.changes)

    def _bureau_facts(self, refs: Sequence[str], day: date) -> dict[str, BorrowerFacts]:
        ids = [int(ref.removeprefix("applicant-")) for ref in refs]
        return {f"applicant-{a}": facts for a, facts in self.facts(ids, day).items()}

    def _call(self, use_case: object, **kwargs: object) -> dict[str, object] | None:
        try:
            with SqlUnitOfWork(self.engine, self.profile) as uow:
                outcome = use_case(uow, **kwargs)  # type: ignore[operator]
                uow.commit()
        except LineRefused as refused:
            self.stats.checkouts_refused[refused.reason_code] += 1
            return None
        return outcome  # type: ignore[no-any-return]

    def _shop(self, holder: _Holder, day: date) -> None:
        chance = self.rng.random()
        if chance < SHOPPING_CHANCE:
            # Baskets scale with the borrower's limit; big spenders buy more.
            share = self.rng.uniform(0.02, 0.12) * (0.5 + holder.spend_share)
            amount = max(1_000, int(holder.limit_minor * share))
            order = f"{holder.line_id}-{day.isoformat()}"
            self.stats.checkouts += 1
            held = self._call(
                service.authorise,
                line_id=holder.line_id,
                order_id=order,
                amount_minor=amount,
                as_of=day,
                net_assets_minor=self.net_assets_minor,
            )
            if held is None:
                return
            prompts = held["prompts"]
            assert isinstance(prompts, list)
            self.stats.prompts.update(str(prompt) for prompt in prompts)
            if self.rng.random() < 0.97:
                self._call(
                    service.capture,
                    line_id=holder.line_id,
                    order_id=order,
                    amount_minor=amount,
                    as_of=day,
                )
                holder.orders.append(order)
            else:
                self._call(service.release, line_id=holder.line_id, order_id=order, as_of=day)
        elif chance < SHOPPING_CHANCE + CASH_CHANCE:
            if self._call(
                service.draw_cash,
                line_id=holder.line_id,
                amount_minor=max(10_000, holder.income_minor // 10),
                as_of=day,
                idempotency_key=f"demo-cash:{holder.line_id}:{day}",
                net_assets_minor=self.net_assets_minor,
            ):
                self.stats.cash_draws += 1
        elif holder.orders and chance < SHOPPING_CHANCE + CASH_CHANCE + REFUND_CHANCE / 10:
            order = holder.orders.pop(self.rng.randrange(len(holder.orders)))
            try:
                with SqlUnitOfWork(self.engine, self.profile) as uow:
                    line = uow.lines.get(holder.line_id, on=day, orders=(order,))
                    hold = line.holds[order]
                    amount = (hold.captured_minor - hold.refunded_minor) // 2
                    if amount > 0:
                        service.refund(
                            uow,
                            line_id=holder.line_id,
                            order_id=order,
                            amount_minor=amount,
                            as_of=day,
                            idempotency_key=f"demo-refund:{order}",
                        )
                        uow.commit()
                        self.stats.refunds += 1
            except PuhuiError:
                pass

    def _due_in(self, day: date) -> dict[int, tuple[int, int]]:
        """Line id → (statement due, minimum due) of lines whose due date is `day`."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, statement_due_minor, minimum_due_minor FROM credit_lines "
                    "WHERE due_on = :day AND statement_due_minor > 0"
                ),
                {"day": day},
            ).all()
        return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def _pay_dues(self, day: date) -> None:
        """On a due date each borrower pays in full, the minimum, or nothing, by his risk."""
        due = self._due_in(day)
        for holder in self.holders:
            if holder.line_id not in due:
                continue
            in_full, minimum = due[holder.line_id]
            draw = self.rng.random()
            if draw < holder.risk * 3:
                self.stats.payments["nothing"] += 1
                continue
            amount, kind = (minimum, "minimum") if draw < 0.3 else (in_full, "in full")
            if amount > 0 and self._call(
                service.pay,
                line_id=holder.line_id,
                amount_minor=amount,
                as_of=day,
                idempotency_key=f"demo-pay:{holder.line_id}:{day}",
            ):
                self.stats.payments[kind] += 1

    def _convert_big_statements(self, day: date) -> None:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, statement_due_minor, monthly_income_minor FROM credit_lines "
                    "WHERE last_statement_on = :day AND statement_due_minor > 0"
                ),
                {"day": day},
            ).all()
        for line_id, balance, income in rows:
            if balance > CONVERT_SHARE_OF_INCOME * income and self._call(
                service.convert,
                line_id=int(line_id),
                periods=6,
                as_of=day,
                idempotency_key=f"demo-convert:{line_id}:{day}",
            ):
                self.stats.conversions += 1
