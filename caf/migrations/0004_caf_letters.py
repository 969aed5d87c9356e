# Which CAF record a letter went to now lives with the CAF (the master file sits below it):
# the table is created and every existing pair copied from taxpayers_letter.caf_record_id,
# which taxpayers 0004 then drops. Reversible: the pairs are copied back first.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("caf", "0003_caf_link_permanent_trigger"),
        ("taxpayers", "0003_letter_one_addressee_dropped"),
    ]

    operations = [
        migrations.CreateModel(
            name="CafLetter",
            fields=[
                (
                    "letter",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="caf_letter",
                        serialize=False,
                        to="taxpayers.letter",
                    ),
                ),
                (
                    "caf_record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="letters",
                        to="caf.cafrecord",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(
            sql=(
                "INSERT INTO caf_cafletter (letter_id, caf_record_id) "
                "SELECT id, caf_record_id FROM taxpayers_letter WHERE caf_record_id IS NOT NULL"
            ),
            reverse_sql=(
                "UPDATE taxpayers_letter AS l SET caf_record_id = c.caf_record_id "
                "FROM caf_cafletter AS c WHERE c.letter_id = l.id"
            ),
        ),
    ]
