from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from taxpayers.web.account import views

app_name = "taxpayers_account"

# Proving who the taxpayer is (R13): the questions, then the code from the letter.
verify_pages: list[URLPattern | URLResolver] = [
    path("", views.verify, name="verify"),
    path("code/", views.verify_code, name="verify_code"),
]

# The letters sent to the taxpayer's account.
notice_pages: list[URLPattern | URLResolver] = [
    path("", views.notices, name="notices"),
    path("<uuid:public_id>/", views.notice, name="notice"),
]

urlpatterns = [
    path("verify/", include(verify_pages)),
    path("notices/", include(notice_pages)),
]
