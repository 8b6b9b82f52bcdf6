"""Model monitoring and strategy back-tests for the console.

Monitoring compares what the engine saw in the oldest and the newest decisions (PSI of the score,
CSI of each characteristic), straight from the stored decision records. The back-test replays a
labelled sample of simulated applicants — scored by the active model — through every shipped
strategy, side by side (the demo lender's history is simulated; a real lender would point this
at its own labelled book).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from puhui.credit.backtest import backtest
from puhui.credit.features import FEATURE_NAMES
from puhui.credit.models import load_scorer
from puhui.credit.strategy import load_strategy, shipped_strategy
from puhui.modeling.monitoring import stability
from puhui.sim.dataset import TARGET, DatasetSpec, build_dataset
from puhui.storage.engine import read_only
from puhui.storage.tables import decisions

MONITORED = 20_000  # decisions read from each end of the history
BACKTEST_APPLICANTS = 5_000


def decision_stability(engine: sa.Engine) -> dict[str, Any] | None:
    """PSI of the score and CSI of every feature: oldest decisions against the newest."""
    with read_only(engine) as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(decisions)).scalar() or 0
        if total < 200:
            return None
        half = min(MONITORED, total // 2)
        oldest = connection.execute(
            sa.select(decisions.c.record).order_by(decisions.c.id).limit(half)
        ).all()
        newest = connection.execute(
            sa.select(decisions.c.record).order_by(decisions.c.id.desc()).limit(half)
        ).all()

    def columns(rows: Any) -> dict[str, np.ndarray]:
        records = [json.loads(row[0]) for row in rows]
        scored = [r for r in records if r.get("score") is not None]
        values = {"score": np.array([r["score"] for r in scored], dtype=np.float64)}
        for name in FEATURE_NAMES:
            values[name] = np.array(
                [
                    np.nan if r["features"].get(name) is None else r["features"][name]
                    for r in scored
                ],
                dtype=np.float64,
            )
        return values

    reference, recent = columns(oldest), columns(newest)
    if len(reference["score"]) < 50 or len(recent["score"]) < 50:
        return None
    items = [stability(name, reference[name], recent[name]) for name in reference]
    score, characteristics = items[0], sorted(items[1:], key=lambda s: -s.index)
    return {
        "score": score.to_json(),
        "characteristics": [c.to_json() for c in characteristics],
        "reference_rows": len(reference["score"]),
        "recent_rows": len(recent["score"]),
    }


@functools.lru_cache(maxsize=4)
def strategy_backtests(model: Path, seed: int, strategies: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = build_dataset(
        DatasetSpec(applicants=BACKTEST_APPLICANTS, seed=seed + 1, as_of=date(2025, 1, 1))
    )
    scorer = load_scorer(model)
    features = {name: frame[name].to_numpy(dtype=np.float64) for name in FEATURE_NAMES}
    pd_values = scorer.score_many(features)
    defaulted = frame[TARGET].to_numpy().astype(bool)
    amount = np.full(len(frame), 10_000.0)  # an illustrative ticket of 10,000 yuan each
    results = []
    for name in strategies:
        strategy = load_strategy() if name == "default" else shipped_strategy(name)
        result = backtest(strategy, pd=pd_values, defaulted=defaulted, amount=amount)
        results.append({"name": name, **asdict(result)})
    return results
