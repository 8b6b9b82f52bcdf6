"""How long the simulator takes to generate a labelled data set of applicants: population
attributes, 12 months of daily flows, bureau, history, identity graph, every feature.

    python -m bench.population --applicants 1000000
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bench.common import emit, result
from puhui.sim.dataset import TARGET, DatasetSpec, build_dataset

AS_OF = date(2025, 6, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    frame = build_dataset(DatasetSpec(applicants=args.applicants, seed=7, as_of=AS_OF))
    elapsed = time.perf_counter() - started
    emit(
        [
            result(
                "simulated applicants with all features",
                "-",
                len(frame),
                [elapsed],
                elapsed,
                f"bad rate {frame[TARGET].mean():.2%}; {len(frame.columns)} columns",
            )
        ]
    )


if __name__ == "__main__":
    main()
