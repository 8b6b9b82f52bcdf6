"""End-of-day throughput on a large synthetic portfolio, followed by `puhui verify`."""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from bench.common import emit, fresh_database, result
from puhui.batch.eod import run_eod
from puhui.batch.verify import verify
from puhui.compliance.profile import load_profile
from puhui.sim.bulk import load_portfolio

AS_OF = date(2025, 6, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    profile = load_profile()
    engine = fresh_database(args.database, f"eod-{args.loans}")
    started = time.perf_counter()
    load_portfolio(engine, count=args.loans, as_of=AS_OF, profile=profile)
    load_seconds = time.perf_counter() - started
    day_seconds = []
    processed = 0
    for offset in range(args.days):
        begin = time.perf_counter()
        summaries = run_eod(engine, AS_OF + timedelta(days=offset), profile)
        day_seconds.append(time.perf_counter() - begin)
        processed += sum(s.loans_processed for s in summaries)
    begin = time.perf_counter()
    report = verify(engine)
    verify_seconds = time.perf_counter() - begin
    label = f"EOD, {args.loans:,} active loans"
    emit(
        [
            result(
                label,
                args.database,
                processed,
                day_seconds,
                sum(day_seconds),
                note=f"per business day; load {load_seconds:.0f} s",
            ),
            result(
                f"verify, {args.loans:,} loans",
                args.database,
                report.loans,
                [verify_seconds],
                verify_seconds,
                note="ok" if report.ok else "FAILED",
            ),
        ]
    )


if __name__ == "__main__":
    main()
