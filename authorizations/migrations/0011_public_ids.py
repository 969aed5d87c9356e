"""Unguessable public ids for the objects URLs name (issue 10). Existing rows each get their
own from the column's database default as it is added (taxpro.public_ids says why)."""

from django.db import migrations

from taxpro.public_ids import public_id_field


class Migration(migrations.Migration):
    dependencies = [("authorizations", "0010_verbose_names")]

    operations = [
        migrations.AddField(model_name=model, name="public_id", field=public_id_field())
        for model in (
            "authorization",
            "authorizationrequest",
        )
    ]
