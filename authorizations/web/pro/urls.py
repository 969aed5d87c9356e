"""The practitioner's lists, under /pro/ (issue 4). /pro/requests/new/ and /pro/clients/ belong
to the wizard and the client pages, included before this module."""

from __future__ import annotations

from django.urls import path

from authorizations.web.pro import views as pro_views

app_name = "pro"

urlpatterns = [
    path("requests/", pro_views.request_list, name="requests"),
    path("requests/<int:pk>/", pro_views.request_detail, name="request"),
    path("requests/<int:pk>/cancel/", pro_views.request_cancel, name="request_cancel"),
    path("authorizations/", pro_views.authorization_list, name="authorizations"),
    path("authorizations/export.csv", pro_views.authorizations_csv, name="authorizations_csv"),
    path(
        "authorizations/withdraw/",
        pro_views.authorization_withdraw_selected,
        name="authorizations_withdraw",
    ),
]
