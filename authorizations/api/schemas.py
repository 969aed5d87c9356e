"""What the API reads and writes, as pydantic models; the OpenAPI document is made from them.

Nothing here carries a whole TIN out (R43, R46): a taxpayer is named by name and the TIN's last
four digits. Text in is refused as the pages refuse it (invisible or control characters, emoji,
mixed scripts), at the field, without echoing it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field

from taxpro.form_fields import text_refusal


def _plain(value: str) -> str:
    refusal = text_refusal(value)
    if refusal is not None:
        raise ValueError(refusal)
    return value.strip()


plain_text = _plain  # for the other modules' text fields

Name = Annotated[str, Field(min_length=1, max_length=150), AfterValidator(_plain)]
Line = Annotated[str, Field(max_length=100), AfterValidator(_plain)]
Short = Annotated[str, Field(max_length=20), AfterValidator(_plain)]
# A list's cursor: what the previous page's "next" address held.
Cursor = Annotated[str, Field(max_length=300), AfterValidator(_plain)]


class AddressIn(Schema):
    line1: Line = Field(min_length=1)
    line2: Line = ""
    city: Line = Field(min_length=1)
    state: Short = Field(min_length=2, description="Two-letter USPS code of a state or DC.")
    zip_code: Short = Field(min_length=5, description="12345 or 12345-6789.")


class RepresentativeIn(Schema):
    caf_number: Short = Field(description="Your own CAF number, 9 digits.")
    name: Name
    address: AddressIn


class TaxpayerIn(Schema):
    tin: Short = Field(description="SSN or ITIN; never sent back.")
    name: Name
    address: AddressIn


class ModuleIn(Schema):
    matter: Literal["1040", "8857", "srp", "srp_split", "civil_penalty"]
    period: Short = Field(
        description="YYYYMM: the last month of the period (202412 for 2024; a Civil Penalty "
        "quarter ends in 03, 06, 09 or 12)."
    )


class RequestIn(Schema):
    kind: Literal["poa", "tia"]
    representative: RepresentativeIn
    taxpayer: TaxpayerIn
    modules: list[ModuleIn] = Field(min_length=1, max_length=300)
    receives_notices: bool = False


class TaxpayerOut(Schema):
    name: str
    tin_last4: str


class ModuleOut(Schema):
    matter: str
    period: str


RequestStatus = Literal["pending", "recorded", "expired", "cancelled", "no_status"]


class RequestOut(Schema):
    id: uuid.UUID
    url: str
    kind: Literal["poa", "tia"]
    status: RequestStatus = Field(
        description="no_status: the taxpayer rejected it or it could not be processed; "
        "contact the taxpayer (no reason is given)."
    )
    status_text: str
    caf_number: str
    taxpayer: TaxpayerOut
    modules: list[ModuleOut]
    receives_notices: bool
    submitted_at: dt.datetime | None
    expires_at: dt.datetime | None = None
    recorded_at: dt.datetime | None = None


class RequestPage(Schema):
    items: list[RequestOut]
    next: str | None = Field(description="The next page's address; null on the last page.")


class AuthorizationOut(Schema):
    id: uuid.UUID
    url: str
    kind: Literal["poa", "tia"]
    caf_number: str
    taxpayer: TaxpayerOut
    matter: str
    period: str
    receives_notices: bool
    channel: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    end_reason: str = ""


class AuthorizationPage(Schema):
    items: list[AuthorizationOut]
    next: str | None


class FieldError(Schema):
    field: str
    detail: str


class Problem(Schema):
    """RFC 9457 problem document (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []
    existing: str | None = Field(
        default=None, description="A duplicate's existing request, by address."
    )


# What every authenticated endpoint may answer besides its own outcomes: no or a bad token,
# a missing scope, not yours, bad input, a throttle, closed hours.
REFUSALS: dict[int | str, Any] = {
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
    429: Problem,
    503: Problem,
}
