from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from authorizations.api.api import api as api_v1
from authorizations.api.oauth import oauth_urlpatterns
from authorizations.web.account import home as account_home
from authorizations.web.pro import home as pro_home
from taxpro import help, views

# A database outage is a friendly 503 page; anything else the ordinary 500 page.
handler500 = "taxpro.outage.server_error"

# Staff reach the admin only through allauth's sign-in, and so through its second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Tax Pro Portal staff"
admin.site.site_title = "Tax Pro Portal staff"

# One URL namespace per app and audience: caf_pro, authorizations_pro (under /pro/);
# taxpayers_account, authorizations_account (under /account/). The homes are named site-wide.

help_pages: list[URLPattern | URLResolver] = [
    path("abbreviations/", help.abbreviations, name="help_abbreviations"),
    path("caf-numbers/", help.caf_numbers, name="help_caf_numbers"),
]

# The practitioner's side (issue 4). Every /pro/ page closes outside the hours (R40-R42).
practitioner_pages: list[URLPattern | URLResolver] = [
    path("", pro_home.practitioner_home, name="practitioner_home"),
    path("signup/", views.signup_as, {"kind": "practitioner"}, name="practitioner_signup"),
    path("profile/", include("caf.web.pro.urls")),
    path("", include("authorizations.web.pro.urls")),
]

# The taxpayer's online account (issue 5). Never closed.
taxpayer_pages: list[URLPattern | URLResolver] = [
    path("", account_home.taxpayer_home, name="taxpayer_home"),
    path("signup/", views.signup_as, {"kind": "taxpayer"}, name="taxpayer_signup"),
    path("", include("authorizations.web.account.urls")),
    path("", include("taxpayers.web.account.urls")),
]

urlpatterns = [
    path("", views.front_door, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("help/", include(help_pages)),
    path("auth/", include("allauth.urls")),
    path("pro/", include(practitioner_pages)),
    path("account/", include(taxpayer_pages)),
    path("staff/forms/", include("authorizations.web.staff.urls")),  # the CAF unit (R34b)
    path("admin/", admin.site.urls),
    # Issue 14: the API for practice software, and the authorization server it uses.
    path("api/v1/", api_v1.urls),
    path("oauth/", include((oauth_urlpatterns, "oauth2_provider"))),
]
