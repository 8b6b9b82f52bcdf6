"""Errors of the credit (decisioning) context; each carries a stable code and says what to do."""

from __future__ import annotations

from puhui.core.errors import Conflict, InvalidInput, NotFound, PuhuiError


class InvalidApplication(InvalidInput):
    code = "invalid_application"


class ConsentMissing(PuhuiError):
    code = "consent_missing"


class InvalidRuleSet(InvalidInput):
    code = "invalid_rule_set"


class InvalidStrategy(InvalidInput):
    code = "invalid_strategy"


class ApplicationConflict(Conflict):
    code = "application_id_reused"


class DecisionNotFound(NotFound):
    code = "decision_not_found"


class OfferNotAcceptable(PuhuiError):
    code = "offer_not_acceptable"


class LenderFiguresMissing(InvalidInput):
    """The lender's net assets are needed for a regulatory limit and are not configured."""

    code = "lender_figures_missing"
