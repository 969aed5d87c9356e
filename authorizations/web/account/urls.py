"""Every taxpayer page of this app, under /account/ (issue 5): one namespace,
authorizations_account. The home (/account/) is named site-wide, taxpayer_home, in
taxpro/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from authorizations.web.account import views

app_name = "authorizations_account"

# One request to the taxpayer, and the two answers to it.
request_pages: list[URLPattern | URLResolver] = [
    path("", views.request_detail, name="request"),
    path("approve/", views.approve, name="approve"),
    path("reject/", views.reject, name="reject"),
]

# Decide on requests, see and revoke authorizations (R21, R30, R31).
authorization_pages: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("requests/<uuid:public_id>/", include(request_pages)),
    path("<uuid:public_id>/revoke/", views.revoke, name="revoke"),
]

urlpatterns = [
    path("authorizations/", include(authorization_pages)),
    # Who viewed my information (R33).
    path("who-viewed/", views.access_log, name="access_log"),
]
