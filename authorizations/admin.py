"""Staff views of requests, the ledger, information accesses and drafts, and the CAF record
admin's practice-status action (it ends authorizations, R3).

The ledger is read-only here (and append-only in the database, R28): staff look, filter and
search; nothing is deleted anywhere.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    InformationAccess,
    PractitionerNotice,
    RequestDraft,
    RequestModule,
)
from authorizations.services import caf_practice_status_change
from authorizations.vocabulary import period_label
from authorizations.webhooks import admin as webhooks_admin
from caf import admin as caf_admin
from caf.errors import CafError
from caf.models import CafRecord, PracticeStatus
from taxpro.admin import ChoicesListFilter, ReadOnlyAdmin, ReadOnlyInline
from taxpro.models import User

__all__ = ["webhooks_admin"]  # imported to register the webhooks' screens (issue 14)


class ActiveFilter(ChoicesListFilter):
    title = "state"
    parameter_name = "active"
    choice_rows = {
        "yes": ("Active", Q(ends_at__isnull=True)),
        "no": ("Ended", Q(ends_at__isnull=False)),
    }


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    """The CAF ledger: filter by taxpayer, CAF number, matter, period, kind and state."""

    list_display = [
        "caf_number",
        "taxpayer",
        "kind",
        "matter",
        "period_words",
        "receives_notices",
        "signed_on",
        "starts_at",
        "ends_at",
        "end_reason",
        "channel",
    ]
    list_filter = [ActiveFilter, "kind", "matter", "end_reason", "channel", "period"]
    search_fields = ["caf_record__caf_number", "taxpayer__name", "period"]
    list_select_related = ["caf_record", "taxpayer"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["taxpayer", "caf_record", "request", "ended_by_user", "ended_by_request"]

    @admin.display(description="CAF number", ordering="caf_record__caf_number")
    def caf_number(self, obj: Authorization) -> str:
        return obj.caf_record.caf_number_display

    @admin.display(description="period", ordering="period")
    def period_words(self, obj: Authorization) -> str:
        return period_label(matter=obj.matter, period=obj.period)


class RequestModuleInline(ReadOnlyInline):
    model = RequestModule
    fields = ["matter", "period_words"]

    @admin.display(description="period")
    def period_words(self, obj: RequestModule) -> str:
        return period_label(matter=obj.matter, period=obj.period)


@admin.register(AuthorizationRequest)
class AuthorizationRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "caf_record",
        "taxpayer",
        "submitted_at",
        "expires_at",
        "signed_at",
        "recorded_at",
    ]
    list_filter = ["state", "kind", "receives_notices"]
    search_fields = ["caf_record__caf_number", "taxpayer__name", "practitioner__email"]
    list_select_related = ["caf_record", "taxpayer"]
    date_hierarchy = "submitted_at"
    inlines = [RequestModuleInline]
    raw_id_fields = ["practitioner", "caf_record", "taxpayer"]
    readonly_fields = ["audit_trail"]

    @admin.display(description="audit trail")
    def audit_trail(self, obj: AuthorizationRequest) -> str:
        """R44: every state change of this request, one click away."""
        url = reverse("admin:taxpro_auditevent_changelist")
        query = urlencode({"object_type": obj._meta.label_lower, "object_id": str(obj.pk)})
        return format_html('<a href="{}?{}">Every change to this request</a>', url, query)


@admin.register(InformationAccess)
class InformationAccessAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "caf_record", "taxpayer", "form", "period", "practitioner"]
    list_filter = ["form"]
    search_fields = ["caf_record__caf_number", "taxpayer__name"]
    list_select_related = ["caf_record", "taxpayer", "practitioner"]
    date_hierarchy = "viewed_at"


@admin.register(PractitionerNotice)
class PractitionerNoticeAdmin(ReadOnlyAdmin):
    """What practitioners were told about their requests, and when it was e-mailed."""

    list_display = ["created_at", "kind", "practitioner", "request", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["practitioner__email"]
    list_select_related = ["practitioner", "request"]
    date_hierarchy = "created_at"


@admin.register(RequestDraft)
class RequestDraftAdmin(ReadOnlyAdmin):
    """Drafts of the request wizard, for support. The TIN column is never shown (R46)."""

    list_display = ("public_id", "owner", "updated_at", "submitted_request", "discarded_at")
    list_filter = ("discarded_at",)
    list_select_related = ("owner", "submitted_request")
    exclude = ("taxpayer_tin_ciphertext",)
    readonly_fields = (
        "public_id",
        "owner",
        "data",
        "created_at",
        "updated_at",
        "discarded_at",
        "submitted_request",
    )


class PracticeStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PracticeStatus.choices)
    effective_on = forms.DateField(
        required=False, help_text="Leave blank for today (Eastern Time)."
    )


# R3: the CAF record admin gets its practice-status action here, at the top of the stairs,
# because a status out of good standing ends the representative's authorizations on the ledger.
admin.site.unregister(CafRecord)


@admin.register(CafRecord)
class CafRecordAdmin(caf_admin.CafRecordAdmin):
    actions = ["change_practice_status"]

    @admin.action(description="Change practice status", permissions=["view"])
    def change_practice_status(
        self, request: HttpRequest, queryset: QuerySet[CafRecord]
    ) -> HttpResponse | None:
        form = PracticeStatusForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            staff = request.user
            assert isinstance(staff, User)  # the admin is behind sign-in
            changed = 0
            for record in queryset:
                try:
                    caf_practice_status_change(
                        caf_record=record,
                        status=form.cleaned_data["status"],
                        effective_on=form.cleaned_data["effective_on"],
                        actor=staff,
                    )
                    changed += 1
                except CafError as error:
                    self.message_user(request, error.message, messages.ERROR)
            self.message_user(request, f"Practice status recorded for {changed} CAF record(s).")
            return None
        return TemplateResponse(
            request,
            "admin/caf/practice_status.html",
            {
                **self.admin_site.each_context(request),
                "title": "Change practice status",
                "records": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
