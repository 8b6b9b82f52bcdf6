"""Golden schedules: the exact output of `puhui schedule --json` for reviewed cases.

A change to any schedule shows up here as a diff to review. After checking the new numbers by
hand, regenerate with `PUHUI_UPDATE_GOLDEN=1 pytest tests/unit/loans/test_golden_schedules.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli.main import app

GOLDEN = Path(__file__).parents[2] / "golden" / "schedules"

CASES: dict[str, list[str]] = {
    "annuity-12pct-18m": [
        "--principal",
        "5000",
        "--annual-rate-percent",
        "12",
        "--periods",
        "18",
        "--start",
        "2022-11-01",
    ],
    "annuity-daily-actual365-month-end": [
        "--principal",
        "12000",
        "--annual-rate-percent",
        "18.25",
        "--periods",
        "6",
        "--start",
        "2024-01-31",
        "--interest-basis",
        "daily",
        "--day-count",
        "actual/365",
    ],
    "equal-principal-weekly-half-even": [
        "--principal",
        "3000",
        "--annual-rate-percent",
        "15",
        "--periods",
        "8",
        "--start",
        "2024-03-04",
        "--frequency",
        "weekly",
        "--method",
        "equal_principal",
        "--rounding",
        "half_even",
    ],
    "flat-biweekly-whole-yuan": [
        "--principal",
        "2600",
        "--annual-rate-percent",
        "9.9",
        "--periods",
        "10",
        "--start",
        "2024-05-15",
        "--frequency",
        "biweekly",
        "--method",
        "flat",
        "--instalment-multiple",
        "1",
    ],
    "interest-only-grace-free-30-360": [
        "--principal",
        "50000",
        "--annual-rate-percent",
        "7.2",
        "--periods",
        "12",
        "--start",
        "2024-02-29",
        "--method",
        "interest_only",
        "--day-count",
        "30/360",
        "--interest-basis",
        "daily",
    ],
    "bullet-18m": [
        "--principal",
        "5000",
        "--annual-rate-percent",
        "12",
        "--periods",
        "18",
        "--start",
        "2022-11-01",
        "--method",
        "bullet",
    ],
    "grace-and-down-payment": [
        "--principal",
        "5000",
        "--annual-rate-percent",
        "12",
        "--periods",
        "18",
        "--start",
        "2022-11-01",
        "--principal-grace",
        "3",
        "--down-payment-percent",
        "25",
        "--instalment-multiple",
        "1",
    ],
    "broken-first-period": [
        "--principal",
        "8000",
        "--annual-rate-percent",
        "18",
        "--periods",
        "6",
        "--start",
        "2024-01-10",
        "--first-due-date",
        "2024-02-25",
    ],
    "bnpl-fee-plan": [
        "--product",
        "bnpl-plan",
        "--principal",
        "3000",
        "--start",
        "2024-01-31",
        "--periods",
        "6",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_matches_its_reviewed_golden_file(name: str) -> None:
    result = CliRunner().invoke(app, ["schedule", *CASES[name], "--json"])
    assert result.exit_code == 0, result.output
    produced = json.loads(result.stdout)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("PUHUI_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(produced, indent=2) + "\n")
    assert produced == json.loads(path.read_text())
