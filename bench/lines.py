"""Credit-line batch jobs over a large book: the daily pass, the statement run, the review.

A book of synthetic lines (opened 2026-01-03, first statement cut on 2026-02-05 and paid in
full, paid at the minimum or not paid by its due date of 2026-02-25) is loaded, then timed:

- the daily pass of 2026-02-26 (every line's due date judged: late fees, revolving interest);
- the statement run of 2026-03-05 (every line shares the statement day: the worst case);
- the limit review of 2026-03-06 over every line (bureau answers for the candidates).

    python -m bench.lines --lines 1000000 --database sqlite
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bench.common import emit, fresh_database, result
from puhui.batch.line_jobs import run_line_day, run_line_statements
from puhui.batch.line_review import run_line_review
from puhui.batch.verify import verify
from puhui.compliance.profile import load_profile
from puhui.lines.responsible import BorrowerFacts
from puhui.lines.review import load_review_policy
from puhui.sim.line_book import load_line_book

OPENED = date(2026, 1, 3)
FIRST_STATEMENT = date(2026, 2, 5)
NET_ASSETS = 1_000_000_000_00
CLEAN = BorrowerFacts(
    age=30,
    is_student=False,
    monthly_income_minor=1_500_000,
    bureau_inquiries_30d=1,
    other_lenders_balance_minor=0,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--verify", action="store_true", help="run puhui verify at the end")
    args = parser.parse_args()
    engine = fresh_database(args.database, "lines")
    started = time.perf_counter()
    load_line_book(engine, args.lines, opened=OPENED, statement=FIRST_STATEMENT)
    loaded = time.perf_counter() - started
    results = [result("line book loaded", args.database, args.lines, [loaded], loaded)]
    jobs = (
        ("line daily pass (all due dates judged)", lambda: run_line_day(engine, date(2026, 2, 26))),
        ("line statement run", lambda: run_line_statements(engine, date(2026, 3, 5))),
        (
            "line limit review",
            lambda: run_line_review(
                engine,
                date(2026, 3, 6),
                load_profile(),
                load_review_policy(),
                bureau=lambda refs: dict.fromkeys(refs, CLEAN),
                net_assets_minor=NET_ASSETS,
            ),
        ),
    )
    for name, job in jobs:
        begin = time.perf_counter()
        summary = job()
        elapsed = time.perf_counter() - begin
        note = str(getattr(summary, "changes", "")) or (
            f"late fees {summary.late_fees_charged:,}"  # type: ignore[union-attr]
        )
        results.append(result(name, args.database, args.lines, [elapsed], elapsed, note))
    if args.verify:
        begin = time.perf_counter()
        report = verify(engine)
        elapsed = time.perf_counter() - begin
        results.append(
            result("verify", args.database, args.lines, [elapsed], elapsed, f"ok={report.ok}")
        )
    emit(results)


if __name__ == "__main__":
    main()
