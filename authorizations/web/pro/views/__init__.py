"""The practitioner's lists (issue 4): Requests (R19, R20) and Active authorizations (R7, R29)."""

from __future__ import annotations

from authorizations.web.pro.views.authorizations import (
    authorization_list,
    authorization_withdraw_selected,
    authorizations_csv,
)
from authorizations.web.pro.views.requests import request_cancel, request_detail, request_list

__all__ = [
    "authorization_list",
    "authorization_withdraw_selected",
    "authorizations_csv",
    "request_cancel",
    "request_detail",
    "request_list",
]
