"""`puhui loan …`: book, repay, refund, write off, reverse, quote and show a loan.

Every command that moves money takes an idempotency key (`--key`). Without one, the key is
derived from the request itself (operation, loan, date, amount), so running the same command
twice applies it once; give distinct keys for two genuinely separate identical payments.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.options import DatabaseOption, DateOption, KeyOption
from puhui.cli.output import console
from puhui.cli.parsing import parse_amount, parse_day, parse_percent
from puhui.core.money import format_minor
from puhui.loans import service
from puhui.storage.uow import SqlUnitOfWork

loan_app = typer.Typer(help="Service individual loans.", no_args_is_help=True)


@loan_app.command("book")
@exits_cleanly
def book_command(
    product: Annotated[str, typer.Option(help="Product code, e.g. cash-instalment.")],
    principal: Annotated[str, typer.Option(help="Amount lent, major units.")],
    business_date: DateOption,
    borrower: Annotated[str, typer.Option(help="Your reference for the borrower.")],
    periods: Annotated[int | None, typer.Option(help="Number of periods.")] = None,
    annual_rate_percent: Annotated[str | None, typer.Option(help="Annual rate in %.")] = None,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Book and disburse a loan; prints its id."""
    day = parse_day(business_date)
    amount = parse_amount(principal, "principal")
    overrides: dict[str, Any] = {}
    if periods is not None:
        overrides["periods"] = periods
    if annual_rate_percent is not None:
        overrides["annual_rate"] = parse_percent(annual_rate_percent, "annual rate")
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        loan_id = service.book_loan(
            uow,
            product_code=product,
            principal_minor=amount,
            as_of=day,
            borrower_ref=borrower,
            idempotency_key=key
            or f"cli:book:{borrower}:{product}:{day}:{amount}:{periods}:{annual_rate_percent}",
            overrides=overrides,
        )
        uow.commit()
    console.print(f"loan {loan_id} booked and disbursed: {format_minor(amount)} on {day}")


@loan_app.command("repay")
@exits_cleanly
def repay_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    amount: Annotated[str, typer.Option(help="Amount paid, major units.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Apply a borrower's payment (allocation, prepayment or credit per the product)."""
    day = parse_day(business_date)
    paid = parse_amount(amount)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        outcome = service.post_repayment(
            uow,
            loan_id=loan_id,
            amount_minor=paid,
            as_of=day,
            idempotency_key=key or f"cli:repay:{loan_id}:{day}:{paid}",
        )
        uow.commit()
    console.print(
        f"loan {loan_id}: {format_minor(outcome.amount_minor)} applied — billed amounts "
        f"{format_minor(outcome.allocated_minor)}, principal prepaid "
        f"{format_minor(outcome.prepaid_principal_minor)}, held as credit "
        f"{format_minor(outcome.credit_minor)}, recovered {format_minor(outcome.recovered_minor)}"
        + ("; the loan is now closed" if outcome.closed else "")
    )


@loan_app.command("refund")
@exits_cleanly
def refund_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    amount: Annotated[str, typer.Option(help="Amount the merchant refunds, major units.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Apply a merchant refund to a buy-now-pay-later plan."""
    day = parse_day(business_date)
    refunded = parse_amount(amount)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        service.post_merchant_refund(
            uow,
            loan_id=loan_id,
            amount_minor=refunded,
            as_of=day,
            idempotency_key=key or f"cli:refund:{loan_id}:{day}:{refunded}",
        )
        uow.commit()
    console.print(f"loan {loan_id}: merchant refund of {format_minor(refunded)} applied")


@loan_app.command("write-off")
@exits_cleanly
def write_off_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write a loan off now; later payments are recoveries."""
    day = parse_day(business_date)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        service.write_off_loan(
            uow, loan_id=loan_id, as_of=day, idempotency_key=key or f"cli:write-off:{loan_id}:{day}"
        )
        uow.commit()
    console.print(f"loan {loan_id} written off on {day}")


@loan_app.command("reverse")
@exits_cleanly
def reverse_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    payment_key: Annotated[str, typer.Option(help="Key of the payment or refund to reverse.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Reverse a payment or refund (e.g. it bounced), restoring the loan exactly."""
    day = parse_day(business_date)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        service.reverse_event(
            uow,
            loan_id=loan_id,
            reversed_key=payment_key,
            as_of=day,
            idempotency_key=key or f"cli:reverse:{loan_id}:{payment_key}",
        )
        uow.commit()
    console.print(f"loan {loan_id}: {payment_key} reversed on {day}")


@loan_app.command("quote")
@exits_cleanly
def quote_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """What settles the loan in full on a date."""
    day = parse_day(business_date)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        quote = service.quote_payoff(uow, loan_id=loan_id, on=day)
    console.print(
        f"loan {loan_id} is settled on {day} by {format_minor(quote.total_minor)}: billed "
        f"{format_minor(quote.billed_minor)}, principal {format_minor(quote.principal_minor)}, "
        f"interest {format_minor(quote.interest_minor)}, fees {format_minor(quote.fee_minor)}, "
        f"less credit {format_minor(quote.credit_minor)}"
    )


@loan_app.command("show")
@exits_cleanly
def show_command(
    loan_id: Annotated[int, typer.Argument(help="The loan id.")],
    database_url: DatabaseOption = None,
) -> None:
    """A loan's status, balances and instalments with what was paid."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        loan = uow.loans.get(loan_id, for_update=False)
    balances = loan.balances()
    console.print(
        f"loan {loan_id} ({loan.product.code} v{loan.product.version}, funder {loan.funder}): "
        f"{loan.status.value}, {loan.days_past_due} days past due, as of {loan.opened_through}"
    )
    console.print(
        f"owed: principal {format_minor(balances.principal_minor)}, interest "
        f"{format_minor(balances.interest_minor)}, fees {format_minor(balances.fee_minor)}, "
        f"penalty {format_minor(balances.penalty_minor)}; credit "
        f"{format_minor(balances.credit_minor)}"
    )
    table = Table()
    for column in ("#", "due", "kind", "principal", "interest", "fee", "late fee", "paid"):
        table.add_column(column, justify="left" if column in ("due", "kind") else "right")
    for row in loan.rows:
        paid = row.paid_principal_minor + row.paid_interest_minor + row.paid_fee_minor
        table.add_row(
            str(row.seq),
            str(row.due_date),
            row.kind.value,
            format_minor(row.principal_minor),
            format_minor(row.interest_minor),
            format_minor(row.fee_minor),
            format_minor(row.late_fee_minor),
            format_minor(paid),
        )
    console.print(table)
