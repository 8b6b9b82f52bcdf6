"""Applications as a simulated applicant would fill them in: the declared facts are the
population's own, so what the engine reads through its adapters agrees with the form."""

from __future__ import annotations

from datetime import date, datetime, time

from puhui.credit.application import OCCUPATIONS, Application
from puhui.sim.population import ApplicantKind, Population

SUBMITTED_AT = time(10, 30)


def application_for(
    population: Population,
    applicant_id: int,
    *,
    product_code: str,
    amount_minor: int,
    periods: int,
    business_date: date,
    application_id: str | None = None,
    consent_data_use: bool = True,
) -> Application:
    """The application applicant `applicant_id` submits on `business_date`."""
    person = population.applicants([applicant_id])
    return Application(
        application_id=application_id or f"app-{applicant_id}",
        applicant_id=applicant_id,
        product_code=product_code,
        amount_minor=amount_minor,
        periods=periods,
        business_date=business_date,
        submitted_at=datetime.combine(business_date, SUBMITTED_AT),
        kind="merchant" if person.kind[0] == ApplicantKind.MERCHANT else "consumer",
        age=int(person.age[0]),
        occupation=OCCUPATIONS[int(person.occupation[0])],
        city_tier=int(person.city_tier[0]),
        declared_monthly_income_minor=int(person.monthly_income_minor[0]),
        consent_bureau=bool(person.bureau_consent[0]),
        consent_data_use=consent_data_use,
    )
