"""Staff views of requests, the ledger, the audit trail and the service hours.

The ledger and the audit trail are read-only here (and append-only in the database, R28):
staff look, filter and search; nothing is deleted anywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from authorizations.models import (
    AuditEvent,
    Authorization,
    AuthorizationRequest,
    InformationAccess,
    MaintenanceWindow,
    RequestDraft,
    RequestModule,
    ServiceEvent,
)
from taxpayers.admin import ReadOnlyAdmin, ReadOnlyInline


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Active"), ("no", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(ends_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(ends_at__isnull=False)
        return queryset


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    """The CAF ledger: filter by taxpayer, CAF number, matter, period, kind and state."""

    list_display = [
        "caf_number",
        "taxpayer",
        "kind",
        "matter",
        "period",
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


class RequestModuleInline(ReadOnlyInline):
    model = RequestModule
    fields = ["matter", "period"]


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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "action", "object_type", "object_id", "actor", "actor_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    """Staff schedule closures (R40). Past windows stay as the record of what happened."""

    list_display = ["starts_at", "ends_at", "reason"]
    date_hierarchy = "starts_at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from taxpro import clock

        # A window that has begun is history; one still in the future may be withdrawn.
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.starts_at > clock.now()
        )


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "recorded_at", "drained"]
    list_filter = ["kind"]


@admin.register(InformationAccess)
class InformationAccessAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "caf_record", "taxpayer", "form", "period", "practitioner"]
    list_filter = ["form"]
    search_fields = ["caf_record__caf_number", "taxpayer__name"]
    list_select_related = ["caf_record", "taxpayer", "practitioner"]
    date_hierarchy = "viewed_at"


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
