"""The decision path: application → data → features → rules → fraud → model → strategy → offer.

`DecisionEngine.decide` runs one application end to end in-process and returns the immutable
decision record; it books nothing (see `service` for storing decisions and accepting offers).
Nothing is fetched without consent: an application without consent to data use is declined
before any adapter is called, and the bureau is only queried with bureau consent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from puhui.compliance.checks import check_annual_cost
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.money import format_minor
from puhui.credit.adapters import DataSources
from puhui.credit.application import Application
from puhui.credit.decision import DecisionRecord, Offer, ReasonRecord, inputs_hash, storable
from puhui.credit.errors import InvalidApplication
from puhui.credit.features import (
    DESCRIPTIONS,
    FEATURE_NAMES,
    ApplicantFacts,
    FeatureInputs,
    compute_features,
    row,
)
from puhui.credit.fraud import FraudAssessment, FraudGraph, Identity
from puhui.credit.lender import LenderFigures
from puhui.credit.rules import RuleAction, RuleSet
from puhui.credit.scoring import Score, Scorer
from puhui.credit.strategy import LimitInputs, Outcome, Strategy, choose_strategy, offer_terms
from puhui.loans.products import Product
from puhui.loans.schedule import generate_schedule

FLOW_DAYS = 360
MAX_MODEL_REASONS = 4
PROFILE_NAMES = ("minimum_age", "students_allowed", "max_debt_to_income")
APPLICATION_NAMES = ("consent_data_use", "consent_bureau", "blocked")
FRAUD_NAMES = (
    "cluster_size",
    "shared_device_applicants",
    "connected_to_known_fraud",
    "applications_last_hour",
)
RULE_NAMES = frozenset(
    [
        *FEATURE_NAMES,
        *(f"profile.{n}" for n in PROFILE_NAMES),
        *(f"application.{n}" for n in APPLICATION_NAMES),
        *(f"fraud.{n}" for n in FRAUD_NAMES),
    ]
)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    rules: RuleSet
    scorer: Scorer
    champion: Strategy
    profile: JurisdictionProfile
    products: Mapping[str, Product]
    lender: LenderFigures | None = None  # needed where the profile caps concentration
    challenger: Strategy | None = None
    challenger_share: float = 0.0
    blocked_applicants: frozenset[int] = frozenset()


def profile_context(profile: JurisdictionProfile, on: date) -> dict[str, float]:
    return {f"profile.{name}": float(profile.value(name, on)) for name in PROFILE_NAMES}


class DecisionEngine:
    """Decides applications in-process against one configuration and one set of sources."""

    def __init__(self, config: EngineConfig, sources: DataSources, graph: FraudGraph) -> None:
        self.config = config
        self.sources = sources
        self.graph = graph

    def decide(
        self, application: Application, *, existing_exposure_minor: int = 0
    ) -> DecisionRecord:
        """The decision on one application (raises only for an application that is invalid)."""
        config = self.config
        product = config.products.get(application.product_code)
        if product is None:
            raise InvalidApplication(
                f"unknown product {application.product_code!r}; choose one of "
                f"{sorted(config.products)}"
            )
        strategy = choose_strategy(
            application.applicant_id, config.champion, config.challenger, config.challenger_share
        )
        early = self._screen(application, product, strategy)
        if early is not None:
            return early
        features, fraud, hashed = self._gather(application)
        return self._conclude(
            application, product, strategy, features, fraud, hashed, existing_exposure_minor
        )

    def replay(self, record: DecisionRecord, application: Application) -> DecisionRecord:
        """Decide again from what the record stored (features, fraud facts, exposure): with the
        same rule set, model and strategy the result equals the record."""
        product = self.config.products.get(application.product_code)
        if product is None:
            raise InvalidApplication(f"unknown product {application.product_code!r}")
        strategy = choose_strategy(
            application.applicant_id,
            self.config.champion,
            self.config.challenger,
            self.config.challenger_share,
        )
        early = self._screen(application, product, strategy)
        if early is not None:
            return early
        fraud = FraudAssessment(
            cluster_size=int(record.fraud["fraud.cluster_size"]),
            shared_device_applicants=int(record.fraud["fraud.shared_device_applicants"]),
            connected_to_known_fraud=bool(record.fraud["fraud.connected_to_known_fraud"]),
            applications_last_hour=int(record.fraud["fraud.applications_last_hour"]),
        )
        return self._conclude(
            application,
            product,
            strategy,
            record.feature_values(),
            fraud,
            record.inputs_hash,
            record.existing_exposure_minor,
        )

    def _conclude(
        self,
        application: Application,
        product: Product,
        strategy: Strategy,
        features: dict[str, float],
        fraud: FraudAssessment,
        hashed: str,
        existing_exposure_minor: int,
    ) -> DecisionRecord:
        config = self.config
        context = self._context(application, features, fraud)
        fired = config.rules.evaluate(context)
        reasons = [ReasonRecord(f.reason_code, f.description, "rule") for f in fired]
        score = config.scorer.score_one(features)
        outcome = Outcome.APPROVE
        if any(f.action is RuleAction.DECLINE for f in fired):
            outcome = Outcome.DECLINE
        elif any(f.action is RuleAction.REFER for f in fired):
            outcome = Outcome.REFER
        offer = None
        if outcome is Outcome.APPROVE:
            offer, outcome, limit_reason = self._offer(
                application, product, strategy, score, features, existing_exposure_minor
            )
            if offer is None:
                reasons.append(
                    ReasonRecord("STRATEGY_" + outcome.value.upper(), limit_reason, "strategy")
                )
        if outcome is not Outcome.APPROVE:
            reasons += [
                ReasonRecord(r.feature.upper(), r.description, "model")
                for r in score.reasons[:MAX_MODEL_REASONS]
            ]
        return DecisionRecord(
            application_id=application.application_id,
            applicant_id=application.applicant_id,
            business_date=application.business_date,
            application_hash=application.fingerprint(),
            inputs_hash=hashed,
            existing_exposure_minor=existing_exposure_minor,
            features=storable(features),
            fraud=fraud.as_context(),
            rule_set=config.rules.label,
            model=config.scorer.version,
            strategy=strategy.label,
            rules_fired=tuple(f.rule_id for f in fired),
            pd=score.pd,
            score=score.points,
            outcome=outcome.value,
            reasons=tuple(reasons),
            offer=offer,
        )

    def _screen(
        self, application: Application, product: Product, strategy: Strategy
    ) -> DecisionRecord | None:
        """Declines that need no data at all: no consent to data use, an amount or term the
        product does not offer. Returned before any adapter is called."""
        reason = None
        if not application.consent_data_use:
            reason = ReasonRecord("NO_CONSENT", "no consent to use the applicant's data", "rule")
        elif not (
            product.min_principal_minor <= application.amount_minor <= product.max_principal_minor
        ):
            reason = ReasonRecord(
                "AMOUNT_OUT_OF_RANGE",
                f"{product.code} lends {format_minor(product.min_principal_minor)}–"
                f"{format_minor(product.max_principal_minor)}",
                "product",
            )
        elif product.allowed_periods and application.periods not in product.allowed_periods:
            reason = ReasonRecord(
                "TERM_NOT_OFFERED",
                f"{product.code} offers {list(product.allowed_periods)} instalments",
                "product",
            )
        if reason is None:
            return None
        config = self.config
        return DecisionRecord(
            application_id=application.application_id,
            applicant_id=application.applicant_id,
            business_date=application.business_date,
            application_hash=application.fingerprint(),
            inputs_hash="",
            existing_exposure_minor=0,
            features={},
            fraud={},
            rule_set=config.rules.label,
            model=config.scorer.version,
            strategy=strategy.label,
            rules_fired=(),
            pd=None,
            score=None,
            outcome=Outcome.DECLINE.value,
            reasons=(reason,),
            offer=None,
        )

    def _gather(self, application: Application) -> tuple[dict[str, float], FraudAssessment, str]:
        sources = self.sources
        ids = [application.applicant_id]
        on = application.business_date
        flows = sources.transactions.flows(ids, as_of=on, days=FLOW_DAYS)
        bureau = (
            sources.bureau.reports(ids, consented=[True], as_of=on)
            if application.consent_bureau
            else None
        )
        history = sources.history.history(ids, as_of=on)
        identity_batch = sources.identity.identities(ids)
        identity = Identity.from_batch(identity_batch, 0)
        fraud = self.graph.assess(application.applicant_id, identity, application.submitted_at)
        facts = ApplicantFacts(
            age=np.array([application.age]),
            city_tier=np.array([application.city_tier]),
            is_merchant=np.array([application.kind == "merchant"]),
            is_student=np.array([application.occupation == "student"]),
            declared_monthly_income_minor=np.array([application.declared_monthly_income_minor]),
            amount_minor=np.array([application.amount_minor]),
        )
        inputs = FeatureInputs(
            facts=facts,
            flows=flows,
            bureau=bureau,
            bureau_available=np.array([bureau is not None]),
            history=history,
            shared_device_applicants=np.array([fraud.shared_device_applicants]),
        )
        features = row(compute_features(inputs), 0)
        return features, fraud, inputs_hash(flows, bureau, history, identity_batch)

    def _context(
        self, application: Application, features: Mapping[str, float], fraud: FraudAssessment
    ) -> dict[str, Any]:
        context: dict[str, Any] = dict(features)
        context.update(profile_context(self.config.profile, application.business_date))
        context["application.consent_data_use"] = float(application.consent_data_use)
        context["application.consent_bureau"] = float(application.consent_bureau)
        context["application.blocked"] = float(
            application.applicant_id in self.config.blocked_applicants
        )
        context.update(fraud.as_context())
        return context

    def _offer(
        self,
        application: Application,
        product: Product,
        strategy: Strategy,
        score: Score,
        features: Mapping[str, float],
        existing_exposure_minor: int,
    ) -> tuple[Offer | None, Outcome, str]:
        monthly = features.get("monthly_income", 0.0)
        terms = offer_terms(
            strategy,
            pd=score.pd,
            inputs=LimitInputs(
                requested_minor=application.amount_minor,
                monthly_income_minor=round(monthly * 100) if monthly == monthly else 0,
                is_merchant=application.kind == "merchant",
                existing_exposure_minor=existing_exposure_minor,
                product_min_minor=product.min_principal_minor,
                product_max_minor=product.max_principal_minor,
                requested_periods=application.periods,
            ),
            profile=self.config.profile,
            lender=self.config.lender,
            on=application.business_date,
        )
        if terms.outcome is not Outcome.APPROVE or terms.annual_rate is None:
            return None, terms.outcome, terms.limit_reason
        periods = terms.periods
        if product.allowed_periods and periods not in product.allowed_periods:
            periods = (
                max(p for p in product.allowed_periods if p <= terms.periods)
                if any(p <= terms.periods for p in product.allowed_periods)
                else application.periods
            )
        schedule = generate_schedule(
            product.terms(
                principal_minor=terms.amount_minor,
                start_date=application.business_date,
                overrides={"annual_rate": terms.annual_rate, "periods": periods},
                harvest_dates=(),
            )
        )
        check_annual_cost(
            self.config.profile, apr=schedule.apr.nominal, on=application.business_date
        )
        offer = Offer(
            product_code=product.code,
            amount_minor=terms.amount_minor,
            annual_rate=str(terms.annual_rate),
            periods=periods,
            apr_nominal_percent=str(schedule.apr.nominal_percent()),
            apr_effective_percent=str(schedule.apr.effective_percent()),
            first_instalment_minor=schedule.instalments[0].total_minor,
            total_repayable_minor=sum(i.total_minor for i in schedule.instalments),
            band=terms.band,
            strategy=strategy.label,
        )
        return offer, Outcome.APPROVE, terms.limit_reason


def describe(feature: str) -> str:
    return DESCRIPTIONS.get(feature, feature.replace("_", " "))


def annual_rate(offer: Offer) -> Decimal:
    return Decimal(offer.annual_rate)
