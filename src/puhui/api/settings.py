"""Server settings, from the environment (or a `KEY=value` file such as the demo writes).

| variable | meaning |
|---|---|
| PUHUI_DATABASE_URL | the database (default sqlite:///puhui.db) |
| PUHUI_TOKEN_SECRET | signs access tokens (≥ 32 characters) |
| PUHUI_PII_KEYS | personal-data key ring, `id:base64key,…`, current first |
| PUHUI_MODEL_DIR | the scorer the decision engine uses |
| PUHUI_POPULATION_SEED / PUHUI_POPULATION_SIZE | the simulated data sources' population |
| PUHUI_NET_ASSETS_MINOR | the lender's net assets (concentration limits) |
| PUHUI_SIGNIN_RATE / PUHUI_APPLY_RATE | rate limits, e.g. "10/minute" |
| PUHUI_SECURE_COOKIES | "1" behind HTTPS: cookies get the Secure flag |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from puhui.core.errors import InvalidInput
from puhui.security.personal_data import KeyRing

MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ApiSettings:
    database_url: str
    token_secret: str
    keyring: KeyRing
    model_directory: Path | None = None
    population_seed: int = 2025
    population_size: int = 1_000_000
    net_assets_minor: int = 500_000_000_00
    signin_rate: str = "10/minute"
    apply_rate: str = "600/second"
    secure_cookies: bool = False
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        secret = env.get("PUHUI_TOKEN_SECRET", "")
        if len(secret) < 32:
            raise InvalidInput(
                "PUHUI_TOKEN_SECRET must be set to at least 32 random characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        model = env.get("PUHUI_MODEL_DIR")
        try:
            return cls(
                database_url=env.get("PUHUI_DATABASE_URL", "sqlite:///puhui.db"),
                token_secret=secret,
                keyring=KeyRing.parse(env.get("PUHUI_PII_KEYS", "")),
                model_directory=Path(model) if model else None,
                population_seed=int(env.get("PUHUI_POPULATION_SEED", "2025")),
                population_size=int(env.get("PUHUI_POPULATION_SIZE", "1000000")),
                net_assets_minor=int(env.get("PUHUI_NET_ASSETS_MINOR", str(500_000_000_00))),
                signin_rate=env.get("PUHUI_SIGNIN_RATE", "10/minute"),
                apply_rate=env.get("PUHUI_APPLY_RATE", "600/second"),
                secure_cookies=env.get("PUHUI_SECURE_COOKIES") == "1",
            )
        except ValueError as error:
            raise InvalidInput(f"a PUHUI_ setting is not a number: {error}") from None


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines (blank lines and # comments ignored)."""
    if not path.exists():
        raise InvalidInput(f"settings file {path} does not exist; run `puhui demo` to write one")
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
