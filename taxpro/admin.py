"""Staff views of what every app shares: the read-only admin base, the audit trail (R44), the
hours of service (R40, R42), and the portal's users. Maintenance windows are written through
their services, audited; so are the users' accounts (disable, enable, end sessions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join

from taxpro import clock
from taxpro.errors import DomainError, TinInvalid
from taxpro.models import AuditEvent, EncryptedTinFields, MaintenanceWindow, ServiceEvent, User
from taxpro.service_hours import services as service_hours
from taxpro.sign_in_audit import SIGN_IN_ACTION_PREFIX, SIGN_IN_ACTIONS
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import tin_digits
from taxpro.user_accounts import user_account_disable, user_account_enable, user_sessions_end


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


class ChoicesListFilter(admin.SimpleListFilter):
    """A list filter whose every choice is written once: its value, its label, and the rows it
    keeps. Any other value in the address filters nothing."""

    # value -> (label, the rows it keeps); not "choices", a method of SimpleListFilter.
    choice_rows: dict[str, tuple[str, Q]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _rows) in self.choice_rows.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        chosen = self.choice_rows.get(self.value() or "")
        return queryset if chosen is None else queryset.filter(chosen[1])


class SignInEventFilter(ChoicesListFilter):
    """Issue 10, item 14: the sign-in and account-security events, all at once or one kind."""

    title = "sign-in and account security"
    parameter_name = "sign_in"
    choice_rows = {
        "all": ("All sign-in and account events", Q(action__startswith=SIGN_IN_ACTION_PREFIX)),
        **{action: (label, Q(action=action)) for action, label in SIGN_IN_ACTIONS.items()},
    }


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "action",
        "object_type",
        "object_id",
        "actor",
        "actor_label",
        "details",
    ]
    list_filter = [SignInEventFilter, "action", "object_type"]
    # A sign-in event names the e-mail address and the client's address in its details.
    search_fields = ["action", "object_id", "actor__email", "after__email", "after__ip"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"

    @admin.display(description="Details")
    def details(self, obj: AuditEvent) -> str:
        return ", ".join(f"{key}: {value}" for key, value in sorted(obj.after.items()))


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["starts_at", "ends_at", "reason"]
        help_texts = {
            # The closed page never quotes it (portal_closure_reason): say so where it is typed.
            "reason": "A note for staff. Practitioners are told only that the portal is closed "
            "for scheduled maintenance.",
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


def _when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}" if moment else "never"


def _lines(line_format: str, rows: list[tuple[Any, ...]]) -> str:
    """One line per row, each value escaped; "None" when there is no row."""
    return format_html_join("\n", f"<div>{line_format}</div>", rows) or "None"


class UserAccountAdmin(ReadOnlyAdmin):
    """Issue 10, item 15: staff find a user by e-mail address, see their second factors and
    sessions (never a password hash or a secret), and disable the account or end its sessions.
    Each action goes through taxpro.user_accounts, which audits it (R44). Acting needs the
    permission to change users; seeing needs the permission to view them."""

    list_display = ["email", "kind", "is_active", "is_staff", "last_login", "date_joined"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["email"]
    ordering = ["email"]
    # No password (not even its hash), no permissions editor: staff act through the actions.
    readonly_fields = (
        "email",
        "kind",
        "is_active",
        "is_staff",
        "last_login",
        "date_joined",
        "second_factors",
        "sessions",
    )
    fields = readonly_fields
    actions = ["disable_accounts", "enable_accounts", "end_sessions"]

    def has_manage_account_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("taxpro.change_user")

    @admin.display(description="Second factors")
    def second_factors(self, obj: User) -> str:
        # What and when only: Authenticator.data (the encrypted secrets) is never shown.
        rows = Authenticator.objects.filter(user=obj).order_by("created_at")
        return _lines(
            "{} (added {}, last used {})",
            [(r.get_type_display(), _when(r.created_at), _when(r.last_used_at)) for r in rows],
        )

    @admin.display(description="Sessions")
    def sessions(self, obj: User) -> str:
        rows = UserSession.objects.filter(user=obj).order_by("created_at")
        return _lines(
            "Started {} from {} ({})",
            [(_when(r.created_at), r.ip, r.user_agent) for r in rows],
        )

    def _each(self, request: HttpRequest, queryset: QuerySet[User], act: Any, done: str) -> None:
        staff = request.user
        assert isinstance(staff, User)  # the admin is behind sign-in
        count = 0
        for user in queryset:
            try:
                act(user=user, actor=staff)
            except DomainError as error:
                self.message_user(request, f"{user.email}: {error.message}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done.format(count=count), messages.SUCCESS)

    @admin.action(
        description="Disable the selected accounts and end their sessions",
        permissions=["manage_account"],
    )
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, user_account_disable, "{count} account(s) disabled.")

    @admin.action(description="Enable the selected accounts", permissions=["manage_account"])
    def enable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, user_account_enable, "{count} account(s) enabled.")

    @admin.action(
        description="End all sessions of the selected accounts", permissions=["manage_account"]
    )
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        def end_all(*, user: User, actor: User) -> None:
            user_sessions_end(user=user, actor=actor, reason="ended by staff")

        self._each(request, queryset, end_all, "Sessions ended for {count} account(s).")


admin.site.register(User, UserAccountAdmin)
