"""Every write of the authorizations app. Views, tasks and admin actions call these only.

Lock order, everywhere: the taxpayer row first, then requests, then ledger rows. Every change
to one taxpayer's requests and ledger therefore happens one at a time, which is what keeps
R25's count and R23/R24's supersession right under races (quality.md: 0 duplicates).
"""

from authorizations.services.decisions import (
    CONSENT_TEXT_VERSION,
    ConsentEvidence,
    correction_approvable_from,
    request_approval_refusal,
    request_approve,
    request_cancel,
    request_reject,
)
from authorizations.services.endings import (
    authorization_revoke,
    authorization_withdraw,
    authorizations_withdraw,
    caf_practice_status_change,
)
from authorizations.services.expiry import requests_expire_and_remind
from authorizations.services.information import taxpayer_information_open
from authorizations.services.notices import (
    notice_preference_set,
    notices_emailed,
    practitioner_notice_email,
    practitioner_notice_send,
    practitioner_notices_email_pending,
)
from authorizations.services.recording import (
    RecordOutcome,
    approvals_drain,
    enqueue_recording,
    request_fail,
    request_record,
)
from authorizations.services.submission import Representative, TaxpayerDetails, request_submit
from authorizations.services.sweeps import ledger_drain, service_transitions_record
from authorizations.services.webhooks import (
    webhook_deliveries_due_enqueue,
    webhook_delivery_attempt,
)

__all__ = [
    "CONSENT_TEXT_VERSION",
    "ConsentEvidence",
    "RecordOutcome",
    "Representative",
    "TaxpayerDetails",
    "approvals_drain",
    "authorization_revoke",
    "authorization_withdraw",
    "authorizations_withdraw",
    "caf_practice_status_change",
    "correction_approvable_from",
    "enqueue_recording",
    "ledger_drain",
    "notice_preference_set",
    "notices_emailed",
    "practitioner_notice_email",
    "practitioner_notice_send",
    "practitioner_notices_email_pending",
    "request_approval_refusal",
    "request_approve",
    "request_cancel",
    "request_fail",
    "request_record",
    "request_reject",
    "request_submit",
    "requests_expire_and_remind",
    "service_transitions_record",
    "taxpayer_information_open",
    "webhook_deliveries_due_enqueue",
    "webhook_delivery_attempt",
]
