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
    path("pro/", views.practitioner_home, name="practitioner_home"),
    path("pro/signup/", views.signup_as, {"kind": "practitioner"}, name="practitioner_signup"),
    path("account/", views.taxpayer_home, name="taxpayer_home"),
    path("account/signup/", views.signup_as, {"kind": "taxpayer"}, name="taxpayer_signup"),
    path("admin/", admin.site.urls),
]
