"""Shared pieces of the benchmarks: databases to run on, timing statistics, peak memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from puhui.storage.engine import make_engine
from puhui.storage.setup import initialise

OUT = Path(__file__).parent / "out"
POSTGRES_URL = os.environ.get(
    "PUHUI_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BENCH_SCHEMA = "puhui_bench"


@dataclass
class Result:
    benchmark: str
    database: str
    items: int
    median_ms: float
    p99_ms: float
    items_per_second: float
    peak_memory_mib: float
    note: str = ""


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def result(
    benchmark: str,
    database: str,
    items: int,
    samples_s: Sequence[float],
    total_s: float,
    note: str = "",
) -> Result:
    """Median and p99 of the samples (ms), throughput over the total time."""
    return Result(
        benchmark=benchmark,
        database=database,
        items=items,
        median_ms=statistics.median(samples_s) * 1000,
        p99_ms=percentile(samples_s, 0.99) * 1000,
        items_per_second=items / total_s if total_s else 0.0,
        peak_memory_mib=peak_memory_mib(),
        note=note,
    )


def fresh_database(kind: str, name: str) -> sa.Engine:
    """An empty, migrated database: a SQLite file under bench/out, or a PostgreSQL schema."""
    OUT.mkdir(exist_ok=True)
    if kind == "sqlite":
        path = OUT / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
    else:
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {BENCH_SCHEMA}")
        admin.dispose()
        engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{BENCH_SCHEMA}")
    initialise(engine)
    return engine


def emit(results: list[Result]) -> None:
    """Print results as JSON lines for the runner to collect."""
    for item in results:
        sys.stdout.write("RESULT " + json.dumps(asdict(item)) + "\n")
    sys.stdout.flush()
