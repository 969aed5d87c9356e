"""Unguessable public ids for the objects URLs name (issue 10). The column's database default
(gen_random_uuid(), volatile) gives every existing row its own id as the column is added: no
UPDATE, which the ledger's append-only trigger would refuse (R28)."""

import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0007_help_texts_in_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorization",
            name="public_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                help_text="The id that names this row in the portal's addresses; it cannot be guessed.",
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="authorizationrequest",
            name="public_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                help_text="The id that names this row in the portal's addresses; it cannot be guessed.",
                unique=True,
            ),
        ),
    ]
