# The CAF record a letter goes to moves out of the master file (caf.CafLetter, caf 0004): a
# letter then has a taxpayer, or a caf.CafLetter row, and no column here says which.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("taxpayers", "0002_identity_checks"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="letter",
            name="letter_one_addressee",
        ),
    ]
