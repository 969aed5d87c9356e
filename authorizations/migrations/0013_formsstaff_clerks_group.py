# R34b: the CAF unit's clerks get a group of their own, with a permission to process uploaded
# forms and the permission to view them all. Permissions are normally made after every
# migration has run; the group needs them now, so they are made here (the same rows Django
# would make: post_migrate then finds them and adds nothing).

from django.db import migrations

CLERKS_GROUP = "CAF unit clerks"
PERMISSIONS = {
    "process_uploadedform": "Can take, record, reject and release uploaded forms",
    "view_uploadedform": "Can view uploaded form",
}


def clerks_group_create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="authorizations", model="uploadedform"
    )
    group, _ = Group.objects.get_or_create(name=CLERKS_GROUP)
    for codename, name in PERMISSIONS.items():
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def clerks_group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CLERKS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0012_active_page_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="uploadedform",
            options={
                "ordering": ["received_at", "id"],
                "permissions": [
                    (
                        "process_uploadedform",
                        "Can take, record, reject and release uploaded forms",
                    )
                ],
            },
        ),
        migrations.RunPython(clerks_group_create, clerks_group_delete),
    ]
