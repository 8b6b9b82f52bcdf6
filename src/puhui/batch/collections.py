"""The day's reminder and collection contacts, planned inside the profile's conduct rules.

For a business date: a reminder for every line whose statement is unpaid and due in
`REMINDER_DAYS_AHEAD` days and every loan with an instalment due then; a collection contact for
every line and loan past due. Each is planned at the preferred local hour, moved out of the
quiet hours and past days that already hold the borrower's daily cap of contacts (all
collectors together; `compliance.contacts`), and logged in `contacts`. Planning a day twice
plans nothing new. The collectors' systems record the outcome of each contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from puhui.compliance.contacts import ContactRules, plan_contact
from puhui.storage.driver import Driver, to_day
from puhui.storage.uow import SqlUnitOfWork

REMINDER_DAYS_AHEAD = 3
REMINDER_HOUR = 10
COLLECTION_HOUR = 9

_DUE_LINES = (
    "SELECT 'line:' || id, borrower_ref FROM credit_lines WHERE status <> 'closed' "
    "AND due_on = ? AND statement_due_minor > 0"
)
_DUE_LOANS = (
    "SELECT 'loan:' || id, borrower_ref FROM loans WHERE status IN ('active', 'overdue') "
    "AND next_due_date = ?"
)
_LATE_LINES = (
    "SELECT 'line:' || id, borrower_ref FROM credit_lines WHERE status <> 'closed' "
    "AND (overdue_since IS NOT NULL OR (due_judged = ? AND due_on < ? AND minimum_due_minor > 0))"
)
_LATE_LOANS = (
    "SELECT 'loan:' || id, borrower_ref FROM loans WHERE status IN ('active', 'overdue') "
    "AND days_past_due > 0"
)


@dataclass
class ContactPlan:
    day: date
    reminders: int = 0
    collections: int = 0
    moved: int = 0  # planned later than preferred (quiet hours or daily cap)


def plan_contacts(engine: sa.Engine, day: date) -> ContactPlan:
    """Plan (once) the reminders and collection contacts of `day`."""
    summary = ContactPlan(day)
    with SqlUnitOfWork(engine) as uow:
        rules = ContactRules.of(uow.profile, day)
        driver = Driver(uow.connection)
        ahead = day + timedelta(REMINDER_DAYS_AHEAD)
        wanted = [
            *(
                (subject, ref, "reminder", REMINDER_HOUR)
                for subject, ref in driver.all(_DUE_LINES, (driver.date(ahead),))
            ),
            *(
                (subject, ref, "reminder", REMINDER_HOUR)
                for subject, ref in driver.all(_DUE_LOANS, (to_day(ahead),))
            ),
            *(
                (subject, ref, "collection", COLLECTION_HOUR)
                for subject, ref in driver.all(_LATE_LINES, (False, driver.date(day)))
            ),
            *(
                (subject, ref, "collection", COLLECTION_HOUR)
                for subject, ref in driver.all(_LATE_LOANS, ())
            ),
        ]
        done = uow.conduct.planned_subjects(day)
        wanted = [item for item in wanted if (item[0], item[2]) not in done]
        borrowers = sorted({str(ref) for _, ref, _, _ in wanted})
        counts = uow.conduct.contacts_per_day(borrowers, day, day + timedelta(32))
        rows = []
        for subject, ref, kind, hour in wanted:
            per_day = counts.setdefault(str(ref), {})
            preferred = datetime.combine(day, time(hour))
            at = plan_contact(rules, preferred, per_day)
            per_day[at.date()] = per_day.get(at.date(), 0) + 1
            rows.append((str(ref), str(subject), kind, day, at))
            summary.moved += at != preferred
            if kind == "reminder":
                summary.reminders += 1
            else:
                summary.collections += 1
        uow.conduct.plan(rows)
        uow.commit()
    return summary
