"""The periodic limit review: a behaviour score per line and the limit changes it leads to.

One vectorised function (`review`) over columns of lines serves the monthly batch over every
line and the dry run that compares two policies on the same book before one is switched on.
The policy is data (`review.yaml`): score points, when to freeze (seriously past due), when to
decrease (past due: to a share of the limit, never below what is used) and when to increase
(a good score, seasoned, well used, not past due, not in cooling-off, and only up to what the
product, the borrower's caps, his income and the bureau allow — `increase_room`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from puhui.lines.errors import InvalidLineProduct

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
SCORE_POINTS = (
    "past_due",
    "past_due_over_30",
    "revolving",
    "seasoned",
    "over_90_percent_used",
    "healthy_use",
    "paid_in_full",
)


class InvalidReviewPolicy(InvalidLineProduct):
    code = "invalid_review_policy"


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    version: int
    base_points: int
    points: Mapping[str, int]
    freeze_days_past_due: int
    freeze_reason: str
    decrease_days_past_due: int
    decrease_share: Decimal
    decrease_reason: str
    increase_min_score: int
    increase_min_months: int
    increase_min_utilisation: Decimal
    increase_share: Decimal
    increase_reason: str


def load_review_policy(path: str | Path | None = None) -> ReviewPolicy:
    """The shipped policy, or one from a YAML file; a malformed file is refused whole."""
    try:
        if path is None:
            text = resources.files("puhui.lines").joinpath("review.yaml").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data: dict[str, Any] = yaml.safe_load(text)
        score = data["behaviour_score"]
        policy = ReviewPolicy(
            version=int(data["version"]),
            base_points=int(score["base"]),
            points={name: int(score[name]) for name in SCORE_POINTS},
            freeze_days_past_due=int(data["freeze"]["min_days_past_due"]),
            freeze_reason=str(data["freeze"]["reason"]),
            decrease_days_past_due=int(data["decrease"]["min_days_past_due"]),
            decrease_share=Decimal(str(data["decrease"]["share_of_limit"])),
            decrease_reason=str(data["decrease"]["reason"]),
            increase_min_score=int(data["increase"]["min_behaviour_score"]),
            increase_min_months=int(data["increase"]["min_months_on_book"]),
            increase_min_utilisation=Decimal(str(data["increase"]["min_utilisation"])),
            increase_share=Decimal(str(data["increase"]["share_of_limit"])),
            increase_reason=str(data["increase"]["reason"]),
        )
    except OSError as error:
        raise InvalidReviewPolicy(f"cannot read the review policy {path}: {error}") from error
    except (KeyError, TypeError, ValueError, ArithmeticError, yaml.YAMLError) as error:
        raise InvalidReviewPolicy(f"review policy is malformed: {error!r}") from error
    if not Decimal(0) < policy.decrease_share < 1 or policy.increase_share <= 1:
        raise InvalidReviewPolicy(
            "decrease share_of_limit must be in (0, 1) and increase share_of_limit above 1"
        )
    return policy


@dataclass(frozen=True, slots=True)
class LineColumns:
    """What the review reads of each line (one array element per line)."""

    granted_minor: IntArray
    used_minor: IntArray  # owed + held
    days_past_due: IntArray
    months_on_book: IntArray
    revolving: BoolArray
    paid_in_full: BoolArray
    cooling_off: BoolArray
    frozen: BoolArray


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    score: IntArray
    new_granted_minor: IntArray
    freeze: BoolArray
    reason: NDArray[np.str_]  # "" where nothing changes

    @property
    def changed(self) -> BoolArray:
        return np.asarray(self.reason != "", dtype=np.bool_)


def behaviour_scores(policy: ReviewPolicy, lines: LineColumns) -> IntArray:
    utilisation = lines.used_minor / np.maximum(lines.granted_minor, 1)
    conditions = {
        "past_due": lines.days_past_due > 0,
        "past_due_over_30": lines.days_past_due > 30,
        "revolving": lines.revolving,
        "seasoned": lines.months_on_book >= 6,
        "over_90_percent_used": utilisation > 0.9,
        "healthy_use": (utilisation >= 0.3) & (utilisation <= 0.9),
        "paid_in_full": lines.paid_in_full,
    }
    score = np.full(len(lines.granted_minor), policy.base_points, dtype=np.int64)
    for name, holds in conditions.items():
        score += np.where(holds, policy.points[name], 0)
    return np.clip(score, 300, 850)


def increase_candidates(policy: ReviewPolicy, lines: LineColumns, score: IntArray) -> BoolArray:
    """Lines the policy would raise, before the caps and the bureau are consulted."""
    utilisation = lines.used_minor * 10_000 // np.maximum(lines.granted_minor, 1)
    return np.asarray(
        (score >= policy.increase_min_score)
        & (lines.months_on_book >= policy.increase_min_months)
        & (utilisation >= int(policy.increase_min_utilisation * 10_000))
        & (lines.days_past_due == 0)
        & ~lines.cooling_off
        & ~lines.frozen,
        dtype=np.bool_,
    )


def review(
    policy: ReviewPolicy, lines: LineColumns, increase_room_minor: IntArray
) -> ReviewOutcome:
    """Score every line and decide freezes, decreases and increases.

    `increase_room_minor` is the largest granted limit each line may have under the product,
    the borrower's caps, his income and the bureau (0 where an increase is not allowed); the
    increase is min(granted × share, room), and only a rise counts.
    """
    score = behaviour_scores(policy, lines)
    count = len(score)
    reason = np.full(count, "", dtype=object)
    new_granted = lines.granted_minor.copy()
    freeze = (lines.days_past_due >= policy.freeze_days_past_due) & ~lines.frozen
    reason[freeze] = policy.freeze_reason
    decrease = (lines.days_past_due >= policy.decrease_days_past_due) & ~freeze
    share = policy.decrease_share.as_integer_ratio()
    lowered = np.maximum(lines.granted_minor * share[0] // share[1], lines.used_minor)
    decrease &= lowered < lines.granted_minor
    new_granted = np.where(decrease, lowered, new_granted)
    reason[decrease] = policy.decrease_reason
    up = policy.increase_share.as_integer_ratio()
    raised = np.minimum(lines.granted_minor * up[0] // up[1], increase_room_minor)
    increase = increase_candidates(policy, lines, score) & (raised > lines.granted_minor)
    new_granted = np.where(increase, raised, new_granted)
    reason[increase] = policy.increase_reason
    return ReviewOutcome(score, new_granted.astype(np.int64), freeze, reason.astype(str))
