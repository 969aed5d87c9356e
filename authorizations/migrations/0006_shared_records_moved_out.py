# The audit trail, maintenance windows and service events now belong to taxpro (its 0002): the
# models leave this app's state only; their tables stay as they are, rows and triggers included.
# Their content types move with them, so staff permissions granted on them are kept.

from django.db import migrations

MOVED = ("auditevent", "maintenancewindow", "serviceevent")


def _move_content_types(apps, schema_editor, *, source, target):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A row for the target may exist already (created by a previous run's post_migrate):
        # keep the row that permissions point to, the source's, and drop the empty one.
        moved = content_type.objects.filter(app_label=source, model=model).first()
        if moved is None:
            continue
        content_type.objects.filter(app_label=target, model=model).delete()
        moved.app_label = target
        moved.save(update_fields=["app_label"])


def content_types_to_taxpro(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="authorizations", target="taxpro")


def content_types_back(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="taxpro", target="authorizations")


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0005_request_draft"),
        ("taxpro", "0002_shared_records_moved_in"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="auditevent",
                    name="authorizati_object__1dc4f3_idx",
                ),
                migrations.RemoveConstraint(
                    model_name="maintenancewindow",
                    name="maintenance_window_ends_after_start",
                ),
                migrations.DeleteModel(
                    name="MaintenanceWindow",
                ),
                migrations.RemoveConstraint(
                    model_name="serviceevent",
                    name="service_event_once",
                ),
                migrations.DeleteModel(
                    name="ServiceEvent",
                ),
                migrations.DeleteModel(
                    name="AuditEvent",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_taxpro, content_types_back),
    ]
