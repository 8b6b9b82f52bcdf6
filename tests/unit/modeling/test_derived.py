from __future__ import annotations

import numpy as np

from puhui.modeling.derived import compute_derived, find_families, propose_derived_features


def test_families_are_columns_named_alike_but_for_a_trailing_number() -> None:
    names = ["BILL_AMT1", "BILL_AMT2", "BILL_AMT3", "PAY_0", "PAY_2", "AGE", "X1", "X2"]
    assert find_families(names) == {"BILL_AMT": ["BILL_AMT1", "BILL_AMT2", "BILL_AMT3"]}


def test_derived_values_of_one_row_equal_those_of_a_table() -> None:
    generator = np.random.default_rng(0)
    columns = {f"bill{i}": generator.normal(1000, 300, 200) for i in range(1, 4)}
    columns["limit"] = generator.uniform(500, 5000, 200)
    columns["bill2"][5] = np.nan
    columns["limit"][7] = 0.0
    features = propose_derived_features(columns)
    assert {f.operation for f in features} >= {"mean", "count_positive", "ratio"}
    table = compute_derived(columns, features)
    for row in (0, 5, 7):
        one = compute_derived({k: v[row : row + 1] for k, v in columns.items()}, features)
        for name, values in one.items():
            np.testing.assert_array_equal(values, table[name][row : row + 1])
    assert np.isnan(table["ratio(bill1/limit)"][7])  # division by zero is missing, not inf
