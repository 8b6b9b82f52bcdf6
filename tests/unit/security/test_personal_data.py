"""Sealing personal data: round trips under any key in the ring, binds the field, detects
tampering, and masks what a caller without the scope sees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.security.errors import KeyringInvalid, PersonalDataUnreadable
from puhui.security.personal_data import Field, KeyRing, mask

OLD = KeyRing.parse(KeyRing.new_key_text("k1"))
NEW = KeyRing.parse(
    KeyRing.new_key_text("k2")
    + ","
    + ",".join(f"{k}:{__import__('base64').b64encode(v).decode()}" for k, v in OLD.keys.items())
)


@given(st.sampled_from(list(Field)), st.text(min_size=1, max_size=200))
def test_sealed_values_open_to_themselves_and_never_show_the_plaintext(
    field: Field, value: str
) -> None:
    sealed = OLD.seal(field, value)
    assert OLD.open(field, sealed) == value
    assert value not in sealed.partition(":")[2] or len(value) < 4
    assert OLD.seal(field, value) != sealed  # a fresh nonce each time


def test_a_rotated_ring_opens_old_values_and_seals_with_the_new_key() -> None:
    sealed = OLD.seal(Field.PHONE, "13800000000")
    assert NEW.current == "k2"
    assert NEW.open(Field.PHONE, sealed) == "13800000000"
    assert KeyRing.key_of(NEW.seal(Field.PHONE, "13800000000")) == "k2"
    retired = KeyRing.parse(KeyRing.new_key_text("k3"))
    with pytest.raises(PersonalDataUnreadable, match="not in the key ring"):
        retired.open(Field.PHONE, sealed)


def test_a_value_moved_to_another_field_or_tampered_with_does_not_open() -> None:
    sealed = OLD.seal(Field.PHONE, "13800000000")
    with pytest.raises(PersonalDataUnreadable, match="integrity"):
        OLD.open(Field.ID_NUMBER, sealed)
    key, _, body = sealed.partition(":")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(PersonalDataUnreadable):
        OLD.open(Field.PHONE, f"{key}:{flipped}")


@pytest.mark.parametrize("text", ["", "k1", "k1:short", "k-1:" + "A" * 44, "k1:!!!"])
def test_a_bad_key_ring_is_refused_with_how_to_fix_it(text: str) -> None:
    with pytest.raises(KeyringInvalid, match=r"PUHUI_PII_KEYS|puhui keys"):
        KeyRing.parse(text)


def test_masks_keep_enough_to_recognise_and_no_more() -> None:
    assert mask(Field.NAME, "王小明") == "王**"
    assert mask(Field.PHONE, "13812345678") == "138****5678"
    assert mask(Field.ID_NUMBER, "11010119900101123X") == "1101**********123X"
    assert mask(Field.BANK_CARD, "6222020000001234") == "************1234"
    assert mask(Field.ADDRESS, "北京市人民路1号") == "北京市*****"
