"""Staff views of the CAF. Practice status changes are an action added where the ledger lives
(``authorizations.admin``: they end authorizations, R3). Everything else here is read-only;
links and PIN letters are never deleted, PINs never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from caf.models import (
    CafLink,
    CafRecord,
    Designation,
    PinLetter,
    PractitionerProfile,
)
from taxpro.admin import (
    ADDRESS_FIELDS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    TinHolderAdmin,
    search_by_tin,
)


@admin.register(CafRecord)
class CafRecordAdmin(TinHolderAdmin):
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
        *ADDRESS_FIELDS,
        "created_at",
    ]

    @admin.display(description="CAF number", ordering="caf_number")
    def caf_number_display(self, obj: CafRecord) -> str:
        return obj.caf_number_display

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


class DesignationInline(ReadOnlyInline):
    model = Designation
    fields = ["code", "jurisdiction", "number", "created_at"]


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(TinHolderAdmin):
    list_display = ["legal_name", "user", "tin_masked", "state"]
    search_fields = ["legal_name", "user__email"]
    inlines = [DesignationInline]
    fields = [
        "user",
        "legal_name",
        "tin_type",
        "tin_masked",
        *ADDRESS_FIELDS,
        "created_at",
    ]


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
