"""The decision path in-process: outcomes, reasons, offers, consent, bad input, replay."""

from __future__ import annotations

from decimal import Decimal

import pytest

from puhui.credit.decision import DecisionRecord
from puhui.credit.errors import InvalidApplication
from puhui.sim.sources import SimulatedSources
from tests.unit.credit.doubles import (
    ON,
    POPULATION,
    CountingSources,
    application,
    approved_applicant,
    engine,
)


def test_an_approval_carries_an_offer_with_its_true_annual_rate() -> None:
    record = engine().decide(application(approved_applicant()))
    assert record.outcome == "approve"
    offer = record.offer
    assert offer is not None
    assert 0 < offer.amount_minor <= 800_000
    assert Decimal(offer.apr_nominal_percent) >= Decimal(offer.annual_rate) * 100 - 1
    assert Decimal(offer.apr_nominal_percent) <= Decimal("24")
    assert record.rule_set == "default-policy@1"
    assert record.model == "test-logistic@1"
    assert record.strategy == "champion@1"
    assert len(record.inputs_hash) == 64


def test_no_consent_declines_before_any_data_is_fetched() -> None:
    sources = CountingSources(SimulatedSources(POPULATION))
    record = engine(sources).decide(application(3, consent_data_use=False))
    assert record.outcome == "decline"
    assert [r.code for r in record.reasons] == ["NO_CONSENT"]
    assert sources.calls == []


def test_no_bureau_consent_declines_without_querying_the_bureau() -> None:
    sources = CountingSources(SimulatedSources(POPULATION))
    record = engine(sources).decide(application(4, consent_bureau=False))
    assert "bureau" not in sources.calls
    assert "KO-BUREAU-CONSENT" in record.rules_fired
    assert record.outcome == "decline"


def test_a_student_consumer_is_declined_with_the_reason_and_model_reasons() -> None:
    record = engine().decide(application(5, occupation="student", kind="consumer"))
    assert record.outcome == "decline"
    codes = [r.code for r in record.reasons]
    assert codes[0] == "STUDENT"
    assert any(r.source == "model" for r in record.reasons)


def test_amounts_and_terms_the_product_does_not_offer_are_declined_with_a_code() -> None:
    too_much = engine().decide(application(6, amount_minor=10**11))
    assert [r.code for r in too_much.reasons] == ["AMOUNT_OUT_OF_RANGE"]
    bnpl = engine().decide(
        application(6, product_code="bnpl-plan", amount_minor=100_000, periods=5)
    )
    assert [r.code for r in bnpl.reasons] == ["TERM_NOT_OFFERED"]


def test_an_unknown_product_or_malformed_application_is_an_error() -> None:
    with pytest.raises(InvalidApplication, match="unknown product 'gold'"):
        engine().decide(application(7, product_code="gold"))
    with pytest.raises(InvalidApplication, match="amount must be positive"):
        application(7, amount_minor=-5)
    with pytest.raises(InvalidApplication, match="occupation must be one of"):
        application(7, occupation="astronaut")


def test_a_stored_decision_replays_to_the_same_outcome_and_offer() -> None:
    decide = engine()
    for applicant_id in range(40):
        app = application(applicant_id, application_id=f"replay-{applicant_id}")
        record = decide.decide(app)
        stored = DecisionRecord.from_json(record.to_json())
        again = engine().replay(stored, app)
        assert again.outcome == record.outcome
        assert again.offer == record.offer
        assert again.reasons == record.reasons
        assert again.pd == record.pd


def test_the_decision_date_comes_from_the_application_not_the_clock() -> None:
    record = engine().decide(application(approved_applicant()))
    assert record.business_date == ON
