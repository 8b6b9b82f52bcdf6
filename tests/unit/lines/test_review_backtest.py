"""Back-testing review policies on snapshots with a known outcome (the simulator's latent risk
drives both behaviour and outcome)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from puhui.lines.review import InvalidReviewPolicy, LineColumns, load_review_policy
from puhui.lines.review_backtest import backtest_review, read_line_snapshots
from puhui.sim.line_snapshots import line_snapshots


def _columns(frame) -> LineColumns:  # type: ignore[no-untyped-def]
    return LineColumns(
        **{name: frame[name].to_numpy() for name in LineColumns.__dataclass_fields__}
    )


def test_cut_lines_turn_out_worse_and_a_looser_policy_adds_more_risk() -> None:
    frame = line_snapshots(50_000, seed=3)
    champion = load_review_policy()
    looser = replace(champion, increase_min_score=560, increase_min_utilisation=Decimal(0))
    champion_result, looser_result = backtest_review(
        {"champion": champion, "looser": looser},
        _columns(frame),
        frame["increase_room_minor"].to_numpy(),
        frame["went_bad"].to_numpy(),
    )
    assert champion_result.bad_rate_cut > 2 * champion_result.bad_rate_unchanged
    assert looser_result.increases > 2 * champion_result.increases
    assert looser_result.limit_added_to_bad_minor > champion_result.limit_added_to_bad_minor
    assert champion_result.decreases == looser_result.decreases  # same delinquency rules
    assert champion_result.lines == 50_000
    assert champion_result.limit_added_minor > 0


def test_snapshots_round_trip_through_csv_and_bad_files_are_refused(tmp_path: Path) -> None:
    frame = line_snapshots(200, seed=1)
    path = tmp_path / "snapshots.csv"
    frame.to_csv(path, index=False)
    columns, room, bad = read_line_snapshots(str(path), "went_bad")
    assert (columns.granted_minor == frame["granted_minor"].to_numpy()).all()
    assert (bad == frame["went_bad"].to_numpy()).all()
    assert (room == frame["increase_room_minor"].to_numpy()).all()
    frame.drop(columns=["months_on_book"]).to_csv(path, index=False)
    with pytest.raises(InvalidReviewPolicy, match="months_on_book"):
        read_line_snapshots(str(path), "went_bad")
