"""Every URL of the portal, its path and its name, written out: a route or a name changes
only when this table is changed with it, never as a side effect of tidying a urls.py.

The table holds the portal's own routes in the order Django tries them. The admin's pages
follow the models registered with it and allauth's pages follow the library, so only their
mounts are checked here.
"""

from __future__ import annotations

import re
import uuid

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# The mounts of the admin's and allauth's pages, and a page under each.
THIRD_PARTY_MOUNTS = ("admin/", "auth/")
THIRD_PARTY_PAGES = {"admin:index": "/admin/", "account_login": "/auth/login/"}

PORTAL_URLS = [
    ("", "home"),
    ("healthz", "healthz"),
    ("accessibility/", "accessibility"),
    ("help/abbreviations/", "help_abbreviations"),
    ("help/caf-numbers/", "help_caf_numbers"),
    ("pro/", "practitioner_home"),
    ("pro/signup/", "practitioner_signup"),
    ("pro/profile/", "caf_pro:profile"),
    ("pro/profile/create/", "caf_pro:profile_create"),
    ("pro/profile/designations/", "caf_pro:designation_add"),
    ("pro/profile/link/", "caf_pro:link_start"),
    ("pro/profile/link/<uuid:public_id>/", "caf_pro:link_confirm"),
    ("pro/profile/get-caf-number/", "caf_pro:get_caf_number"),
    ("pro/requests/new/", "authorizations_pro:wizard_start"),
    ("pro/requests/new/<uuid:public_id>/submit/", "authorizations_pro:wizard_submit"),
    ("pro/requests/new/<uuid:public_id>/done/", "authorizations_pro:wizard_done"),
    ("pro/requests/new/<uuid:public_id>/discard/", "authorizations_pro:wizard_discard"),
    ("pro/requests/new/<uuid:public_id>/<slug:slug>/", "authorizations_pro:wizard_step"),
    ("pro/requests/", "authorizations_pro:requests"),
    ("pro/requests/<uuid:public_id>/", "authorizations_pro:request"),
    ("pro/requests/<uuid:public_id>/cancel/", "authorizations_pro:request_cancel"),
    ("pro/authorizations/", "authorizations_pro:authorizations"),
    ("pro/authorizations/export.csv", "authorizations_pro:authorizations_csv"),
    ("pro/authorizations/withdraw/", "authorizations_pro:authorizations_withdraw"),
    ("pro/notices/", "authorizations_pro:notices"),
    ("pro/forms/", "authorizations_pro:forms"),
    ("pro/forms/new/", "authorizations_pro:form_new"),
    ("pro/forms/new/<uuid:public_id>/submit/", "authorizations_pro:form_draft_submit"),
    ("pro/forms/new/<uuid:public_id>/discard/", "authorizations_pro:form_draft_discard"),
    ("pro/forms/new/<uuid:public_id>/<slug:slug>/", "authorizations_pro:form_draft_step"),
    ("pro/forms/<uuid:public_id>/", "authorizations_pro:form"),
    ("pro/forms/<uuid:public_id>/withdraw/", "authorizations_pro:form_withdraw"),
    ("pro/profile/software/", "authorizations_pro:software"),
    ("pro/profile/software/revoke/", "authorizations_pro:software_revoke"),
    ("pro/clients/", "authorizations_pro:clients"),
    ("pro/clients/<uuid:public_id>/", "authorizations_pro:client"),
    ("pro/webhooks/", "authorizations_pro:webhooks"),
    ("pro/webhooks/new/", "authorizations_pro:webhook_new"),
    ("pro/webhooks/<uuid:public_id>/", "authorizations_pro:webhook"),
    ("pro/webhooks/<uuid:public_id>/events/", "authorizations_pro:webhook_events"),
    ("pro/webhooks/<uuid:public_id>/rotate/", "authorizations_pro:webhook_rotate"),
    ("pro/webhooks/<uuid:public_id>/secret/", "authorizations_pro:webhook_secret"),
    ("pro/webhooks/<uuid:public_id>/status/", "authorizations_pro:webhook_status"),
    ("pro/webhooks/<uuid:public_id>/delete/", "authorizations_pro:webhook_delete"),
    (
        "pro/webhooks/<uuid:public_id>/deliveries/<uuid:delivery_id>/send-again/",
        "authorizations_pro:webhook_send_again",
    ),
    ("account/", "taxpayer_home"),
    ("account/signup/", "taxpayer_signup"),
    ("account/authorizations/", "authorizations_account:index"),
    ("account/authorizations/requests/<uuid:public_id>/", "authorizations_account:request"),
    ("account/authorizations/requests/<uuid:public_id>/approve/", "authorizations_account:approve"),
    ("account/authorizations/requests/<uuid:public_id>/reject/", "authorizations_account:reject"),
    ("account/authorizations/<uuid:public_id>/revoke/", "authorizations_account:revoke"),
    ("account/who-viewed/", "authorizations_account:access_log"),
    ("account/verify/", "taxpayers_account:verify"),
    ("account/verify/code/", "taxpayers_account:verify_code"),
    ("account/notices/", "taxpayers_account:notices"),
    ("account/notices/<uuid:public_id>/", "taxpayers_account:notice"),
    ("staff/forms/", "authorizations_staff:queue"),
    ("staff/forms/take/", "authorizations_staff:take_next"),
    ("staff/forms/<uuid:public_id>/", "authorizations_staff:form"),
    ("staff/forms/<uuid:public_id>/file/", "authorizations_staff:file"),
    ("staff/forms/<uuid:public_id>/record/", "authorizations_staff:record"),
    ("staff/forms/<uuid:public_id>/reject/", "authorizations_staff:reject"),
    ("staff/forms/<uuid:public_id>/release/", "authorizations_staff:release"),
    ("api/v1/openapi.json", "api-v1:openapi-json"),
    ("api/v1/requests", "api-v1:request_create"),
    ("api/v1/requests", "api-v1:request_list"),
    ("api/v1/requests/<public_id>", "api-v1:request_get"),
    ("api/v1/requests/<public_id>/cancel", "api-v1:request_cancel"),
    ("api/v1/authorizations", "api-v1:authorization_list"),
    ("api/v1/authorizations/<public_id>", "api-v1:authorization_get"),
    ("api/v1/authorizations/<public_id>/withdraw", "api-v1:authorization_withdraw"),
    ("api/v1/forms/<public_id>", "api-v1:form_get"),
    ("api/v1/webhooks", "api-v1:webhook_create"),
    ("api/v1/webhooks", "api-v1:webhook_list"),
    ("api/v1/webhooks/<public_id>", "api-v1:webhook_get"),
    ("api/v1/webhooks/<public_id>", "api-v1:webhook_delete"),
    ("api/v1/webhooks/<public_id>/disable", "api-v1:webhook_disable"),
    ("api/v1/webhooks/<public_id>/enable", "api-v1:webhook_enable"),
    ("api/v1/webhooks/<public_id>/rotate", "api-v1:webhook_rotate"),
    ("api/v1/forms", "api-v1:form_upload"),
    ("api/v1/forms", "api-v1:form_list"),
    ("api/v1/forms/<public_id>/withdraw", "api-v1:form_withdraw"),
    ("api/v1/", "api-v1:api-root"),
    ("oauth/authorize/", "oauth2_provider:authorize"),
    ("oauth/token/", "oauth2_provider:token"),
    ("oauth/revoke_token/", "oauth2_provider:revoke-token"),
]

# A value for each kind of path converter the portal uses, to reverse and resolve its URLs.
SAMPLE_VALUES = {"uuid": uuid.UUID(int=7), "slug": "a-step", "str": "a-public-id"}
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _table(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(full route, full name) for every named route, in the order Django tries them."""
    rows = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            rows += _table(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            rows.append((prefix + str(entry.pattern), namespace + entry.name))
    return rows


def _portal_table() -> list[tuple[str, str]]:
    return [
        (route, name)
        for route, name in _table(get_resolver())
        if not route.startswith(THIRD_PARTY_MOUNTS)
    ]


def test_the_portal_routes_and_their_names_are_exactly_the_table() -> None:
    assert _portal_table() == PORTAL_URLS


def _sample_kwargs(route: str) -> dict[str, object]:
    return {
        match["name"]: SAMPLE_VALUES[match["converter"] or "str"]
        for match in PARAMETER.finditer(route)
    }


def _filled_in(route: str, kwargs: dict[str, object]) -> str:
    return "/" + PARAMETER.sub(lambda match: str(kwargs[match["name"]]), route)


def test_every_portal_url_reverses_to_its_route_and_resolves_back() -> None:
    for route, name in PORTAL_URLS:
        kwargs = _sample_kwargs(route)
        path = _filled_in(route, kwargs)
        assert reverse(name, kwargs=kwargs) == path, name
        assert resolve(path).route == route, name


def test_the_admin_and_sign_in_pages_are_mounted_where_they_were() -> None:
    for name, path in THIRD_PARTY_PAGES.items():
        assert reverse(name) == path
