"""R46: TINs stored encrypted with a keyed hash for look-ups; no whole TIN anywhere in clear."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from taxpayers.models import Taxpayer
from taxpayers.selectors import taxpayer_by_tin
from taxpro.models import AuditEvent
from taxpro.tin_crypto import tin_lookup_hash
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory

pytestmark = pytest.mark.django_db


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - test-only, fixed table names.
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_r46_whole_tin_absent_from_the_raw_taxpayer_row() -> None:
    TaxpayerFactory(tin="123-45-6789")
    BusinessTaxpayerFactory(tin="12-3456780")
    dump = raw_rows("taxpayers_taxpayer")
    for whole in ["123456789", "123-45-6789", "123456780", "12-3456780"]:
        assert whole not in dump
    assert "6789" in dump  # the last four, for masking (R43), are the only clear digits


def test_r46_whole_tin_absent_from_audit_events() -> None:
    TaxpayerFactory(tin="123-45-6789")
    dump = raw_rows("authorizations_auditevent")
    assert AuditEvent.objects.filter(action="taxpayers.taxpayer.created").exists()
    assert "123456789" not in dump and "123-45-6789" not in dump


def test_r46_look_up_by_keyed_hash_finds_the_taxpayer() -> None:
    taxpayer = TaxpayerFactory(tin="123-45-6789")
    TaxpayerFactory(tin="123-45-6780")
    assert Taxpayer.objects.with_tin("123456789").get() == taxpayer
    assert taxpayer_by_tin(tin="123-45-6789") == taxpayer
    assert taxpayer_by_tin(tin="123-45-6781") is None


def test_r46_hash_is_keyed_not_a_plain_digest() -> None:
    taxpayer = TaxpayerFactory(tin="123-45-6789")
    assert taxpayer.tin_hash != hashlib.sha256(b"123456789").hexdigest()
    with override_settings(TIN_HASH_KEY="another-key-entirely"):
        assert tin_lookup_hash("123456789") != taxpayer.tin_hash


def test_r46_ciphertext_decrypts_only_with_the_key() -> None:

    taxpayer = TaxpayerFactory(tin="123-45-6789")
    assert taxpayer.tin_reveal() == "123456789"
    with override_settings(TIN_ENCRYPTION_KEY=Fernet.generate_key().decode()):
        with pytest.raises(ImproperlyConfigured) as info:
            Taxpayer.objects.get(pk=taxpayer.pk).tin_reveal()
        assert "123456789" not in str(info.value)


def test_r46_key_rotation_keeps_old_ciphertexts_readable() -> None:

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(TIN_ENCRYPTION_KEY=old_key):
        taxpayer = TaxpayerFactory(tin="123-45-6789")
    with override_settings(TIN_ENCRYPTION_KEYS=[new_key, old_key]):
        assert Taxpayer.objects.get(pk=taxpayer.pk).tin_reveal() == "123456789"


def test_r46_development_keys_derive_from_secret_key() -> None:
    with override_settings(SECRET_KEY="a" * 60, TIN_HASH_KEY=None):
        first = tin_lookup_hash("123456789")
    with override_settings(SECRET_KEY="b" * 60, TIN_HASH_KEY=None):
        second = tin_lookup_hash("123456789")
    assert first != second
