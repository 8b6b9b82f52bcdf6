"""The credit-line aggregate: limits, holds, balances and the statement cycle of one line.

Plain Python, no clock, no database: every operation takes the business date, first brings the
line to that date (`advance_to`: interest accrued, a passed due date judged, stale holds
expired), then checks and changes the line, and records what happened as `LineEvent`s. An
operation that is refused raises before it changes anything.

Money buckets (minor units): `purchase` and `cash` are revolving principal, `converted` is the
principal of instalment conversions not yet billed, `interest` and `fee` are receivables and
`credit` is what the lender owes the borrower (an overpayment or a refund after payment).

Interest: cash draws bear the cash rate from the day they are drawn. Purchases cost nothing if
the statement is paid in full by its due date; otherwise the line is *revolving* from the day
after the due date and purchases bear the purchase rate daily until a statement is paid in full.
Interest is exact per *stretch* of constant interest-bearing balance: whenever the line is
brought to a date the stretch's interest so far is rounded half-up to the fen and only the
difference to what was already recognised is added, and a new stretch starts when the balance
changes. The amount therefore never depends on how often a job looks at the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from puhui.core.money import format_minor
from puhui.core.rounding import RoundingMode, round_minor
from puhui.lines.conversion import InstalmentPlan, quote_conversion
from puhui.lines.errors import LineRefused, OrderConflict, OrderNotFound
from puhui.lines.products import EarlySettlement, LineProduct


class LineStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class HoldStatus(StrEnum):
    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class LineEvent:
    """Something that happened to a line, kept in its history with a reason code."""

    kind: str
    business_date: date
    amount_minor: int = 0
    reason_code: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Hold:
    """A checkout authorisation: `amount` held until captured, released or expired."""

    order_id: str
    amount_minor: int
    authorised_on: date
    expires_on: date
    status: HoldStatus = HoldStatus.HELD
    captured_minor: int = 0
    refunded_minor: int = 0
    plan_id: str | None = None
    captured_on: date | None = None


@dataclass(slots=True)
class LineBalances:
    """The line's sub-ledger: what it owes and owns now, and what crossed the lender's account."""

    purchase_minor: int = 0
    cash_minor: int = 0
    converted_minor: int = 0
    interest_minor: int = 0
    fee_minor: int = 0
    credit_minor: int = 0
    interest_income_minor: int = 0
    fee_income_minor: int = 0
    lent_minor: int = 0  # paid to merchants at capture and to the borrower as cash draws
    received_minor: int = 0  # borrower's payments
    refunds_in_minor: int = 0  # merchants' refunds
    paid_out_minor: int = 0  # credit balances paid back to the borrower

    @property
    def principal_minor(self) -> int:
        return self.purchase_minor + self.cash_minor + self.converted_minor

    @property
    def owed_minor(self) -> int:
        """Everything the borrower owes, net of any credit balance."""
        return self.principal_minor + self.interest_minor + self.fee_minor - self.credit_minor

    def copy(self) -> LineBalances:
        return LineBalances(**{name: getattr(self, name) for name in self.__slots__})


@dataclass(slots=True)
class CreditLine:
    """One borrower's revolving line under one product."""

    line_id: int
    borrower_ref: str
    product: LineProduct
    funder: str
    opened_on: date
    statement_day: int
    granted_limit_minor: int
    monthly_income_minor: int
    status: LineStatus = LineStatus.ACTIVE
    self_set_limit_minor: int | None = None
    temporary_limit_minor: int | None = None
    temporary_until: date | None = None
    spending_cap_minor: int | None = None
    cooling_off_until: date | None = None
    balances: LineBalances = field(default_factory=LineBalances)
    accrued_through: date | None = None
    stretch_start: date | None = None  # interest stretch: since when the base is constant
    stretch_base: tuple[int, int] = (0, 0)  # (cash, revolving purchases) bearing interest
    stretch_interest_minor: int = 0  # interest recognised for the stretch so far
    revolving: bool = False
    last_statement_on: date | None = None
    due_on: date | None = None
    due_judged: bool = True
    statement_due_minor: int = 0
    minimum_due_minor: int = 0
    minimum_charges_minor: int = 0  # interest and fees within the minimum still unpaid
    statement_charges_minor: int = 0  # interest and fees within the statement still unpaid
    overdue_since: date | None = None
    holds: dict[str, Hold] = field(default_factory=dict)
    plans: dict[str, InstalmentPlan] = field(default_factory=dict)
    new_events: list[LineEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 1 <= self.statement_day <= 28:
            raise LineRefused("invalid_statement_day", "the statement day must be 1–28")
        if self.accrued_through is None:
            self.accrued_through = self.opened_on
        if self.stretch_start is None:
            self.stretch_start = self.accrued_through

    # ---- limits --------------------------------------------------------------------------

    def limit_minor(self, on: date) -> int:
        """The lowest applicable limit: granted (or a live temporary increase), self-set."""
        limit = self.granted_limit_minor
        temporary, until = self.temporary_limit_minor, self.temporary_until
        if temporary is not None and until is not None and on <= until:
            limit = max(limit, temporary)
        if self.self_set_limit_minor is not None:
            limit = min(limit, self.self_set_limit_minor)
        return limit

    @property
    def held_minor(self) -> int:
        return sum(h.amount_minor for h in self.holds.values() if h.status is HoldStatus.HELD)

    def available_minor(self, on: date) -> int:
        """What a new authorisation or draw may use: limit − owed − held, never negative."""
        return max(0, self.limit_minor(on) - self.balances.owed_minor - self.held_minor)

    @property
    def exposure_minor(self) -> int:
        """What counts against the borrower's caps: principal owed plus open holds."""
        return self.balances.principal_minor + self.held_minor

    def committed_minor(self, on: date) -> int:
        """What the lender has committed to this borrower on this line: the granted limit (or
        a live temporary one) — the borrower can lift his self-set ceiling at will — or what
        is owed and held, if more. Limit grants and increases count it against the caps."""
        limit = self.granted_limit_minor
        temporary, until = self.temporary_limit_minor, self.temporary_until
        if temporary is not None and until is not None and on <= until:
            limit = max(limit, temporary)
        return max(limit, self.exposure_minor) if self.status is not LineStatus.CLOSED else 0

    def days_past_due(self, on: date) -> int:
        return 0 if self.overdue_since is None else max(0, (on - self.overdue_since).days)

    # ---- time ----------------------------------------------------------------------------

    def advance_to(self, on: date) -> None:
        """Bring the line to `on`: accrue, judge a passed due date, expire stale holds."""
        assert self.accrued_through is not None
        if on < self.accrued_through:
            raise LineRefused(
                "date_in_past",
                f"line {self.line_id} is already at {self.accrued_through}; "
                f"an event on {on} would rewrite its history — use today's date",
            )
        if self.due_on is not None and not self.due_judged and on > self.due_on:
            self._accrue_to(self.due_on + timedelta(1))
            self._judge_due_date()
        self._accrue_to(on)
        self._net_credit()
        for hold in self.holds.values():
            if hold.status is HoldStatus.HELD and on > hold.expires_on:
                hold.status = HoldStatus.EXPIRED
                self.record("hold_expired", on, hold.amount_minor, "hold_expired", hold.order_id)

    def _accrue_to(self, on: date) -> None:
        assert self.accrued_through is not None
        assert self.stretch_start is not None
        if on <= self.accrued_through:
            return
        base = (self.balances.cash_minor, self.balances.purchase_minor if self.revolving else 0)
        if base != self.stretch_base:  # the balance changed since the stretch began
            self.stretch_start = self.accrued_through
            self.stretch_base = base
            self.stretch_interest_minor = 0
        days = (on - self.stretch_start).days
        basis = self.product.day_count_basis
        exact = (
            (
                Decimal(base[0]) * self.product.cash_annual_rate
                + Decimal(base[1]) * self.product.purchase_annual_rate
            )
            * days
            / basis
        )
        total = round_minor(exact, RoundingMode.HALF_UP)
        interest = total - self.stretch_interest_minor
        self.stretch_interest_minor = total
        self.balances.interest_minor += interest
        self.balances.interest_income_minor += interest
        self.accrued_through = on

    def _judge_due_date(self) -> None:
        """The day after a due date: unpaid statement → revolving; unpaid minimum → late."""
        assert self.due_on is not None
        self.due_judged = True
        day = self.due_on + timedelta(1)
        if self.statement_due_minor > 0:
            self.revolving = True
        if self.minimum_due_minor > 0:
            fee = self.product.late_fee_minor
            if fee:
                self.balances.fee_minor += fee
                self.balances.fee_income_minor += fee
            if self.overdue_since is None:
                self.overdue_since = self.due_on
            self.record("late", day, fee, "minimum_payment_missed", f"due {self.due_on}")

    # ---- checkout ------------------------------------------------------------------------

    def authorise(self, order_id: str, amount_minor: int, on: date) -> Hold:
        """Hold `amount` for a merchant order; the same order and amount again is a replay."""
        existing = self.holds.get(order_id)
        if existing is not None:
            if existing.amount_minor != amount_minor:
                raise OrderConflict(
                    f"order {order_id!r} was authorised for {self._money(existing.amount_minor)}, "
                    f"not {self._money(amount_minor)}; a new order needs a new order id"
                )
            return existing
        self._check_amount(amount_minor)
        self.advance_to(on)
        self._check_usable(amount_minor, on)
        hold = Hold(order_id, amount_minor, on, on + timedelta(self.product.hold_days))
        self.holds[order_id] = hold
        self.record("authorised", on, amount_minor, "checkout", order_id)
        return hold

    def capture(self, order_id: str, amount_minor: int, on: date) -> int:
        """Book the purchase (at most the held amount; the rest of the hold is released).

        Returns the amount captured; capturing a captured order again returns the first amount.
        """
        hold = self._hold(order_id)
        if hold.status is HoldStatus.CAPTURED:
            if hold.captured_minor != amount_minor:
                raise OrderConflict(
                    f"order {order_id!r} was captured for {self._money(hold.captured_minor)}, not "
                    f"{self._money(amount_minor)}; a capture happens once"
                )
            return hold.captured_minor
        self._check_amount(amount_minor)
        self.advance_to(on)
        if hold.status is not HoldStatus.HELD:
            raise LineRefused(
                f"hold_{hold.status.value}",
                f"order {order_id!r} is {hold.status.value}; authorise it again to buy",
            )
        if amount_minor > hold.amount_minor:
            raise LineRefused(
                "capture_over_hold",
                f"order {order_id!r} holds {self._money(hold.amount_minor)}; capture at most "
                "that, or authorise a new order for the difference",
            )
        hold.status = HoldStatus.CAPTURED
        hold.captured_minor = amount_minor
        hold.captured_on = on
        self.balances.purchase_minor += amount_minor
        self.balances.lent_minor += amount_minor
        self._net_credit()
        self.record("captured", on, amount_minor, "purchase", order_id)
        return amount_minor

    def release(self, order_id: str, on: date) -> None:
        """Give a hold back (order cancelled); releasing twice is harmless."""
        hold = self._hold(order_id)
        if hold.status in (HoldStatus.RELEASED, HoldStatus.EXPIRED):
            return
        self.advance_to(on)
        if hold.status is HoldStatus.CAPTURED:
            raise LineRefused(
                "hold_captured", f"order {order_id!r} is captured; refund it instead of releasing"
            )
        if hold.status is HoldStatus.HELD:  # advance_to may just have expired it
            hold.status = HoldStatus.RELEASED
            self.record("released", on, hold.amount_minor, "order_cancelled", order_id)

    def refund(self, order_id: str, amount_minor: int, on: date) -> None:
        """A merchant's partial or full refund of a captured order restores the line."""
        hold = self._hold(order_id)
        self._check_amount(amount_minor)
        if hold.status is not HoldStatus.CAPTURED:
            raise LineRefused(
                "order_not_captured", f"order {order_id!r} was never captured; nothing to refund"
            )
        refundable = hold.captured_minor - hold.refunded_minor
        if amount_minor > refundable:
            raise LineRefused(
                "refund_over_purchase",
                f"order {order_id!r} has {self._money(refundable)} left to refund; refund at "
                "most that",
            )
        self.advance_to(on)
        hold.refunded_minor += amount_minor
        rest = amount_minor
        plan = self.plans.get(hold.plan_id or "")
        if plan is not None and plan.status == "active":
            rest -= plan.reduce(rest)
            self.balances.converted_minor -= amount_minor - rest
        taken = min(rest, self.balances.purchase_minor)
        self.balances.purchase_minor -= taken
        self.balances.credit_minor += rest - taken
        self.balances.refunds_in_minor += amount_minor
        self._net_credit()
        self._clamp_dues()
        self.record("refunded", on, amount_minor, "merchant_refund", order_id)
        if self.status is LineStatus.CLOSED:  # nothing is owed on a closed line: pay it back
            self.pay_out_credit(on, f"refund:{order_id}")

    # ---- cash, payments ------------------------------------------------------------------

    def draw_cash(self, amount_minor: int, on: date, reference: str) -> None:
        """Pay cash out against the line; it bears the cash rate from today."""
        self._check_amount(amount_minor)
        self.advance_to(on)
        self._check_usable(amount_minor, on)
        cash_limit = int(Decimal(self.limit_minor(on)) * self.product.cash_limit_share)
        if self.balances.cash_minor + amount_minor > cash_limit:
            raise LineRefused(
                "over_cash_limit",
                f"cash draws may use {self._money(cash_limit)} of this line; "
                f"{self._money(self.balances.cash_minor)} is drawn — draw less",
            )
        self.balances.cash_minor += amount_minor
        self.balances.lent_minor += amount_minor
        self._net_credit()
        self.record("cash_drawn", on, amount_minor, "cash_draw", reference)

    def pay(self, amount_minor: int, on: date, reference: str) -> dict[str, int]:
        """Apply a payment: fees, interest, cash, purchases; anything beyond is a credit."""
        self._check_amount(amount_minor)
        if self.status is LineStatus.CLOSED:
            raise LineRefused("line_closed", f"line {self.line_id} is closed and owes nothing")
        self.advance_to(on)
        left = amount_minor
        applied: dict[str, int] = {}
        for bucket in ("fee_minor", "interest_minor", "cash_minor", "purchase_minor"):
            take = min(left, getattr(self.balances, bucket))
            if take:
                setattr(self.balances, bucket, getattr(self.balances, bucket) - take)
                applied[bucket.removesuffix("_minor")] = take
                left -= take
        if left:
            self.balances.credit_minor += left
            applied["credit"] = left
        self.balances.received_minor += amount_minor
        self.statement_due_minor = max(0, self.statement_due_minor - amount_minor)
        self.minimum_due_minor = max(0, self.minimum_due_minor - amount_minor)
        self.minimum_charges_minor = max(0, self.minimum_charges_minor - amount_minor)
        self.statement_charges_minor = max(0, self.statement_charges_minor - amount_minor)
        self._clamp_dues()
        self.record("paid", on, amount_minor, "repayment", reference, **applied)
        return applied

    def pay_out_credit(self, on: date, reference: str) -> int:
        """Return a credit balance to the borrower; returns the amount paid out."""
        self.advance_to(on)
        amount = self.balances.credit_minor
        if amount:
            self.balances.credit_minor = 0
            self.balances.paid_out_minor += amount
            self.record("credit_paid_out", on, amount, "credit_returned", reference)
        return amount

    # ---- statements ----------------------------------------------------------------------

    def close_statement(self, on: date, *, minimum_payment_allowed: bool = True) -> dict[str, Any]:
        """Cut the statement of `on`: bill a part of each conversion, set what is due.

        The minimum payment is the product's share of the revolving principal plus this
        statement's instalment parts, interest and fees (at least the product's floor); where
        the product has no minimum or the profile does not allow one, the whole balance is due.

        Returns the statement's totals (the service adds its transaction lines and stores the
        immutable document).
        """
        if on.day != self.statement_day:
            raise LineRefused(
                "not_statement_day",
                f"line {self.line_id} cuts statements on day "
                f"{self.statement_day} of the month, not on {on}",
            )
        if self.last_statement_on is not None and on <= self.last_statement_on:
            raise LineRefused("statement_exists", f"the statement of {on} is already cut")
        self.advance_to(on)
        carried_minimum = self.minimum_due_minor if self.overdue_since is not None else 0
        billed_parts = []
        parts = 0
        for plan in self.plans.values():
            if plan.status != "active" or plan.created_on >= on:
                continue  # a conversion of today starts on the next statement, as quoted
            principal, fee = plan.bill_next()
            self.balances.converted_minor -= principal
            self.balances.purchase_minor += principal
            self.balances.fee_minor += fee
            self.balances.fee_income_minor += fee
            parts += principal
            billed_parts.append(
                {
                    "plan_id": plan.plan_id,
                    "part": plan.billed_count,
                    "principal_minor": principal,
                    "fee_minor": fee,
                }
            )
        self._net_credit()
        balances = self.balances
        statement_balance = max(0, balances.owed_minor - balances.converted_minor)
        share = self.product.minimum_payment_share
        if share is None or not minimum_payment_allowed:
            minimum = statement_balance
        else:
            # Instalment parts billed now are due in full; the rest of the principal at `share`.
            revolving_principal = balances.purchase_minor + balances.cash_minor - parts
            part = round_minor(Decimal(revolving_principal) * share, RoundingMode.HALF_UP)
            minimum = parts + part + balances.interest_minor + balances.fee_minor
            # The missed minimum's interest and fees are still in the buckets above; carry
            # only its principal part.
            carried = max(0, carried_minimum - self.minimum_charges_minor)
            minimum = max(minimum, self.product.minimum_payment_floor_minor) + carried
            minimum = min(statement_balance, minimum)
        self.last_statement_on = on
        self.due_on = on + timedelta(self.product.statement_to_due_days)
        self.due_judged = statement_balance == 0
        self.statement_due_minor = statement_balance
        self.minimum_due_minor = minimum
        self.minimum_charges_minor = min(minimum, balances.interest_minor + balances.fee_minor)
        self.statement_charges_minor = min(
            statement_balance, balances.interest_minor + balances.fee_minor
        )
        if statement_balance == 0:
            self.revolving = False
        totals = {
            "statement_date": on.isoformat(),
            "due_date": self.due_on.isoformat(),
            "statement_balance_minor": statement_balance,
            "minimum_payment_minor": minimum,
            "purchase_minor": balances.purchase_minor,
            "cash_minor": balances.cash_minor,
            "interest_minor": balances.interest_minor,
            "fee_minor": balances.fee_minor,
            "converted_unbilled_minor": balances.converted_minor,
            "credit_minor": balances.credit_minor,
            "instalment_parts": billed_parts,
            "credit_limit_minor": self.limit_minor(on),
            "available_minor": self.available_minor(on),
        }
        self.record("statement", on, statement_balance, "statement_cut", on.isoformat())
        return totals

    # ---- instalment conversion -----------------------------------------------------------

    def convert_purchase(
        self, order_id: str, periods: int, on: date, *, cost_cap: Decimal | None = None
    ) -> InstalmentPlan:
        """Convert one captured purchase (less its refunds) into `periods` monthly parts."""
        hold = self._hold(order_id)
        if hold.status is not HoldStatus.CAPTURED or hold.plan_id is not None:
            raise LineRefused(
                "order_not_convertible",
                f"order {order_id!r} is not a captured purchase that is still unconverted",
            )
        self.advance_to(on)
        principal = min(hold.captured_minor - hold.refunded_minor, self.balances.purchase_minor)
        plan = self._convert(
            f"order:{order_id}", principal, periods, on, ("purchase_minor",), cost_cap
        )
        hold.plan_id = plan.plan_id
        on_statement = (
            self.last_statement_on is not None
            and (hold.captured_on or hold.authorised_on) <= self.last_statement_on
        )
        if on_statement:  # the purchase was due on the last statement: now it is in parts
            self.statement_due_minor = max(0, self.statement_due_minor - principal)
        self._clamp_dues()
        return plan

    def convert_statement(
        self, periods: int, on: date, *, cost_cap: Decimal | None = None
    ) -> InstalmentPlan:
        """Convert the unpaid principal of the last statement, before its due date."""
        if self.last_statement_on is None or self.due_on is None or on > self.due_on:
            raise LineRefused(
                "statement_not_convertible",
                "only a statement whose due date has not passed can be converted",
            )
        self.advance_to(on)
        revolving = self.balances.purchase_minor + self.balances.cash_minor
        principal = max(0, min(revolving, self.statement_due_minor - self.statement_charges_minor))
        plan = self._convert(
            f"statement:{self.last_statement_on.isoformat()}",
            principal,
            periods,
            on,
            ("cash_minor", "purchase_minor"),
            cost_cap,
        )
        self.statement_due_minor -= principal
        self._clamp_dues()
        return plan

    def _convert(
        self,
        plan_id: str,
        principal: int,
        periods: int,
        on: date,
        sources: tuple[str, ...],
        cost_cap: Decimal | None,
    ) -> InstalmentPlan:
        """Move `principal` from `sources` into a new plan; refused (nothing changed) when the
        line is not active, the plan exists or its APR passes the annual cost cap."""
        if self.status is not LineStatus.ACTIVE:
            raise LineRefused(f"line_{self.status.value}", f"line {self.line_id} is {self.status}")
        if plan_id in self.plans:
            raise LineRefused("already_converted", f"{plan_id} is already converted")
        quote = quote_conversion(
            self.product,
            principal_minor=principal,
            periods=periods,
            on=on,
            statement_day=self.statement_day,
        )
        if cost_cap is not None and quote.apr.nominal > cost_cap:
            raise LineRefused(
                "over_cost_cap",
                f"converting into {periods} parts costs {quote.apr.nominal_percent()} % a year "
                f"(APR), above the {cost_cap * 100} % cap; choose fewer parts",
            )
        left = principal
        for bucket in sources:
            take = min(left, getattr(self.balances, bucket))
            setattr(self.balances, bucket, getattr(self.balances, bucket) - take)
            left -= take
        self.balances.converted_minor += principal
        plan = InstalmentPlan(
            plan_id,
            on,
            principal,
            periods,
            quote.fee_per_period_minor,
            quote.apr.nominal_percent(),
            quote.fee_rate_per_period,
        )
        self.plans[plan_id] = plan
        self.record(
            "converted",
            on,
            principal,
            "instalment_conversion",
            plan_id,
            periods=periods,
            fee_per_period_minor=quote.fee_per_period_minor,
            apr_percent=str(plan.apr_percent),
        )
        return plan

    def settle_plan(self, plan_id: str, on: date) -> int:
        """Bill the rest of a conversion now; unbilled fees rebated or charged per the product.

        Returns the principal billed (the borrower then pays it like any statement balance).
        """
        plan = self.plans.get(plan_id)
        if plan is None or plan.status != "active":
            raise LineRefused("plan_not_active", f"no active instalment plan {plan_id!r}")
        self.advance_to(on)
        principal = plan.remaining_principal_minor
        fee = 0
        if self.product.early_settlement is EarlySettlement.CHARGE_ALL_FEES:
            fee = plan.fee_per_period_minor * plan.unbilled_periods
        plan.billed_principal_minor = plan.principal_minor
        plan.status = "settled"
        self.balances.converted_minor -= principal
        self.balances.purchase_minor += principal
        self.balances.fee_minor += fee
        self.balances.fee_income_minor += fee
        self.statement_due_minor += principal + fee
        self._net_credit()
        self._clamp_dues()
        self.record("plan_settled", on, principal, "early_settlement", plan_id, fee_minor=fee)
        return principal

    # ---- limits and status ---------------------------------------------------------------

    def set_granted_limit(self, limit_minor: int, on: date, reason_code: str) -> None:
        if limit_minor < 0 or limit_minor > self.product.max_limit_minor:
            raise LineRefused(
                "limit_out_of_range",
                f"a {self.product.code} line's limit is 0–"
                f"{self._money(self.product.max_limit_minor)}",
            )
        before = self.granted_limit_minor
        self.granted_limit_minor = limit_minor
        self.record("limit_changed", on, limit_minor, reason_code, f"from {before}")

    def set_self_limit(self, limit_minor: int | None, on: date, cooling_off_days: int) -> None:
        """The borrower's own ceiling: lowering takes effect at once and starts a cooling-off."""
        if limit_minor is not None and limit_minor < 0:
            raise LineRefused("limit_out_of_range", "a self-set limit cannot be negative")
        before = self.limit_minor(on)
        self.self_set_limit_minor = limit_minor
        if limit_minor is not None and limit_minor < before:
            self.cooling_off_until = on + timedelta(cooling_off_days)
        self.record("self_limit_set", on, limit_minor or 0, "borrower_request", f"from {before}")

    def grant_temporary_increase(
        self, limit_minor: int, until: date, on: date, reason_code: str
    ) -> None:
        if limit_minor <= self.granted_limit_minor or until < on:
            raise LineRefused(
                "temporary_increase_invalid",
                "a temporary limit must exceed the granted limit and end on or after today",
            )
        if limit_minor > self.product.max_limit_minor:
            raise LineRefused(
                "limit_out_of_range",
                f"the product's largest limit is {self._money(self.product.max_limit_minor)}",
            )
        self.temporary_limit_minor = limit_minor
        self.temporary_until = until
        self.record("temporary_increase", on, limit_minor, reason_code, f"until {until}")

    def set_spending_cap(self, cap_minor: int | None, on: date) -> None:
        """The borrower's cap on purchases per 30 days (after a rational-spending prompt)."""
        if cap_minor is not None and cap_minor < 0:
            raise LineRefused("invalid_spending_cap", "a spending cap cannot be negative")
        self.spending_cap_minor = cap_minor
        self.record("spending_cap_set", on, cap_minor or 0, "borrower_request")

    def freeze(self, on: date, reason_code: str) -> None:
        if self.status is LineStatus.CLOSED:
            raise LineRefused("line_closed", f"line {self.line_id} is closed")
        self.status = LineStatus.FROZEN
        self.record("frozen", on, 0, reason_code)

    def unfreeze(self, on: date, reason_code: str) -> None:
        if self.status is not LineStatus.FROZEN:
            raise LineRefused("line_not_frozen", f"line {self.line_id} is {self.status}")
        self.status = LineStatus.ACTIVE
        self.record("unfrozen", on, 0, reason_code)

    def close(self, on: date, reason_code: str) -> None:
        self.advance_to(on)
        if self.balances.owed_minor > 0 or self.held_minor or self.balances.credit_minor:
            raise LineRefused(
                "line_not_settled",
                f"line {self.line_id} still has {self._money(self.balances.owed_minor)} owed, "
                f"{self._money(self.held_minor)} held and "
                f"{self._money(self.balances.credit_minor)} in credit; settle, release and pay "
                "out first",
            )
        self.status = LineStatus.CLOSED
        self.record("closed", on, 0, reason_code)

    # ---- helpers -------------------------------------------------------------------------

    def _money(self, minor: int) -> str:
        return f"{format_minor(minor, self.product.currency)} {self.product.currency.code}"

    def _hold(self, order_id: str) -> Hold:
        hold = self.holds.get(order_id)
        if hold is None:
            raise OrderNotFound(f"line {self.line_id} has no order {order_id!r}")
        return hold

    @staticmethod
    def _check_amount(amount_minor: int) -> None:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
            raise LineRefused("invalid_amount", "the amount must be a positive whole number of fen")

    def _check_usable(self, amount_minor: int, on: date) -> None:
        if self.status is not LineStatus.ACTIVE:
            raise LineRefused(
                f"line_{self.status.value}",
                f"line {self.line_id} is {self.status.value}; nothing can be drawn on it",
            )
        available = self.available_minor(on)
        if amount_minor > available:
            raise LineRefused(
                "over_available",
                f"{self._money(amount_minor)} is more than the {self._money(available)} "
                f"available on line {self.line_id}",
            )
        if self.spending_cap_minor is not None:
            spent = self.spent_minor(on)
            if spent + amount_minor > self.spending_cap_minor:
                raise LineRefused(
                    "over_spending_cap",
                    f"the borrower capped spending at {self._money(self.spending_cap_minor)} per "
                    f"30 days and has used {self._money(spent)}; he can raise or remove his cap "
                    "in the app",
                )

    def spent_minor(self, on: date, days: int = 30) -> int:
        """Authorised purchases and cash in the last `days` days (for caps and prompts)."""
        since = on - timedelta(days - 1)
        return sum(
            h.amount_minor if h.status is HoldStatus.HELD else h.captured_minor
            for h in self.holds.values()
            if h.authorised_on >= since and h.status in (HoldStatus.HELD, HoldStatus.CAPTURED)
        )

    def _net_credit(self) -> None:
        """A credit balance pays what is owed first (interest, fees, then principal)."""
        for bucket in ("fee_minor", "interest_minor", "cash_minor", "purchase_minor"):
            take = min(self.balances.credit_minor, getattr(self.balances, bucket))
            if take:
                setattr(self.balances, bucket, getattr(self.balances, bucket) - take)
                self.balances.credit_minor -= take

    def _clamp_dues(self) -> None:
        owed_now = max(0, self.balances.owed_minor - self.balances.converted_minor)
        self.statement_due_minor = min(self.statement_due_minor, owed_now)
        self.minimum_due_minor = min(self.minimum_due_minor, self.statement_due_minor)
        self.minimum_charges_minor = min(self.minimum_charges_minor, self.minimum_due_minor)
        self.statement_charges_minor = min(self.statement_charges_minor, self.statement_due_minor)
        if self.statement_due_minor == 0:
            self.revolving = False  # paid in full: purchases are interest-free again
        if self.minimum_due_minor == 0:
            self.overdue_since = None

    def record(
        self, kind: str, on: date, amount: int, reason: str, reference: str = "", **detail: Any
    ) -> None:
        """Add an event to the line's history (saved with the line)."""
        if reference:
            detail = {"reference": reference, **detail}
        self.new_events.append(LineEvent(kind, on, amount, reason, detail))
