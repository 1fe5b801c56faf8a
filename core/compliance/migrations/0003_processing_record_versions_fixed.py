"""The database itself keeps every saved version of the record of processing activities as it was saved,
whatever road a change takes (the ORM's ``.update()`` or ``.delete()``, raw SQL, a console): the record
is the controller's evidence to the supervisory authority, and its history is the list of its versions.
Every row is a version (a new one is a new row), so every row is fixed.

One change is let through: ``saved_by`` becoming empty when the member's account itself is deleted
(the foreign key's SET NULL), with every other column unchanged. Refusing it would make a member's
account impossible to delete; the version still says when it was saved and what it says.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION compliance_processing_record_is_fixed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.saved_by_id IS NULL AND OLD.saved_by_id IS NOT NULL
       AND (to_jsonb(NEW) - 'saved_by_id') = (to_jsonb(OLD) - 'saved_by_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'version % of the record of processing cannot be changed or deleted (%)', OLD.number, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER compliance_processing_record_is_fixed
    BEFORE UPDATE OR DELETE ON compliance_processingrecord
    FOR EACH ROW EXECUTE FUNCTION compliance_processing_record_is_fixed();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS compliance_processing_record_is_fixed ON compliance_processingrecord;
DROP FUNCTION IF EXISTS compliance_processing_record_is_fixed();
"""


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_processing_record")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
