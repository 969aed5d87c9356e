"""The CAF unit's pages, under /staff/forms/ (R34b): one namespace, authorizations_staff."""

from __future__ import annotations

from django.urls import path

from authorizations.web.staff import views

app_name = "authorizations_staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("take/", views.take_next, name="take_next"),
    path("<uuid:public_id>/", views.form_page, name="form"),
    path("<uuid:public_id>/file/", views.form_file, name="file"),
    path("<uuid:public_id>/record/", views.form_record, name="record"),
    path("<uuid:public_id>/reject/", views.form_reject, name="reject"),
    path("<uuid:public_id>/release/", views.form_release, name="release"),
]
