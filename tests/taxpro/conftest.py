"""Fixtures of the ground floor's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from taxpro.models import User


@pytest.fixture
def superuser_client(client: Client, staff_user: User) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client
