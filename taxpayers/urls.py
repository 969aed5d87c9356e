from __future__ import annotations

from django.urls import path

from taxpro.views import not_built_yet

app_name = "taxpayer"

urlpatterns = [
    path("verify/", not_built_yet, name="verify"),
    path("notices/", not_built_yet, name="notices"),
    path("who-viewed/", not_built_yet, name="access_log"),
]
