"""Client information, under /pro/clients/ (issue 4): R7, R32, R33."""

from __future__ import annotations

from django.urls import path

from authorizations.web.pro.views import clients as client_views

app_name = "clients"

urlpatterns = [
    path("", client_views.client_list, name="index"),
    path("<int:taxpayer_id>/", client_views.client_detail, name="detail"),
]
