"""Back-testing strategies on labelled history: what would have been approved, and how it paid.

Each applicant's PD (from the model) falls into a band of the strategy; approved applicants lend
their amount at the band's rate for the strategy's term; the labels say who defaulted. Realised
profit is interest earned by those who repaid minus the loss given default on those who did not;
expected loss uses the PD instead of the label. Two strategies run side by side on the same
applicants, which is what a risk team needs before switching one on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from puhui.credit.strategy import Outcome, Strategy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DEFAULT_LOSS_GIVEN_DEFAULT = 0.65


@dataclass(frozen=True, slots=True)
class BandResult:
    band: str
    outcome: str
    applicants: int
    bad_rate: float
    approved_amount: float
    expected_loss: float
    realised_profit: float


@dataclass(frozen=True, slots=True)
class BacktestResult:
    strategy: str
    applicants: int
    approval_rate: float
    refer_rate: float
    bad_rate_approved: float
    approved_amount: float
    expected_loss: float
    realised_profit: float
    bands: tuple[BandResult, ...]


def backtest(
    strategy: Strategy,
    *,
    pd: FloatArray,
    defaulted: BoolArray,
    amount: FloatArray,
    loss_given_default: float = DEFAULT_LOSS_GIVEN_DEFAULT,
    term_years: float = 1.0,
) -> BacktestResult:
    """Replay labelled applicants through `strategy` (vectorised over applicants)."""
    limits = np.array([band.max_pd for band in strategy.bands])
    index = np.minimum(np.searchsorted(limits, pd, side="left"), len(limits) - 1)
    rates = np.array([float(band.annual_rate or Decimal(0)) for band in strategy.bands])
    approve = np.array([band.outcome is Outcome.APPROVE for band in strategy.bands])[index]
    refer = np.array([band.outcome is Outcome.REFER for band in strategy.bands])[index]
    lent = np.where(approve, amount, 0.0)
    interest = lent * rates[index] * term_years
    loss = lent * loss_given_default
    profit = np.where(defaulted, -loss, interest)
    expected = lent * pd * loss_given_default
    bands = []
    for position, band in enumerate(strategy.bands):
        mine = index == position
        count = int(mine.sum())
        bands.append(
            BandResult(
                band=band.name,
                outcome=band.outcome.value,
                applicants=count,
                bad_rate=float(defaulted[mine].mean()) if count else 0.0,
                approved_amount=float(lent[mine].sum()),
                expected_loss=float(expected[mine].sum()),
                realised_profit=float(profit[mine].sum()),
            )
        )
    approved = int(approve.sum())
    return BacktestResult(
        strategy=strategy.label,
        applicants=len(pd),
        approval_rate=approved / len(pd) if len(pd) else 0.0,
        refer_rate=float(refer.mean()) if len(pd) else 0.0,
        bad_rate_approved=float(defaulted[approve].mean()) if approved else 0.0,
        approved_amount=float(lent.sum()),
        expected_loss=float(expected.sum()),
        realised_profit=float(profit.sum()),
        bands=tuple(bands),
    )
