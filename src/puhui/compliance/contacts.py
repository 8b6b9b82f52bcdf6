"""When a borrower may be contacted about a debt: the profile's quiet hours and daily cap.

Every reminder and collection contact is planned through `plan_contact`: a time inside the
quiet window (default 22:00–08:00 local) moves to the window's end, and a day that already has
the profile's maximum of contacts for the borrower (all collectors together) moves to the next
day's first allowed hour. Times are the borrower's local wall-clock time; the caller converts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import InvalidInput

MAX_DAYS_AHEAD = 31


@dataclass(frozen=True, slots=True)
class ContactRules:
    quiet_start_hour: int  # no contact from this hour …
    quiet_end_hour: int  # … until this hour (next morning when start > end)
    daily_cap: int

    @classmethod
    def of(cls, profile: JurisdictionProfile, on: date) -> ContactRules:
        return cls(
            int(profile.value("collection_quiet_start_hour", on)),
            int(profile.value("collection_quiet_end_hour", on)),
            int(profile.value("collection_daily_contact_cap", on)),
        )

    def is_quiet(self, moment: datetime) -> bool:
        hour = moment.hour
        if self.quiet_start_hour > self.quiet_end_hour:  # the window spans midnight
            return hour >= self.quiet_start_hour or hour < self.quiet_end_hour
        return self.quiet_start_hour <= hour < self.quiet_end_hour


def plan_contact(rules: ContactRules, wanted: datetime, contacts_on: dict[date, int]) -> datetime:
    """The first allowed local time at or after `wanted`, given contacts already planned per
    local day (`contacts_on`).

    Raises:
        InvalidInput: no allowed time within a month (a cap of zero, say).
    """
    moment = wanted
    for _ in range(MAX_DAYS_AHEAD * 2):
        if rules.is_quiet(moment):
            start = (
                moment.date()
                if moment.hour < rules.quiet_end_hour
                else moment.date() + (timedelta(1))
            )
            moment = datetime.combine(start, time(rules.quiet_end_hour), moment.tzinfo)
            continue
        if contacts_on.get(moment.date(), 0) >= rules.daily_cap:
            moment = datetime.combine(
                moment.date() + timedelta(1), time(rules.quiet_end_hour), moment.tzinfo
            )
            continue
        return moment
    raise InvalidInput(
        f"no contact is allowed within {MAX_DAYS_AHEAD} days of {wanted}; check the profile's "
        "quiet hours and daily contact cap"
    )
