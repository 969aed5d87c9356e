"""Every practitioner page of this app, under /pro/ (issue 4): one namespace, authorizations_pro.
The home (/pro/) is named site-wide, practitioner_home, in taxpro/urls.py.

Routes that share a prefix are grouped under it with include([...]): each list below is one
part of the site, and a page's actions stand under the page they act on."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from authorizations.web.pro import views
from authorizations.web.pro.forms_channel import views as forms_channel
from authorizations.web.pro.forms_channel import wizard as forms_wizard
from authorizations.web.pro.views import clients, notices, software
from authorizations.web.pro.webhooks import views as webhooks
from authorizations.web.pro.wizard import views as wizard

app_name = "authorizations_pro"

# The request wizard: a registry of steps walked by one view (style.md), over one draft.
request_draft_pages: list[URLPattern | URLResolver] = [
    path("submit/", wizard.submit, name="wizard_submit"),
    path("done/", wizard.done, name="wizard_done"),
    path("discard/", wizard.discard, name="wizard_discard"),
    path("<slug:slug>/", wizard.step, name="wizard_step"),
]

# Requests (R19, R20), and the wizard that writes them.
request_pages: list[URLPattern | URLResolver] = [
    path("new/", wizard.start, name="wizard_start"),
    path("new/<uuid:public_id>/", include(request_draft_pages)),
    path("", views.request_list, name="requests"),
    path("<uuid:public_id>/", views.request_detail, name="request"),
    path("<uuid:public_id>/cancel/", views.request_cancel, name="request_cancel"),
]

# Active authorizations (R7, R29).
authorization_pages: list[URLPattern | URLResolver] = [
    path("", views.authorization_list, name="authorizations"),
    path("export.csv", views.authorizations_csv, name="authorizations_csv"),
    path("withdraw/", views.authorization_withdraw_selected, name="authorizations_withdraw"),
]

# The upload wizard: a registry of steps walked by one view, as the request wizard.
form_draft_pages: list[URLPattern | URLResolver] = [
    path("submit/", forms_wizard.form_draft_submit_view, name="form_draft_submit"),
    path("discard/", forms_wizard.form_draft_discard_view, name="form_draft_discard"),
    path("<slug:slug>/", forms_wizard.form_draft_step, name="form_draft_step"),
]

# The forms channel (section H): uploads and "Your forms" (R34, R39b).
form_pages: list[URLPattern | URLResolver] = [
    path("", forms_channel.form_list, name="forms"),
    path("new/", forms_wizard.form_new, name="form_new"),
    path("new/<uuid:public_id>/", include(form_draft_pages)),
    path("<uuid:public_id>/", forms_channel.form_detail, name="form"),
    path("<uuid:public_id>/withdraw/", forms_channel.form_withdraw_view, name="form_withdraw"),
]

# One webhook endpoint's page, and what the practitioner does to it.
webhook_endpoint_pages: list[URLPattern | URLResolver] = [
    path("", webhooks.webhook_detail, name="webhook"),
    path("events/", webhooks.webhook_events, name="webhook_events"),
    path("rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("secret/", webhooks.webhook_secret, name="webhook_secret"),
    path("status/", webhooks.webhook_status, name="webhook_status"),
    path("delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "deliveries/<uuid:delivery_id>/send-again/",
        webhooks.webhook_send_again,
        name="webhook_send_again",
    ),
]

# Webhooks for practice software (issue 14).
webhook_pages: list[URLPattern | URLResolver] = [
    path("", webhooks.webhook_list, name="webhooks"),
    path("new/", webhooks.webhook_new, name="webhook_new"),
    path("<uuid:public_id>/", include(webhook_endpoint_pages)),
]

urlpatterns = [
    path("requests/", include(request_pages)),
    path("authorizations/", include(authorization_pages)),
    # Notices about the practitioner's requests: recorded, about to expire (R18).
    path("notices/", notices.notice_list, name="notices"),
    path("forms/", include(form_pages)),
    # Software acting for the practitioner through the API (issue 14), beside the profile.
    path("profile/software/", software.software, name="software"),
    # The software is named in the body (its client id is no id of ours, R45 still holds).
    path("profile/software/revoke/", software.software_revoke, name="software_revoke"),
    # Client information (R7, R32, R33).
    path("clients/", clients.client_list, name="clients"),
    path("clients/<uuid:public_id>/", clients.client_detail, name="client"),
    path("webhooks/", include(webhook_pages)),
]
