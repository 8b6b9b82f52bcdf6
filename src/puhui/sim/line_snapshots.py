"""Synthetic line snapshots with a known later outcome, for back-testing review policies.

A latent risk per borrower drives both what the review sees (days past due, utilisation,
revolving, paying in full) and whether the line goes bad in the next twelve months, so a policy
that reads behaviour well raises good lines and cuts bad ones — and the back-test can show by
how much. Deterministic by seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LIMITS_MINOR = np.array([500_000, 1_000_000, 2_000_000, 3_000_000])
PRODUCT_MAX_MINOR = 5_000_000


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


def line_snapshots(count: int, seed: int = 0) -> pd.DataFrame:
    """`count` line snapshots: the review's columns, `increase_room_minor` and `went_bad`."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=count)
    granted = rng.choice(LIMITS_MINOR, size=count)
    late = rng.random(count) < _sigmoid(-2.6 + 1.4 * risk)
    days_past_due = np.where(late, rng.geometric(1 / 20, size=count), 0)
    utilisation = np.clip(rng.beta(2, 3, size=count) + 0.15 * risk, 0, 1.2)
    revolving = rng.random(count) < _sigmoid(-1.2 + 1.1 * risk)
    return pd.DataFrame(
        {
            "granted_minor": granted,
            "used_minor": (granted * utilisation).astype(np.int64),
            "days_past_due": days_past_due,
            "months_on_book": rng.integers(1, 37, size=count),
            "revolving": revolving,
            "paid_in_full": ~revolving & ~late,
            "cooling_off": rng.random(count) < 0.05,
            "frozen": days_past_due > 60,
            "increase_room_minor": np.full(count, PRODUCT_MAX_MINOR),
            "went_bad": rng.random(count) < _sigmoid(-3.4 + 1.3 * risk),
        }
    )
