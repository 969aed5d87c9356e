"""Profile and CAF numbers, under /pro/profile/ (issue 4)."""

from __future__ import annotations

from django.urls import path

from caf.web.pro import views

app_name = "caf_pro"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("create/", views.profile_create, name="profile_create"),
    path("designations/", views.designation_add, name="designation_add"),
    path("link/", views.link_start, name="link_start"),
    path("link/<uuid:public_id>/", views.link_confirm, name="link_confirm"),
    path("get-caf-number/", views.caf_number_get, name="get_caf_number"),
]
