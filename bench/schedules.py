"""Schedules generated per second: a 12-period equal-instalment loan, APR included."""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import emit, result
from puhui.loans.schedule import generate_schedule
from puhui.loans.terms import ScheduleTerms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5_000)
    args = parser.parse_args()
    samples = []
    started = time.perf_counter()
    for index in range(args.count):
        terms = ScheduleTerms(
            principal_minor=100_000 + index,
            annual_rate=Decimal("0.18"),
            periods=12,
            start_date=date(2025, 1, 1) + timedelta(days=index % 365),
        )
        begin = time.perf_counter()
        generate_schedule(terms)
        samples.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    emit([result("schedule (12-period annuity + APR)", "-", args.count, samples, total)])


if __name__ == "__main__":
    main()
