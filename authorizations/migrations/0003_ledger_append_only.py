"""R28: the database itself refuses every DELETE, and every UPDATE but ending an active row.

No code path, admin screen or shell can rewrite history: the ledger's only allowed UPDATE sets
``ends_at`` (from NULL) with its reason and who ended it, leaving every other column as it was.
The audit trail (R44) refuses every UPDATE and DELETE.
"""

from django.db import migrations

LEDGER_END_COLUMNS = (
    "ARRAY['ends_at', 'end_reason', 'ended_by_user_id', 'ended_by_request_id', 'ended_by_label']"
)

SQL = f"""
CREATE OR REPLACE FUNCTION authorizations_ledger_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'The CAF ledger is append-only: rows are never deleted (R28).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.ends_at IS NOT NULL THEN
        RAISE EXCEPTION 'The CAF ledger is append-only: an ended row never changes (R28).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.ends_at IS NULL OR NEW.end_reason = '' THEN
        RAISE EXCEPTION 'The CAF ledger is append-only: the only update ends an active row (R28).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - {LEDGER_END_COLUMNS}) IS DISTINCT FROM (to_jsonb(OLD) - {LEDGER_END_COLUMNS}) THEN
        RAISE EXCEPTION 'The CAF ledger is append-only: ending a row changes nothing else (R28).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER authorizations_ledger_append_only
    BEFORE UPDATE OR DELETE ON authorizations_authorization
    FOR EACH ROW EXECUTE FUNCTION authorizations_ledger_guard();

CREATE OR REPLACE FUNCTION authorizations_audit_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only (R44, R28).'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER authorizations_audit_append_only
    BEFORE UPDATE OR DELETE ON authorizations_auditevent
    FOR EACH ROW EXECUTE FUNCTION authorizations_audit_guard();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS authorizations_ledger_append_only ON authorizations_authorization;
DROP FUNCTION IF EXISTS authorizations_ledger_guard();
DROP TRIGGER IF EXISTS authorizations_audit_append_only ON authorizations_auditevent;
DROP FUNCTION IF EXISTS authorizations_audit_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("authorizations", "0002_ledger")]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
