"""Who may do what, and how personal data is kept: roles and scopes, password hashing, signed
tokens, API keys, authenticated encryption of personal data, masking, and consent.

Plain Python over well-kept libraries (argon2-cffi, PyJWT, cryptography); no web framework and
no ORM, so the rules here hold for every interface (HTTP, console, CLI).
"""
