from __future__ import annotations

from django.urls import path

from taxpro.views import not_built_yet

app_name = "decisions"

urlpatterns = [
    path("", not_built_yet, name="index"),
]
