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
    path("authorizations/requests/<int:pk>/", views.request_detail, name="request"),
    path("authorizations/requests/<int:pk>/approve/", views.approve, name="approve"),
    path("authorizations/requests/<int:pk>/reject/", views.reject, name="reject"),
    path("authorizations/<int:pk>/revoke/", views.revoke, name="revoke"),
    # Who viewed my information (R33).
    path("who-viewed/", views.access_log, name="access_log"),
]
