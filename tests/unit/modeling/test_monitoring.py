from __future__ import annotations

import numpy as np
import pytest

from puhui.modeling.monitoring import (
    category_stability_index,
    population_stability_index,
    stability,
    status_of,
)


def test_identical_samples_have_a_psi_of_about_zero() -> None:
    values = np.random.default_rng(0).normal(600, 50, 5000)
    assert population_stability_index(values, values.copy()) == pytest.approx(0.0, abs=1e-9)


def test_a_shifted_sample_is_above_the_alert_band() -> None:
    generator = np.random.default_rng(1)
    reference = generator.normal(600, 50, 5000)
    recent = generator.normal(650, 50, 5000)
    index = population_stability_index(reference, recent)
    assert index > 0.25
    assert stability("score", reference, recent).status == "shifted"


def test_bands_follow_the_usual_thresholds() -> None:
    assert [status_of(x) for x in (0.05, 0.10, 0.2, 0.25)] == [
        "stable",
        "watch",
        "watch",
        "shifted",
    ]


def test_category_stability_counts_new_and_missing_categories() -> None:
    reference = np.array(["a", "b"] * 500, dtype=object)
    assert category_stability_index(reference, reference.copy()) == pytest.approx(0.0)
    recent = np.array(["a", "c", None] * 300, dtype=object)
    assert category_stability_index(reference, recent) > 0.25
