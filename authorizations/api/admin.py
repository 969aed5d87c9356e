"""The authorization server's rows in Django admin, for staff to see, never to write: a token
made or changed in the admin would let software act for a practitioner without their consent
and without an audit event (R4, R44). django-oauth-toolkit registers its models with these
classes (settings.OAUTH2_PROVIDER's *_ADMIN_CLASS); tokens themselves are kept as checksums."""

from __future__ import annotations

from taxpro.admin import ReadOnlyAdmin


class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("name", "client_id", "user", "client_type", "created")
    exclude = ("client_secret",)
    search_fields = ("name", "client_id")


class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "application", "scope", "expires", "created")
    exclude = ("token", "token_checksum")


class RefreshTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "application", "created", "revoked")
    exclude = ("token", "token_checksum")


class GrantAdmin(ReadOnlyAdmin):
    list_display = ("user", "application", "expires")
    exclude = ("code", "code_challenge")


class IDTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "application", "expires")
