"""The CAF unit's clerks (R34b): one group, with the permissions the forms queue asks for.

Migration 0013 creates the group; :func:`clerks_group_ensure` makes the same group again
wherever a database may lack it (the demo data, tests that empty every table), and
:func:`clerk_enrol` puts a staff user in it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from authorizations.models import UploadedForm
from taxpro.models import User, UserKind

CLERKS_GROUP = "CAF unit clerks"
# Codenames on UploadedForm: process (take, record, reject, release) and view (any form).
CLERK_CODENAMES = ("process_uploadedform", "view_uploadedform")
PROCESS_PERMISSION = "authorizations.process_uploadedform"
VIEW_PERMISSION = "authorizations.view_uploadedform"


def clerks_group_ensure() -> Group:
    """The clerks' group with exactly its permissions; running it again changes nothing."""
    group, _created = Group.objects.get_or_create(name=CLERKS_GROUP)
    content_type = ContentType.objects.get_for_model(UploadedForm)
    group.permissions.add(
        *Permission.objects.filter(content_type=content_type, codename__in=CLERK_CODENAMES)
    )
    return group


def clerk_enrol(user: User) -> None:
    """Put a staff user in the clerks' group (only staff ever process forms)."""
    if user.kind != UserKind.STAFF or not user.is_staff:
        raise ValueError("Only staff users can be CAF unit clerks.")
    user.groups.add(clerks_group_ensure())
