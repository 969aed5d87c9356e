from __future__ import annotations

from django.urls import path

from taxpayers.web.account import views

app_name = "taxpayers_account"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/code/", views.verify_code, name="verify_code"),
    path("notices/", views.notices, name="notices"),
    path("notices/<uuid:public_id>/", views.notice, name="notice"),
]
