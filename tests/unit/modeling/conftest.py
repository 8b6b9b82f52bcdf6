"""Small synthetic credit data: skewed classes, text and numeric columns, missing values."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def shared_data() -> Path:
    """The team's public data sets: $PUHUI_SHARED_DATA, else a `shared/data` beside any parent
    of this checkout, else the machine's /work/shared/data (a clone elsewhere, as in /tmp)."""
    if "PUHUI_SHARED_DATA" in os.environ:
        return Path(os.environ["PUHUI_SHARED_DATA"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("/work/shared/data")


GERMAN = shared_data() / "german_credit.csv"


def synthetic_applicants(rows: int, *, bad_rate: float, seed: int) -> pd.DataFrame:
    """Applicants whose bad flag follows a known latent risk, with gaps and a text column."""
    generator = np.random.default_rng(seed)
    income = generator.lognormal(8.5, 0.6, rows)
    debt = income * generator.uniform(0.0, 1.5, rows)
    late_months = generator.poisson(0.4, rows)
    city = generator.choice(["tier-1", "tier-2", "tier-3", "rural"], rows, p=[0.3, 0.3, 0.3, 0.1])
    age = generator.integers(20, 65, rows).astype(float)
    risk = 1.2 * late_months + 1.5 * (debt / income) - 0.03 * (age - 40) + (city == "rural") * 0.8
    threshold = np.quantile(risk + generator.logistic(0, 0.7, rows), 1 - bad_rate)
    bad = (risk + generator.logistic(0, 0.7, rows) >= threshold).astype(int)
    frame = pd.DataFrame(
        {
            "applicant_id": np.arange(rows),
            "monthly_income": income.round(2),
            "debt_balance": debt.round(2),
            "late_months": late_months,
            "city_tier": city,
            "age": age,
            "bad": bad,
        }
    )
    gaps = generator.random(rows) < 0.08
    frame.loc[gaps, "monthly_income"] = np.nan
    frame.loc[generator.random(rows) < 0.05, "city_tier"] = None
    return frame


@pytest.fixture(scope="session")
def applicants() -> pd.DataFrame:
    return synthetic_applicants(4000, bad_rate=0.1, seed=7)


@pytest.fixture(scope="session")
def skewed_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "skewed.csv"
    synthetic_applicants(6000, bad_rate=0.02, seed=11).to_csv(path, index=False)
    return path
