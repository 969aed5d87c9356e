"""Staff views of what every app shares: the read-only admin base, the audit trail (R44), and the
hours of service (R40, R42). Maintenance windows are written through their services, audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten
from django.db.models import QuerySet
from django.http import HttpRequest

from taxpro import clock
from taxpro.errors import DomainError, TinInvalid
from taxpro.models import AuditEvent, EncryptedTinFields, MaintenanceWindow, ServiceEvent, User
from taxpro.service_hours import services as service_hours
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import tin_digits


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows the services wrote, listed under their parent; every field shown is read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(name) for name in flatten(self.fields or [])]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TinHolderAdmin(ReadOnlyAdmin):
    """A read-only admin of a TIN holder (a taxpayer, a CAF record, a practitioner), whose TIN
    is shown masked (R43)."""

    readonly_fields = ["tin_masked"]

    @admin.display(description="TIN")
    def tin_masked(self, obj: EncryptedTinFields) -> str:
        return obj.tin_masked


# The address of record's fields (taxpro.models.AddressOfRecordFields), in the order staff read.
ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "state", "zip_code"]


def search_by_tin(queryset: QuerySet[Any], term: str) -> QuerySet[Any] | None:
    """A whole TIN typed in the search box is looked up through the keyed hash (R46)."""
    try:
        digits = tin_digits(term)
    except TinInvalid:
        return None
    return queryset.filter(tin_hash=tin_lookup_hash(digits))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "action", "object_type", "object_id", "actor", "actor_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["starts_at", "ends_at", "reason"]
        help_texts = {
            "reason": "Shown to practitioners on the closed page. Leave blank for the usual words.",
        }

    def clean(self) -> dict[str, Any]:
        # Said in words here, before the database's own check would refuse the row.
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The maintenance must end after it starts.")
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    """Staff schedule, move and cancel closures (R40) through the services, which audit each
    change (R44). A window that has begun is history: it can no longer be cancelled, and one
    that is over can no longer be moved."""

    form = MaintenanceWindowForm
    list_display = ["starts_at", "ends_at", "reason"]
    date_hierarchy = "starts_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or obj.ends_at > clock.now()
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.starts_at > clock.now()
        )

    def save_model(
        self, request: HttpRequest, obj: MaintenanceWindow, form: Any, change: bool
    ) -> None:
        staff = request.user
        assert isinstance(staff, User)  # the admin is behind sign-in
        try:
            if change:
                service_hours.maintenance_window_move(
                    window=obj,
                    starts_at=obj.starts_at,
                    ends_at=obj.ends_at,
                    reason=obj.reason,
                    actor=staff,
                )
            else:
                created = service_hours.maintenance_window_schedule(
                    starts_at=obj.starts_at, ends_at=obj.ends_at, reason=obj.reason, actor=staff
                )
                obj.pk = created.pk
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: MaintenanceWindow) -> None:
        staff = request.user
        assert isinstance(staff, User)
        try:
            service_hours.maintenance_window_cancel(window=obj, actor=staff)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MaintenanceWindow]) -> None:
        for window in queryset:
            self.delete_model(request, window)


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "recorded_at", "drained"]
    list_filter = ["kind"]
