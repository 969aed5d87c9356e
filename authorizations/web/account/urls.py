"""The taxpayer's Authorizations pages, under /account/authorizations/ (issue 5)."""

from __future__ import annotations

from django.urls import path

from authorizations.web.account import views as account_views

app_name = "decisions"

urlpatterns = [
    path("", account_views.index, name="index"),
    path("requests/<int:pk>/", account_views.request_detail, name="request"),
    path("requests/<int:pk>/approve/", account_views.approve, name="approve"),
    path("requests/<int:pk>/reject/", account_views.reject, name="reject"),
    path("<int:pk>/revoke/", account_views.revoke, name="revoke"),
]
