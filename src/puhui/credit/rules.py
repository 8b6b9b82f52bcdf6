"""Policy rules as versioned data: each rule a condition, an action and a reason code.

A rule set is YAML (see `rulesets/default.yaml`). Loading validates every rule — unique ids,
known actions, a reason code and a description, a condition in the safe expression language over
known names — and refuses the whole file at the first problem, so a half-valid rule set is never
used. Evaluation returns the rules that fired, in file order; any fired `decline` knocks the
application out, any `refer` sends it to a person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import numpy as np
import yaml

from puhui.credit.errors import InvalidRuleSet
from puhui.credit.expressions import Compiled, compile_condition

MAX_RULES = 500


class RuleAction(StrEnum):
    DECLINE = "decline"
    REFER = "refer"


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    reason_code: str
    description: str
    action: RuleAction
    condition: str
    evaluate: Compiled
    reads: frozenset[str]


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule_id: str
    reason_code: str
    description: str
    action: RuleAction


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    version: int
    rules: tuple[Rule, ...]
    content_hash: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def evaluate(self, context: Mapping[str, Any]) -> list[FiredRule]:
        """Rules that fire for one applicant (context values are scalars)."""
        return [
            FiredRule(rule.rule_id, rule.reason_code, rule.description, rule.action)
            for rule in self.rules
            if bool(rule.evaluate(context))
        ]

    def evaluate_many(self, context: Mapping[str, Any], count: int) -> dict[str, np.ndarray]:
        """For array contexts (back-tests): rule id → boolean array of where it fires."""
        return {
            rule.rule_id: np.broadcast_to(np.asarray(rule.evaluate(context), bool), (count,))
            for rule in self.rules
        }


def _require(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise InvalidRuleSet(f"{where}: missing {key!r}")
    return data[key]


def parse_rule_set(text: str, names: Collection[str]) -> RuleSet:
    """Validate and compile a YAML rule set over the given vocabulary of names."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidRuleSet(f"rule set is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise InvalidRuleSet("a rule set is a mapping with name, version and rules")
    name = str(_require(data, "name", "rule set"))
    version = _require(data, "version", "rule set")
    if not isinstance(version, int) or version < 1:
        raise InvalidRuleSet("rule set version must be a positive whole number")
    raw_rules = _require(data, "rules", "rule set")
    if not isinstance(raw_rules, list) or not 1 <= len(raw_rules) <= MAX_RULES:
        raise InvalidRuleSet(f"rules must be a list of 1–{MAX_RULES} rules")
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules, start=1):
        where = f"rule {index}"
        if not isinstance(raw, dict):
            raise InvalidRuleSet(f"{where} must be a mapping")
        rule_id = str(_require(raw, "id", where))
        where = f"rule {rule_id}"
        if rule_id in seen:
            raise InvalidRuleSet(f"{where} appears twice; rule ids must be unique")
        seen.add(rule_id)
        action_text = _require(raw, "action", where)
        try:
            action = RuleAction(action_text)
        except ValueError:
            raise InvalidRuleSet(
                f"{where}: action {action_text!r} is not one of {[a.value for a in RuleAction]}"
            ) from None
        condition = str(_require(raw, "when", where))
        evaluate, reads = compile_condition(condition, names)
        rules.append(
            Rule(
                rule_id,
                str(_require(raw, "reason_code", where)),
                str(_require(raw, "description", where)),
                action,
                condition,
                evaluate,
                reads,
            )
        )
    content_hash = hashlib.sha256(text.encode()).hexdigest()
    return RuleSet(name, version, tuple(rules), content_hash)


def load_rule_set(names: Collection[str], path: str | None = None) -> RuleSet:
    """The shipped rule set (default) or one from a file."""
    if path is None:
        text = (
            resources.files("puhui.credit").joinpath("rulesets", "default.yaml").read_text("utf-8")
        )
    else:
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except OSError as error:
            raise InvalidRuleSet(f"cannot read rule set {path}: {error.strerror}") from None
    return parse_rule_set(text, names)
