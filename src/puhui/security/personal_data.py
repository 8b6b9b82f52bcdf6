"""Personal data at rest: authenticated encryption with a key ring, and masking for display.

Each value is sealed with AES-256-GCM (the `cryptography` package) under the ring's current key;
the stored text is `<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`, and the field's name is bound
in as associated data so a phone cannot be swapped into an ID-number column. Any key in the ring
opens what it sealed, so rotation is: add a new current key, re-seal rows in the background
(`puhui keys rotate`), and retire the old key once no row names it — no downtime.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from puhui.security.errors import KeyringInvalid, PersonalDataUnreadable

NONCE_BYTES = 12


class Field(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    BANK_CARD = "bank_card"
    ADDRESS = "address"


PERSONAL_FIELDS = tuple(Field)


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Keys by id; `current` seals, every key opens."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """`id:base64key[,id:base64key…]`, the first being current (e.g. PUHUI_PII_KEYS)."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            key_id, _, encoded = part.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if not key_id.isalnum() or len(key) != 32:
                raise KeyringInvalid(
                    f"key {key_id or part!r} in the personal-data key ring is not "
                    "'<letters/digits>:<base64 of 32 bytes>'; make one with `puhui keys new`"
                )
            keys[key_id] = key
            order.append(key_id)
        if not keys:
            raise KeyringInvalid("the personal-data key ring is empty; set PUHUI_PII_KEYS")
        return cls(keys, order[0])

    @staticmethod
    def new_key_text(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"

    def seal(self, field: Field, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(
            nonce, value.encode(), field.value.encode()
        )
        return f"{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, field: Field, stored: str) -> str:
        key_id, _, encoded = stored.partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise PersonalDataUnreadable(
                f"personal data sealed with key {key_id!r}, which is not in the key ring; add "
                "that key back to PUHUI_PII_KEYS"
            )
        raw = base64.b64decode(encoded)
        try:
            return (
                AESGCM(key)
                .decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.value.encode())
                .decode()
            )
        except InvalidTag:
            raise PersonalDataUnreadable(
                f"a sealed {field.value} failed its integrity check (tampered or misfiled)"
            ) from None

    @staticmethod
    def key_of(stored: str) -> str:
        return stored.partition(":")[0]


def mask(field: Field, value: str) -> str:
    """What a caller without the personal-data scope sees: enough to recognise, not to use."""
    if not value:
        return value
    if field is Field.NAME:
        return value[0] + "*" * (len(value) - 1)
    if field in (Field.PHONE, Field.BANK_CARD, Field.ID_NUMBER):
        keep_start = 3 if field is Field.PHONE else (4 if field is Field.ID_NUMBER else 0)
        keep_end = 4
        if len(value) <= keep_start + keep_end:
            return "*" * len(value)
        return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
    return value[:3] + "*" * max(0, len(value) - 3)
