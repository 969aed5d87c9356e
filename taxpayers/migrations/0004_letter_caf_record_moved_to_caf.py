# Dropped only after caf 0004 copied every (letter, CAF record) pair into caf_cafletter.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("taxpayers", "0003_letter_one_addressee_dropped"),
        ("caf", "0004_caf_letters"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="letter",
            name="caf_record",
        ),
    ]
