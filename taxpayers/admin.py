"""Staff views of the taxpayer master file. Read-only: the master file changes through services,
and nothing with history is ever deleted here. TINs are masked (R43) except on a taxpayer's
detail page, where staff may see the whole number."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from taxpayers.models import (
    SECRET_LETTER_KINDS,
    AccountModule,
    AccountTransaction,
    IdentityCheck,
    Letter,
    Taxpayer,
)
from taxpro.admin import (
    ADDRESS_FIELDS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    TinHolderAdmin,
    search_by_tin,
)


class AccountModuleInline(ReadOnlyInline):
    model = AccountModule
    fields = ["form", "period", "balance"]
    show_change_link = True


@admin.register(Taxpayer)
class TaxpayerAdmin(TinHolderAdmin):
    list_display = ["name", "kind", "tin_masked", "city", "state", "has_online_account"]
    list_filter = ["kind", "state"]
    search_fields = ["name"]
    inlines = [AccountModuleInline]
    fields = [
        "kind",
        "name",
        "tin_type",
        "tin_masked",
        "tin_whole",
        "date_of_birth",
        *ADDRESS_FIELDS,
        "user",
        "created_at",
    ]
    # View-only (no change permission), so plain fields show read-only; these are computed.
    readonly_fields = ["tin_masked", "tin_whole"]

    @admin.display(description="Whole TIN (staff only)")
    def tin_whole(self, obj: Taxpayer) -> str:
        # R43: staff need the whole number on the detail page; never in lists or searches.
        digits = obj.tin_reveal()
        return (
            f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
            if obj.tin_type != "ein"
            else (f"{digits[:2]}-{digits[2:]}")
        )

    @admin.display(boolean=True, description="Online account")
    def has_online_account(self, obj: Taxpayer) -> bool:
        return obj.user_id is not None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Taxpayer], search_term: str
    ) -> tuple[QuerySet[Taxpayer], bool]:
        by_tin = search_by_tin(queryset, search_term.strip())
        if by_tin is not None:
            return by_tin, False
        return super().get_search_results(request, queryset, search_term)


class AccountTransactionInline(ReadOnlyInline):
    model = AccountTransaction
    fields = ["posted_on", "code", "description", "amount"]


@admin.register(AccountModule)
class AccountModuleAdmin(ReadOnlyAdmin):
    list_display = ["taxpayer", "form", "period", "balance"]
    list_filter = ["form"]
    search_fields = ["taxpayer__name", "period"]
    inlines = [AccountTransactionInline]


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "addressee_name", "subject"]
    list_filter = ["kind"]
    search_fields = ["addressee_name", "subject"]
    fields = ["kind", "created_at", "addressee_name", "address_block", "subject", "letter_body"]
    readonly_fields = ["letter_body"]

    @admin.display(description="Body")
    def letter_body(self, obj: Letter) -> str:
        # R6: a PIN is for the addressee's eyes only; staff see that it was sent, not the PIN.
        if obj.kind in SECRET_LETTER_KINDS:
            return "(Withheld: this letter carries a secret code for the addressee only.)"
        return obj.body


@admin.register(IdentityCheck)
class IdentityCheckAdmin(ReadOnlyAdmin):
    """Taxpayers proving who they are (R13). The code's hash and salt are never shown."""

    list_display = ["user", "taxpayer", "state", "wrong_attempts", "created_at", "expires_at"]
    list_filter = ["state"]
    list_select_related = ["user", "taxpayer"]
    fields = [
        "user",
        "taxpayer",
        "letter",
        "state",
        "wrong_attempts",
        "created_at",
        "expires_at",
        "used_at",
        "closed_at",
    ]
