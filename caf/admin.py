"""Staff views of the CAF. Practice status changes go through the service (audited, R44);
everything else is read-only, links and PIN letters are never deleted, PINs never shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from caf.errors import CafError
from caf.models import (
    CafLink,
    CafRecord,
    Designation,
    PinLetter,
    PracticeStatus,
    PractitionerProfile,
)
from caf.services import caf_practice_status_change
from taxpayers.admin import ReadOnlyAdmin, ReadOnlyInline, search_by_tin
from taxpro.models import User


class PracticeStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PracticeStatus.choices)
    effective_on = forms.DateField(
        required=False, help_text="Leave blank for today (Eastern Time)."
    )


@admin.register(CafRecord)
class CafRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "caf_number_display",
        "name",
        "holder_kind",
        "practice_status",
        "status_effective_on",
        "tin_masked",
        "state",
        "linked_to",
    ]
    list_filter = ["practice_status", "holder_kind", "state"]
    search_fields = ["caf_number", "name"]
    actions = ["change_practice_status"]
    fields = [
        "caf_number",
        "holder_kind",
        "name",
        "tin_type",
        "tin_masked",
        "designation_codes",
        "practice_status",
        "status_effective_on",
        "status_changed_at",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zip_code",
        "created_at",
    ]
    readonly_fields = ["tin_masked"]

    @admin.display(description="CAF number", ordering="caf_number")
    def caf_number_display(self, obj: CafRecord) -> str:
        return obj.caf_number_display

    @admin.display(description="TIN")
    def tin_masked(self, obj: CafRecord) -> str:
        return obj.tin_masked  # R43: never whole in a list

    @admin.display(description="Linked to")
    def linked_to(self, obj: CafRecord) -> str:
        link = getattr(obj, "link", None)
        return str(link.practitioner) if link else "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CafRecord]:
        return super().get_queryset(request).select_related("link__practitioner")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[CafRecord], search_term: str
    ) -> tuple[QuerySet[CafRecord], bool]:
        term = search_term.strip()
        digits = term.replace("-", "").replace(" ", "")
        if digits.isascii() and digits.isdigit() and len(digits) == 9:
            # R5: a CAF number typed with its dash finds the stored digits; a TIN, its holder.
            by_tin = search_by_tin(queryset, term)
            return queryset.filter(caf_number=digits) | (by_tin or queryset.none()), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description="Change practice status (R3)", permissions=["view"])
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


class DesignationInline(ReadOnlyInline):
    model = Designation
    fields = ["code", "jurisdiction", "number", "created_at"]
    readonly_fields = ["code", "jurisdiction", "number", "created_at"]


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(ReadOnlyAdmin):
    list_display = ["legal_name", "user", "tin_masked", "state"]
    search_fields = ["legal_name", "user__email"]
    inlines = [DesignationInline]
    fields = [
        "user",
        "legal_name",
        "tin_type",
        "tin_masked",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zip_code",
        "created_at",
    ]
    readonly_fields = ["tin_masked"]

    @admin.display(description="TIN")
    def tin_masked(self, obj: PractitionerProfile) -> str:
        return obj.tin_masked


@admin.register(CafLink)
class CafLinkAdmin(ReadOnlyAdmin):
    """R6: links are permanent; the admin can only look."""

    list_display = ["caf_record", "practitioner", "method", "linked_at"]
    list_filter = ["method"]
    search_fields = ["caf_record__caf_number", "practitioner__email"]


@admin.register(PinLetter)
class PinLetterAdmin(ReadOnlyAdmin):
    """No PIN, no PIN hash: staff see when a PIN was sent and what became of it."""

    list_display = [
        "caf_record",
        "practitioner",
        "state",
        "wrong_attempts",
        "created_at",
        "expires_at",
    ]
    list_filter = ["state"]
    search_fields = ["caf_record__caf_number"]
    fields = [
        "caf_record",
        "practitioner",
        "letter",
        "state",
        "wrong_attempts",
        "created_at",
        "expires_at",
        "closed_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
