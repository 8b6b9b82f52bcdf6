"""Run the benchmarks, each in its own process (so peak memory is its own), and print a table.

    python -m bench.run                      # the full set (1,000,000-loan EOD takes a while)
    python -m bench.run --quick              # small sizes, a smoke test of the harness
    python -m bench.run --only eod --loans 100000 --databases sqlite
    python -m bench.run --only decisions,fraud,population
    python -m bench.run --only checkout,lines --databases sqlite

The model-quality comparison against peer libraries is its own script: `python -m bench.models`.

Results are printed and appended as JSON lines to bench/out/results.jsonl; bench/RESULTS.md
records reviewed figures with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from datetime import datetime

from rich.console import Console
from rich.table import Table

from bench.common import OUT


def _run(module: str, *args: str) -> list[dict[str, object]]:
    command = [sys.executable, "-m", f"bench.{module}", *args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr}")
    return [
        json.loads(line.removeprefix("RESULT "))
        for line in completed.stdout.splitlines()
        if line.startswith("RESULT ")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only", default="schedules,eod,repayments,decisions,fraud,population,checkout,lines"
    )
    parser.add_argument("--loans", default="100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    only = set(args.only.split(","))
    databases = args.databases.split(",")
    loan_counts = [int(n) for n in ("2000" if args.quick else args.loans).split(",")]
    console = Console(width=170)
    results: list[dict[str, object]] = []
    if "schedules" in only:
        results += _run("schedules", "--count", "300" if args.quick else "5000")
    if "population" in only:
        results += _run("population", "--applicants", "5000" if args.quick else "1000000")
    if "fraud" in only:
        results += _run("fraud", "--applicants", "20000" if args.quick else "300000")
    for database in databases:
        if "decisions" in only:
            results += _run(
                "decisions",
                "--database",
                database,
                *(
                    ("--decisions", "100", "--history", "3000", "--batch-rows", "5000")
                    if args.quick
                    else ()
                ),
            )
        if "checkout" in only:
            results += _run(
                "checkout",
                "--database",
                database,
                "--authorisations",
                "300" if args.quick else "5000",
            )
        if "lines" in only:
            results += _run(
                "lines", "--database", database, "--lines", "20000" if args.quick else "1000000"
            )
        if "repayments" in only:
            results += _run(
                "repayments", "--database", database, "--payments", "200" if args.quick else "3000"
            )
        if "eod" in only:
            for loans in loan_counts:
                console.print(f"EOD on {loans:,} loans, {database} …")
                results += _run("eod", "--database", database, "--loans", str(loans))
    table = Table(title=f"puhui benchmarks — {platform.node()}, {datetime.now():%Y-%m-%d %H:%M}")
    for column in (
        "benchmark",
        "database",
        "items",
        "median ms",
        "p99 ms",
        "items/s",
        "peak MiB",
        "note",
    ):
        table.add_column(column, justify="left" if column in ("benchmark", "note") else "right")
    for r in results:
        table.add_row(
            str(r["benchmark"]),
            str(r["database"]),
            f"{r['items']:,}",
            f"{r['median_ms']:.3f}",
            f"{r['p99_ms']:.3f}",
            f"{r['items_per_second']:,.0f}",
            f"{r['peak_memory_mib']:.0f}",
            str(r["note"]),
        )
    console.print(table)
    OUT.mkdir(exist_ok=True)
    with (OUT / "results.jsonl").open("a") as file:
        for r in results:
            file.write(
                json.dumps(
                    {
                        **r,
                        "at": datetime.now().isoformat(timespec="seconds"),
                        "machine": platform.node(),
                    }
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
