"""Profile and CAF numbers, under /pro/profile/ (issue 4)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from caf.web.pro import views

app_name = "caf_pro"

# Linking a CAF number (R6): a PIN letter asked for, then the PIN from it (one letter a link).
link_pages: list[URLPattern | URLResolver] = [
    path("", views.link_start, name="link_start"),
    path("<uuid:public_id>/", views.link_confirm, name="link_confirm"),
]

urlpatterns = [
    path("", views.profile, name="profile"),
    path("create/", views.profile_create, name="profile_create"),
    path("designations/", views.designation_add, name="designation_add"),
    path("link/", include(link_pages)),
    path("get-caf-number/", views.caf_number_get, name="get_caf_number"),
]
