"""Unguessable public ids for the objects URLs name (issue 10). Existing rows each get their
own from the column's database default as it is added (taxpro.public_ids says why)."""

from django.db import migrations

from taxpro.public_ids import public_id_field


class Migration(migrations.Migration):
    dependencies = [("taxpayers", "0004_letter_caf_record_moved_to_caf")]

    operations = [
        migrations.AddField(model_name=model, name="public_id", field=public_id_field())
        for model in (
            "letter",
            "taxpayer",
        )
    ]
