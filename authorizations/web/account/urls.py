"""Every taxpayer page of this app, under /account/ (issue 5): one namespace,
authorizations_account. The home (/account/) is named site-wide, taxpayer_home, in
taxpro/urls.py."""

from __future__ import annotations

from django.urls import path

from authorizations.web.account import views

app_name = "authorizations_account"

urlpatterns = [
    # Decide on requests, see and revoke authorizations (R21, R30, R31).
    path("authorizations/", views.index, name="index"),
    path("authorizations/requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("authorizations/requests/<uuid:public_id>/approve/", views.approve, name="approve"),
    path("authorizations/requests/<uuid:public_id>/reject/", views.reject, name="reject"),
    path("authorizations/<uuid:public_id>/revoke/", views.revoke, name="revoke"),
    # Who viewed my information (R33).
    path("who-viewed/", views.access_log, name="access_log"),
]
