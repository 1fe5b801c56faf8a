"""The database itself refuses to change what a clinician signed, whatever road a change takes (the ORM's
``.update()``, raw SQL, a console): a signed note's content, hash, template, patient, author and signature
are fixed, a signed note is never deleted, and addenda are append-only and only follow a signed note.

What may still happen to a signed note: locking it, a co-signature, an entered-in-error mark (each only
filling a field still empty), and the sharing and privacy choices, which are not part of the signed text.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION records_signed_note_is_fixed() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'signed note % cannot be deleted', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.content IS DISTINCT FROM OLD.content
       OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
       OR NEW.template_version_id IS DISTINCT FROM OLD.template_version_id
       OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
       OR NEW.encounter_id IS DISTINCT FROM OLD.encounter_id
       OR NEW.clinic_id IS DISTINCT FROM OLD.clinic_id
       OR NEW.organization_id IS DISTINCT FROM OLD.organization_id
       OR NEW.author_id IS DISTINCT FROM OLD.author_id
       OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
       OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
       OR NEW.revision IS DISTINCT FROM OLD.revision
       OR NEW.status = 'draft'
       OR (OLD.status = 'locked' AND NEW.status <> 'locked')
       OR (OLD.locked_at IS NOT NULL AND NEW.locked_at IS DISTINCT FROM OLD.locked_at)
       OR (OLD.cosigned_at IS NOT NULL AND (NEW.cosigned_at IS DISTINCT FROM OLD.cosigned_at
                                           OR NEW.cosigned_by_id IS DISTINCT FROM OLD.cosigned_by_id))
       OR (OLD.entered_in_error_at IS NOT NULL AND (
              NEW.entered_in_error_at IS DISTINCT FROM OLD.entered_in_error_at
              OR NEW.entered_in_error_by_id IS DISTINCT FROM OLD.entered_in_error_by_id
              OR NEW.entered_in_error_reason IS DISTINCT FROM OLD.entered_in_error_reason))
    THEN
        RAISE EXCEPTION 'signed note % cannot be changed', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER records_signed_note_is_fixed
    BEFORE UPDATE OR DELETE ON records_note
    FOR EACH ROW EXECUTE FUNCTION records_signed_note_is_fixed();

CREATE OR REPLACE FUNCTION records_addendum_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM records_note WHERE id = NEW.note_id AND status <> 'draft') THEN
            RAISE EXCEPTION 'an addendum follows a signed note only' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'addendum % cannot be changed or deleted', OLD.id USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER records_addendum_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON records_addendum
    FOR EACH ROW EXECUTE FUNCTION records_addendum_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS records_addendum_append_only ON records_addendum;
DROP FUNCTION IF EXISTS records_addendum_append_only();
DROP TRIGGER IF EXISTS records_signed_note_is_fixed ON records_note;
DROP FUNCTION IF EXISTS records_signed_note_is_fixed();
"""


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
