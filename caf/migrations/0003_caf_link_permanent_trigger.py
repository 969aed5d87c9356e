"""R6: a CAF link is permanent. The database refuses DELETE and UPDATE of a link, so no code
path, admin or shell can unlink or re-point it. (TRUNCATE, used by test flushes, is not a
row operation and is unaffected.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION caf_link_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A CAF link is permanent (R6): % refused on caf_caflink', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER caf_link_permanent
    BEFORE UPDATE OR DELETE ON caf_caflink
    FOR EACH ROW EXECUTE FUNCTION caf_link_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS caf_link_permanent ON caf_caflink;
DROP FUNCTION IF EXISTS caf_link_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("caf", "0002_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
