"""Policy rules: the safe rule language, validation at load, evaluation online and in bulk."""

from __future__ import annotations

import math

import numpy as np
import pytest

from puhui.credit.engine import RULE_NAMES
from puhui.credit.errors import InvalidRuleSet
from puhui.credit.expressions import compile_condition
from puhui.credit.rules import RuleAction, load_rule_set, parse_rule_set

NAMES = {"age", "debt_to_income", "is_student", "profile.minimum_age", "fraud.cluster_size"}


@pytest.mark.parametrize(
    "source",
    [
        '__import__("os").system("rm -rf /")',
        "age.__class__",
        "open('x')",
        "[1, 2][0]",
        "lambda: 1",
        "unknown_feature > 1",
        "settings.secret > 1",
        "age if age else 0",
        "age in [1, age]",
        "min(age)",
        "age >",
        "",
    ],
)
def test_anything_outside_the_rule_language_is_refused(source: str) -> None:
    with pytest.raises(InvalidRuleSet):
        compile_condition(source, NAMES)


def test_conditions_evaluate_on_scalars_and_arrays_alike() -> None:
    condition, reads = compile_condition(
        "age < profile.minimum_age or (debt_to_income > 0.5 and not is_student == 1)", NAMES
    )
    assert reads == {"age", "profile.minimum_age", "debt_to_income", "is_student"}
    assert condition({"age": 17, "profile.minimum_age": 18, "debt_to_income": 0.1, "is_student": 0})
    assert not condition(
        {"age": 30, "profile.minimum_age": 18, "debt_to_income": 0.1, "is_student": 0}
    )
    result = condition(
        {
            "age": np.array([17, 30, 30]),
            "profile.minimum_age": 18,
            "debt_to_income": np.array([0.0, 0.9, 0.9]),
            "is_student": np.array([0, 0, 1]),
        }
    )
    assert result.tolist() == [True, True, False]


def test_unknown_values_do_not_fire_unless_asked_for() -> None:
    over, _ = compile_condition("debt_to_income > 0.5", NAMES)
    missing, _ = compile_condition("missing(debt_to_income)", NAMES)
    assert not over({"debt_to_income": math.nan})
    assert missing({"debt_to_income": math.nan})


def test_the_shipped_rule_set_loads_and_knocks_out_the_cases_the_issue_names() -> None:
    rules = load_rule_set(RULE_NAMES)
    base = dict.fromkeys(RULE_NAMES, 0.0)
    base.update(
        {
            "age": 30,
            "profile.minimum_age": 18,
            "profile.max_debt_to_income": 0.5,
            "application.consent_data_use": 1,
            "application.consent_bureau": 1,
            "debt_to_income": 0.1,
        }
    )
    assert rules.evaluate(base) == []
    cases = {
        "KO-AGE": {"age": 17},
        "KO-STUDENT": {"is_student": 1},
        "KO-CONSENT": {"application.consent_data_use": 0},
        "KO-BLOCKED": {"application.blocked": 1},
        "KO-FRAUD-RING": {"fraud.connected_to_known_fraud": 1},
        "KO-INQUIRIES": {"bureau_inquiries_30d": 9},
        "KO-DTI": {"debt_to_income": 0.8},
        "KO-DELINQUENT": {"bureau_delinquent_now": 1},
        "RF-CLUSTER": {"fraud.cluster_size": 12},
    }
    for rule_id, change in cases.items():
        fired = rules.evaluate({**base, **change})
        assert [f.rule_id for f in fired] == [rule_id]
        assert fired[0].reason_code
    assert rules.evaluate({**base, "is_student": 1, "is_merchant": 1}) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nversion: 1\nrules: []", "1–500 rules"),
        ("name: x\nversion: 0\nrules: [{id: a}]", "version"),
        (
            "name: x\nversion: 1\nrules:\n - {id: a, reason_code: R, description: d, "
            "action: ban, when: age > 1}",
            "action 'ban'",
        ),
        (
            "name: x\nversion: 1\nrules:\n - {id: a, reason_code: R, description: d, "
            "action: decline, when: age > 1}\n - {id: a, reason_code: R, description: d, "
            "action: decline, when: age > 2}",
            "twice",
        ),
        (
            "name: x\nversion: 1\nrules:\n - {id: a, description: d, action: decline, "
            "when: age > 1}",
            "reason_code",
        ),
        (
            "name: x\nversion: 1\nrules:\n - {id: a, reason_code: R, description: d, "
            "action: decline, when: salary > 1}",
            "unknown name 'salary'",
        ),
        ("[not, a, mapping", "not valid YAML"),
    ],
)
def test_an_invalid_rule_set_is_refused_whole(text: str, message: str) -> None:
    with pytest.raises(InvalidRuleSet, match=message):
        parse_rule_set(text, NAMES)


def test_bulk_evaluation_matches_one_by_one() -> None:
    rules = parse_rule_set(
        "name: x\nversion: 2\nrules:\n - {id: young, reason_code: R, description: d, "
        "action: refer, when: age < 21}",
        NAMES,
    )
    ages = np.array([18, 25, 20])
    bulk = rules.evaluate_many({"age": ages}, 3)["young"]
    assert bulk.tolist() == [bool(rules.evaluate({"age": a})) for a in ages]
    assert rules.rules[0].action is RuleAction.REFER
    assert rules.label == "x@2"
