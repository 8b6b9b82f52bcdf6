"""Checks every estimator runs on its training data before learning anything."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from puhui.core.errors import InvalidInput


def check_training_data(frame: Any, y: Any) -> NDArray[np.int8]:
    """The target as 0/1 int8, after checking the frame, its length and both classes.

    Raises:
        InvalidInput: not a DataFrame, lengths differ, or y is not 0/1 with both classes.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput("the features must be a pandas DataFrame with named columns")
    target = np.asarray(y)
    if target.ndim != 1 or len(target) != len(frame):
        raise InvalidInput(f"the target must hold one value per row ({len(frame)} rows)")
    if not np.isin(target, (0, 1)).all():
        raise InvalidInput("the target must hold 0 (good) and 1 (bad) only")
    if len(np.unique(target)) != 2:
        raise InvalidInput("the target must contain both classes, 0 and 1")
    return target.astype(np.int8)
