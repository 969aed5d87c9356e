"""Signed webhooks for practice software (issue 14): what the portal tells a practitioner's
software when one of their requests, authorizations or forms changes.

- ``events``: the kinds of event, in words, and what each payload holds (R19, R43, R46).
- ``models``: endpoints, the outbox of events, deliveries and each attempt.
- ``addresses``: which endpoint addresses are accepted (https, public addresses only).
- ``signing``: secrets (``whsec_...``) and Standard Webhooks signatures.
- ``sending``: one POST with short timeouts that never follows a redirect.
- ``selectors``: what the practitioner's pages read.

Every write is in ``authorizations.services.webhooks``; the worker's tasks call it.
"""
