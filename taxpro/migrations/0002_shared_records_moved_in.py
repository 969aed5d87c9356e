# The audit trail, maintenance windows and service events move from authorizations to taxpro,
# the ground every app stands on. Only Django's model state moves: the tables keep their names
# (db_table) and their rows, triggers and indexes. authorizations 0006 drops its state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("taxpro", "0001_initial"),
        ("authorizations", "0005_request_draft"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MaintenanceWindow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("starts_at", models.DateTimeField()),
                        ("ends_at", models.DateTimeField()),
                        ("reason", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "authorizations_maintenancewindow",
                        "ordering": ["starts_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                                name="maintenance_window_ends_after_start",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ServiceEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("opened", "Opened"), ("closed", "Closed")], max_length=6
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(
                                help_text="The instant the service opened or closed."
                            ),
                        ),
                        ("recorded_at", models.DateTimeField()),
                        (
                            "drained",
                            models.PositiveIntegerField(
                                default=0, help_text="Approvals recorded on opening."
                            ),
                        ),
                    ],
                    options={
                        "db_table": "authorizations_serviceevent",
                        "ordering": ["-at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("kind", "at"), name="service_event_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("occurred_at", models.DateTimeField(db_index=True)),
                        ("actor_label", models.CharField(blank=True, max_length=100)),
                        ("action", models.CharField(db_index=True, max_length=100)),
                        ("object_type", models.CharField(max_length=100)),
                        ("object_id", models.CharField(max_length=64)),
                        ("before", models.JSONField(blank=True, default=dict)),
                        ("after", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "authorizations_auditevent",
                        "ordering": ["-occurred_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["object_type", "object_id"],
                                name="authorizati_object__1dc4f3_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
