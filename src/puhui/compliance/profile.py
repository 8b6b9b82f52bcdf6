"""A jurisdiction profile: every regulatory number as data, each with the date it takes effect.

A check asks for a value on a business date and gets the one in force then, so a loan booked in
2024 is judged by 2024's rules. The default profile (`profiles/cn.yaml`) follows the Chinese online
micro-loan rules summarised in the design notes; a lender elsewhere writes its own file.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import yaml

from puhui.compliance.errors import InvalidProfile


@dataclass(frozen=True, slots=True)
class Band:
    """A named band of days past due starting at `min_days_past_due`."""

    name: str
    min_days_past_due: int


@dataclass(frozen=True, slots=True)
class JurisdictionProfile:
    code: str
    name: str
    limits: dict[str, tuple[tuple[date, Any], ...]]
    classification: tuple[Band, ...]
    delinquency_buckets: tuple[Band, ...]

    def value(self, key: str, on: date) -> Any:
        """The value of `key` in force on `on`."""
        if key not in self.limits:
            raise InvalidProfile(f"profile {self.code} has no value {key!r}")
        history = self.limits[key]
        index = bisect_right([start for start, _ in history], on) - 1
        if index < 0:
            raise InvalidProfile(f"profile {self.code}: {key!r} is not in force on {on}")
        return history[index][1]

    def value_or_none(self, key: str, on: date) -> Any:
        """The value of `key` in force on `on`, or None before the profile sets one."""
        history = self.limits.get(key, ())
        index = bisect_right([start for start, _ in history], on) - 1
        return history[index][1] if index >= 0 else None

    def classify(self, days_past_due: int) -> str:
        return _band(self.classification, days_past_due)

    def bucket(self, days_past_due: int) -> str:
        return _band(self.delinquency_buckets, days_past_due)


def _band(bands: tuple[Band, ...], days_past_due: int) -> str:
    index = bisect_right([b.min_days_past_due for b in bands], days_past_due) - 1
    return bands[max(index, 0)].name


def _bands(raw: list[dict[str, Any]], what: str) -> tuple[Band, ...]:
    bands = tuple(Band(str(item["name"]), int(item["from_days_past_due"])) for item in raw)
    starts = [b.min_days_past_due for b in bands]
    if not bands or starts[0] != 0 or starts != sorted(set(starts)):
        raise InvalidProfile(f"{what} must start at 0 days past due and rise strictly")
    return bands


def profile_from_mapping(data: dict[str, Any]) -> JurisdictionProfile:
    limits: dict[str, tuple[tuple[date, Any], ...]] = {}
    for key, history in (data.get("limits") or {}).items():
        entries = sorted(
            ((date.fromisoformat(str(h["from"])), h["value"]) for h in history),
            key=lambda entry: entry[0],
        )
        starts = [start for start, _ in entries]
        if len(set(starts)) != len(starts):
            raise InvalidProfile(f"{key}: two values take effect on the same date; keep one")
        limits[key] = tuple(entries)
    return JurisdictionProfile(
        code=str(data["code"]),
        name=str(data["name"]),
        limits=limits,
        classification=_bands(data["classification"], "classification"),
        delinquency_buckets=_bands(data["delinquency_buckets"], "delinquency buckets"),
    )


@functools.lru_cache(maxsize=16)
def load_profile(code: str = "cn") -> JurisdictionProfile:
    """A profile shipped with puhui (`profiles/<code>.yaml`), parsed once per process."""
    path = resources.files("puhui.compliance").joinpath("profiles", f"{code}.yaml")
    if not path.is_file():
        raise InvalidProfile(f"no jurisdiction profile {code!r} is shipped")
    return profile_from_mapping(yaml.safe_load(path.read_text("utf-8")))
