"""The HTTP API (FastAPI): resources over the service layer, authentication and authorisation,
idempotency keys on every call that moves money, and RFC 9457 problem+json errors."""
