"""Security errors: each carries a stable code the HTTP layer maps to 401/403/409."""

from __future__ import annotations

from puhui.core.errors import PuhuiError


class NotAuthenticated(PuhuiError):
    code = "not_authenticated"


class Forbidden(PuhuiError):
    code = "forbidden"


class ConsentRequired(PuhuiError):
    code = "consent_required"


class KeyringInvalid(PuhuiError):
    code = "keyring_invalid"


class PersonalDataUnreadable(PuhuiError):
    code = "personal_data_unreadable"
