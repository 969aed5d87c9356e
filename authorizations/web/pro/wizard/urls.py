"""The request wizard: a registry of steps walked by one view (style.md)."""

from __future__ import annotations

from django.urls import path

from authorizations.web.pro.wizard import views

app_name = "wizard"

urlpatterns = [
    path("", views.start, name="start"),
    path("<uuid:public_id>/submit/", views.submit, name="submit"),
    path("<uuid:public_id>/done/", views.done, name="done"),
    path("<uuid:public_id>/discard/", views.discard, name="discard"),
    path("<uuid:public_id>/<slug:slug>/", views.step, name="step"),
]
