"""Every practitioner page of this app, under /pro/ (issue 4): one namespace, authorizations_pro.
The home (/pro/) is named site-wide, practitioner_home, in taxpro/urls.py."""

from __future__ import annotations

from django.urls import path

from authorizations.web.pro import views
from authorizations.web.pro.forms_channel import views as forms_channel
from authorizations.web.pro.forms_channel import wizard as forms_wizard
from authorizations.web.pro.views import clients, notices, software
from authorizations.web.pro.webhooks import views as webhooks
from authorizations.web.pro.wizard import views as wizard

app_name = "authorizations_pro"

urlpatterns = [
    # The request wizard: a registry of steps walked by one view (style.md).
    path("requests/new/", wizard.start, name="wizard_start"),
    path("requests/new/<uuid:public_id>/submit/", wizard.submit, name="wizard_submit"),
    path("requests/new/<uuid:public_id>/done/", wizard.done, name="wizard_done"),
    path("requests/new/<uuid:public_id>/discard/", wizard.discard, name="wizard_discard"),
    path("requests/new/<uuid:public_id>/<slug:slug>/", wizard.step, name="wizard_step"),
    # Requests (R19, R20) and active authorizations (R7, R29).
    path("requests/", views.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("requests/<uuid:public_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("authorizations/", views.authorization_list, name="authorizations"),
    path("authorizations/export.csv", views.authorizations_csv, name="authorizations_csv"),
    path(
        "authorizations/withdraw/",
        views.authorization_withdraw_selected,
        name="authorizations_withdraw",
    ),
    # Notices about the practitioner's requests: recorded, about to expire (R18).
    path("notices/", notices.notice_list, name="notices"),
    # The forms channel (section H): uploads and "Your forms" (R34, R39b).
    path("forms/", forms_channel.form_list, name="forms"),
    # The upload wizard: a registry of steps walked by one view, as the request wizard.
    path("forms/new/", forms_wizard.form_new, name="form_new"),
    path(
        "forms/new/<uuid:public_id>/submit/",
        forms_wizard.form_draft_submit_view,
        name="form_draft_submit",
    ),
    path(
        "forms/new/<uuid:public_id>/discard/",
        forms_wizard.form_draft_discard_view,
        name="form_draft_discard",
    ),
    path(
        "forms/new/<uuid:public_id>/<slug:slug>/",
        forms_wizard.form_draft_step,
        name="form_draft_step",
    ),
    path("forms/<uuid:public_id>/", forms_channel.form_detail, name="form"),
    path(
        "forms/<uuid:public_id>/withdraw/",
        forms_channel.form_withdraw_view,
        name="form_withdraw",
    ),
    # Software acting for the practitioner through the API (issue 14), beside the profile.
    path("profile/software/", software.software, name="software"),
    # The software is named in the body (its client id is no id of ours, R45 still holds).
    path("profile/software/revoke/", software.software_revoke, name="software_revoke"),
    # Client information (R7, R32, R33).
    path("clients/", clients.client_list, name="clients"),
    path("clients/<uuid:public_id>/", clients.client_detail, name="client"),
    # Webhooks for practice software (issue 14).
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/new/", webhooks.webhook_new, name="webhook_new"),
    path("webhooks/<uuid:public_id>/", webhooks.webhook_detail, name="webhook"),
    path("webhooks/<uuid:public_id>/events/", webhooks.webhook_events, name="webhook_events"),
    path("webhooks/<uuid:public_id>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<uuid:public_id>/secret/", webhooks.webhook_secret, name="webhook_secret"),
    path("webhooks/<uuid:public_id>/status/", webhooks.webhook_status, name="webhook_status"),
    path("webhooks/<uuid:public_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<uuid:public_id>/deliveries/<uuid:delivery_id>/send-again/",
        webhooks.webhook_send_again,
        name="webhook_send_again",
    ),
]
