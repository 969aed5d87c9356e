from __future__ import annotations

from django.urls import path

from taxpro.views import not_built_yet

app_name = "pro"

urlpatterns = [
    path("requests/", not_built_yet, name="requests"),
    path("authorizations/", not_built_yet, name="authorizations"),
]
