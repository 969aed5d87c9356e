# The practitioner's active list (R7) ordered by (starts_at, id) descending: an index in the
# page's own order, so the first page stops after the rows it shows (issue 12).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0011_public_ids"),
        ("caf", "0004_caf_letters"),
        ("taxpayers", "0004_letter_caf_record_moved_to_caf"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="authorization",
            name="ledger_active_by_caf",
        ),
        migrations.AddIndex(
            model_name="authorization",
            index=models.Index(
                condition=models.Q(("ends_at__isnull", True)),
                fields=["caf_record", "-starts_at", "-id"],
                name="ledger_active_by_caf_page",
            ),
        ),
    ]
