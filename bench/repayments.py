"""Repayments posted per second through the servicing service: one per transaction, and in
batches of many per transaction (how a payment gateway's file would be posted)."""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from bench.common import emit, fresh_database, result
from puhui.batch.eod import run_eod
from puhui.compliance.profile import load_profile
from puhui.loans import service
from puhui.storage.uow import SqlUnitOfWork

START = date(2025, 1, 31)
PAY_DAY = START + timedelta(days=29)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--payments", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    engine = fresh_database(args.database, "repayments")
    loans = 2 * args.payments
    with SqlUnitOfWork(engine) as uow:
        ids = [
            service.book_loan(
                uow,
                product_code="cash-instalment",
                principal_minor=1_200_000,
                as_of=START,
                borrower_ref=f"synthetic-{i}",
                idempotency_key=f"book-{i}",
            )
            for i in range(loans)
        ]
        uow.commit()
    # A live book: end-of-day has run up to the day before the payments.
    run_eod(engine, PAY_DAY - timedelta(days=1), load_profile())
    single = []
    started = time.perf_counter()
    for index, loan_id in enumerate(ids[: args.payments]):
        begin = time.perf_counter()
        with SqlUnitOfWork(engine) as uow:
            service.post_repayment(
                uow,
                loan_id=loan_id,
                amount_minor=110_000,
                as_of=PAY_DAY,
                idempotency_key=f"single-{index}",
            )
            uow.commit()
        single.append(time.perf_counter() - begin)
    single_total = time.perf_counter() - started
    batched = []
    started = time.perf_counter()
    remaining = ids[args.payments :]
    for offset in range(0, len(remaining), args.batch):
        begin = time.perf_counter()
        part = remaining[offset : offset + args.batch]
        with SqlUnitOfWork(engine) as uow:
            for index, loan_id in enumerate(part):
                service.post_repayment(
                    uow,
                    loan_id=loan_id,
                    amount_minor=110_000,
                    as_of=PAY_DAY,
                    idempotency_key=f"batch-{offset + index}",
                )
            uow.commit()
        batched.append((time.perf_counter() - begin) / len(part))
    batched_total = time.perf_counter() - started
    emit(
        [
            result(
                "repayment, one per transaction", args.database, len(single), single, single_total
            ),
            result(
                f"repayment, {args.batch} per transaction",
                args.database,
                len(remaining),
                batched,
                batched_total,
                note="latency = batch time / batch size",
            ),
        ]
    )


if __name__ == "__main__":
    main()
