from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from taxpro import views

# Staff reach the admin only through allauth's sign-in, and so through its second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Tax Pro Portal staff"
admin.site.site_title = "Tax Pro Portal staff"

urlpatterns = [
    path("", views.front_door, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("auth/", include("allauth.urls")),
    # The practitioner's side (issue 4). Every /pro/ page closes outside the hours (R40-R42).
    path("pro/", views.practitioner_home, name="practitioner_home"),
    path("pro/signup/", views.signup_as, {"kind": "practitioner"}, name="practitioner_signup"),
    path("pro/profile/", include("caf.urls")),
    path("pro/requests/new/", include("authorizations.wizard.urls")),
    path("pro/clients/", include("authorizations.client_urls")),
    path("pro/", include("authorizations.pro_urls")),
    # The taxpayer's online account (issue 5). Never closed.
    path("account/", views.taxpayer_home, name="taxpayer_home"),
    path("account/signup/", views.signup_as, {"kind": "taxpayer"}, name="taxpayer_signup"),
    path("account/authorizations/", include("authorizations.account_urls")),
    path("account/", include("taxpayers.urls")),
    path("admin/", admin.site.urls),
]
