"""Checkout authorisation on credit lines: one authorisation per transaction, committed.

Each authorisation locks the line and the borrower, reads the borrower's exposure over loans
and lines, checks limit, caps and spending prompts, writes the hold and its event, and commits;
then the capture of the same order (ledger entry posted) is timed the same way.

    python -m bench.checkout --database sqlite --authorisations 5000
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from bench.common import emit, fresh_database, result
from puhui.lines import service
from puhui.lines.responsible import BorrowerFacts
from puhui.storage.uow import SqlUnitOfWork

DAY = date(2026, 3, 10)
NET_ASSETS = 1_000_000_000_00
FACTS = BorrowerFacts(
    age=30,
    is_student=False,
    monthly_income_minor=2_000_000,
    bureau_inquiries_30d=1,
    other_lenders_balance_minor=0,
)
WARM_UP = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--authorisations", type=int, default=5_000)
    parser.add_argument("--lines", type=int, default=2_000)
    args = parser.parse_args()
    engine = fresh_database(args.database, "checkout")
    with SqlUnitOfWork(engine) as uow:
        lines = [
            service.open_line(
                uow,
                borrower_ref=f"synthetic-{i}",
                facts=FACTS,
                product_code="credit-line",
                requested_limit_minor=5_000_000,
                statement_day=1 + i % 28,
                as_of=DAY,
                idempotency_key=f"open-{i}",
                net_assets_minor=NET_ASSETS,
            ).line_id
            for i in range(args.lines)
        ]
        uow.commit()
    rng = random.Random(7)
    orders = [
        (rng.choice(lines), f"order-{n}", rng.randint(1_000, 30_000))
        for n in range(args.authorisations + WARM_UP)
    ]
    results = []
    for name, use_case in (("authorise", service.authorise), ("capture", service.capture)):
        samples = []
        approved = 0
        started = time.perf_counter()
        for index, (line_id, order_id, amount) in enumerate(orders):
            if index == WARM_UP:
                samples.clear()
                started = time.perf_counter()
            extra = {"net_assets_minor": NET_ASSETS} if use_case is service.authorise else {}
            begin = time.perf_counter()
            with SqlUnitOfWork(engine) as uow:
                outcome = use_case(  # type: ignore[operator]
                    uow,
                    line_id=line_id,
                    order_id=order_id,
                    amount_minor=amount,
                    as_of=DAY,
                    **extra,
                )
                uow.commit()
            samples.append(time.perf_counter() - begin)
            approved += int(not outcome.get("replayed", False))
        elapsed = time.perf_counter() - started
        results.append(
            result(
                f"checkout {name} (one per transaction)",
                args.database,
                len(samples),
                samples,
                elapsed,
                f"{args.lines:,} lines; hold + event" if name == "authorise" else "ledger entry",
            )
        )
    emit(results)


if __name__ == "__main__":
    main()
