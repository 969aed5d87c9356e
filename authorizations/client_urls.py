from __future__ import annotations

from django.urls import path

from taxpro.views import not_built_yet

app_name = "clients"

urlpatterns = [
    path("<int:taxpayer_id>/", not_built_yet, name="detail"),
]
