"""The factories' defaults meet the database's constraints, and the ledger's only by INSERT."""

from __future__ import annotations

import pytest

from authorizations.forms_channel.data import form_data_from_json
from authorizations.models import (
    Authorization,
    Channel,
    FormState,
    RequestDraft,
    RequestModule,
    RequestState,
    UploadedForm,
)
from tests.authorizations.factories import (
    INCOME_2024,
    AuthorizationFactory,
    AuthorizationRequestFactory,
    InformationAccessFactory,
    RequestDraftFactory,
    UploadedFormFactory,
)
from tests.taxpayers.factories import BusinessTaxpayerFactory

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


@pytest.mark.parametrize("state", FormState.values)
def test_an_uploaded_form_in_any_state_meets_the_constraints(state: str) -> None:
    form = UploadedFormFactory(state=state)
    assert (form.clerk_id is not None) is (state == FormState.IN_REVIEW)
    assert UploadedForm.objects.filter(state=state).get() == form


def test_r46_an_uploaded_form_keeps_the_taxpayers_tin_encrypted_and_out_of_its_data() -> None:
    business = BusinessTaxpayerFactory()
    form = UploadedFormFactory(taxpayer=business)
    assert form.tin_reveal() == business.tin_reveal()
    assert form.tin_masked == business.tin_masked
    assert business.tin_reveal() not in str(form.data)
    keyed = form_data_from_json(form.data, tin=form.tin_reveal())
    assert keyed.taxpayer.name == business.name
    assert [m.periods for m in keyed.matters] == [("202503",)]


def test_r34b_a_form_channel_row_comes_from_a_recorded_form_and_no_request() -> None:
    row = AuthorizationFactory(
        from_form=True,
        taxpayer=BusinessTaxpayerFactory(),
        kind="tia",
        matter="1120",
        period="202506",
    )
    assert row.channel == Channel.FORM and row.request is None
    form = row.uploaded_form
    assert form.state == FormState.RECORDED and form.form_type == "8821"
    assert form.tin_hash == row.taxpayer.tin_hash
    assert form.decided_at <= row.starts_at
    assert form.data["matters"][0]["form_code"] == "1120"
    assert form.data["representatives"][0]["caf_number"] == row.caf_record.caf_number
