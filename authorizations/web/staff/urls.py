"""The CAF unit's pages, under /staff/forms/ (R34b): one namespace, authorizations_staff."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from authorizations.web.staff import views

app_name = "authorizations_staff"

# One uploaded form's page, its file, and what the clerk who holds it does with it.
form_pages: list[URLPattern | URLResolver] = [
    path("", views.form_page, name="form"),
    path("file/", views.form_file, name="file"),
    path("record/", views.form_record, name="record"),
    path("reject/", views.form_reject, name="reject"),
    path("release/", views.form_release, name="release"),
]

urlpatterns = [
    path("", views.queue, name="queue"),
    path("take/", views.take_next, name="take_next"),
    path("<uuid:public_id>/", include(form_pages)),
]
