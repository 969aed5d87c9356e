"""The factories' defaults meet the database's constraints, and the ledger's only by INSERT."""

from __future__ import annotations

import pytest

from authorizations.models import Authorization, RequestDraft, RequestModule, RequestState
from tests.authorizations.factories import (
    INCOME_2024,
    AuthorizationFactory,
    AuthorizationRequestFactory,
    InformationAccessFactory,
    RequestDraftFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s for s in RequestState.values if s != RequestState.DRAFT])
def test_a_request_in_any_submitted_state_meets_the_constraints(state: str) -> None:
    req = AuthorizationRequestFactory(state=state)
    signed = state in (RequestState.APPROVED, RequestState.RECORDED)
    assert (req.signed_at is not None) is signed
    assert req.expires_at is not None
    assert list(req.modules.values_list("matter", "period")) == [INCOME_2024]


def test_a_draft_request_has_not_been_submitted() -> None:
    req = AuthorizationRequestFactory(state=RequestState.DRAFT, modules=())
    assert req.submitted_at is None and req.expires_at is None
    assert not RequestModule.objects.filter(request=req).exists()


def test_r28_an_ended_ledger_row_is_inserted_ended() -> None:
    active = AuthorizationFactory()
    ended = AuthorizationFactory(ended=True)
    assert list(Authorization.objects.active()) == [active]
    assert ended.ends_at == ended.starts_at and ended.end_reason


def test_an_information_access_and_an_untouched_draft() -> None:
    assert InformationAccessFactory().form == INCOME_2024[0]
    draft = RequestDraftFactory()
    assert list(RequestDraft.objects.owned_by(draft.owner).unfinished()) == [draft]
