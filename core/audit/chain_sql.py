"""The database side of the audit trail: the hash chain and the append-only rule.

Each change table (django-pghistory's event tables of tenant models) and the access log get:

* a deferred constraint trigger that appends the row to its organization's chain at commit time. It takes a
  per-organization advisory lock first, so parallel writers queue up and the chain never forks; because it
  runs at commit, when the transaction already holds every other lock it needs, it cannot deadlock with
  the application's own locks;
* a trigger refusing UPDATE and DELETE (the same for the chain and anchor tables).

A link's hash is sha256("<previous hash>:<organization>:<seq>:<table>:<row id>:<digest>:<entry>") where the
digest is sha256 of the row as PostgreSQL's canonical jsonb text (keys sorted, UTC times) and <entry> the
entry's own columns and its copy of the change's context (``link_hash`` has each version's formula).
``verification`` recomputes them from the rows and entries as they are now.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction

from .link_hash import CURRENT

GENESIS = "0" * 64
LOCK_CLASS = 7_401  # the first key of the two-key advisory lock: "the audit chain of organization <n>"

# The one way past the append-only rule: ``audit_archive`` sets ``ehr.audit_archive`` with SET LOCAL inside
# its own transaction, after writing the rows to a file and anchoring its hash in the chain, and then
# deletes the archived rows. UPDATE stays refused whatever the setting.
REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ehr.audit_archive', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# Which version of the link formula (``link_hash``) the installed function writes; ``missing_triggers``
# finds an installed function without this marker, so ``install`` replaces it after a migrate.
FUNCTION_MARKER = f"audit chain hash version {CURRENT}"

# Who made a change is django-pghistory's context row (``pghistory_context``), and that row is not fixed:
# pghistory's ``_pgh_attach_context()`` upserts it on every tracked statement (ON CONFLICT DO UPDATE SET
# metadata) and ``pghistory.context(key=...)`` adds keys to the running context, so one request's context
# row changes while the request goes on, across its transactions. A hash over the row as it is later would
# break legitimately. The link therefore copies the metadata as it is at commit time onto the entry
# (``context``) and covers that copy; the viewer reads the copy.
CHAIN_FUNCTIONS = f"""

DROP FUNCTION IF EXISTS audit_chain_link(jsonb, text, text, text, text);
CREATE OR REPLACE FUNCTION audit_chain_link(data jsonb, source text, kind text, record_type text,
    patient_column text, clinic_column text) RETURNS void LANGUAGE plpgsql AS $$
-- {FUNCTION_MARKER}
DECLARE
    org bigint := (data->>'organization_id')::bigint;
    source_id bigint := (data->>(CASE kind WHEN 'access' THEN 'id' ELSE 'pgh_id' END))::bigint;
    last_seq bigint;
    last_hash text;
    new_seq bigint;
    row_digest text;
    link_hash text;
    actor bigint;
    context_copy jsonb;
    entry_type text;
    entry_action text;
    entry_patient bigint;
    entry_clinic bigint;
    entry_at timestamptz;
BEGIN
    IF org IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, org::int);
    SELECT e.seq, e.hash INTO last_seq, last_hash FROM audit_auditentry e
        WHERE e.organization_id = org ORDER BY e.seq DESC LIMIT 1;
    new_seq := coalesce(last_seq, 0) + 1;
    last_hash := coalesce(last_hash, '{GENESIS}');
    IF kind = 'access' THEN
        actor := (data->>'actor_id')::bigint;
        entry_type := data->>'category';
        entry_action := data->>'action';
    ELSE
        SELECT c.metadata INTO context_copy FROM pghistory_context c
            WHERE c.id = (data->>'pgh_context_id')::uuid;
        actor := (context_copy->>'user')::bigint;
        entry_type := record_type;
        entry_action := data->>'pgh_label';
    END IF;
    entry_patient := (data->>patient_column)::bigint;
    entry_clinic := (data->>clinic_column)::bigint;
    entry_at := coalesce((data->>'at')::timestamptz, (data->>'pgh_created_at')::timestamptz, now());
    row_digest := encode(sha256(convert_to(data::text, 'UTF8')), 'hex');
    -- The text of core.audit.link_hash, version {CURRENT}: a missing value is an empty string (concat_ws
    -- would skip a NULL and shift the fields after it).
    link_hash := encode(sha256(convert_to(concat_ws(':', last_hash, org, new_seq, source, source_id,
        row_digest, coalesce(actor::text, ''), (extract(epoch FROM entry_at) * 1000000)::bigint, kind,
        entry_type, entry_action, coalesce(entry_patient::text, ''), coalesce(entry_clinic::text, ''),
        coalesce(encode(sha256(convert_to(context_copy::text, 'UTF8')), 'hex'), '')), 'UTF8')), 'hex');
    INSERT INTO audit_auditentry (organization_id, seq, source, source_id, kind, record_type, action,
        patient_id, clinic_id, actor_id, at, fields, digest, prev_hash, hash, version, context)
    VALUES (org, new_seq, source, source_id, kind, entry_type, entry_action, entry_patient, entry_clinic,
        actor, entry_at, ARRAY(SELECT jsonb_object_keys(data) ORDER BY 1), row_digest, last_hash,
        link_hash, {CURRENT}, context_copy);
END $$;

-- The timezone is fixed so that times in the row's jsonb text never depend on the writer's session.
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger LANGUAGE plpgsql
SET timezone = 'UTC' AS $$
BEGIN
    PERFORM audit_chain_link(to_jsonb(NEW), TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3]);
    RETURN NULL;
END $$;
"""  # noqa: S608 - constants only
FUNCTIONS = REFUSE_CHANGE + CHAIN_FUNCTIONS


def id_column(kind: str) -> str:
    """The column a chained row is known by: the access log's id, a change event's ``pgh_id``."""
    return "id" if kind == "access" else "pgh_id"


def chained_tables() -> list[tuple[str, str, str, str, str]]:
    """(table, kind, record type, patient column, clinic column) of every table whose rows join the chain."""
    from core.patients.models import Patient
    from core.tenancy.models import Clinic

    from .models import AccessEvent

    found = [(AccessEvent._meta.db_table, "access", "", "patient_id", "clinic_id")]
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is None or not any(f.name == "organization" for f in tracked._meta.fields):
            continue
        columns = {f.column for f in model._meta.concrete_fields}
        if tracked is Patient:
            patient_column = "pgh_obj_id"
        else:
            patient_column = "patient_id" if "patient_id" in columns else ""
        # A clinic's own changes belong to that clinic (read in its time zone, found by its filter).
        clinic_column = "pgh_obj_id" if tracked is Clinic else "clinic_id"
        found.append((model._meta.db_table, "change", tracked._meta.label, patient_column, clinic_column))
    return sorted(found)


def protected_tables() -> list[str]:
    from .models import AuditAnchor, AuditArchive, AuditEntry, BreakGlassAccess

    kept = [AuditEntry, AuditAnchor, AuditArchive, BreakGlassAccess]
    return [t for t, *_ in chained_tables()] + [model._meta.db_table for model in kept]


def missing_triggers() -> list[str]:
    """Tables lacking their chain or append-only trigger, and the chain function when it is missing or
    writes an older hash version (empty when everything is installed)."""
    with connection.cursor() as cursor:
        # A chain trigger with fewer arguments is an older version: reinstalled like a missing one.
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_append_only' OR (t.tgname = 'audit_chain' AND t.tgnargs = 4)"
        )
        present = set(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = 'audit_chain_link' AND prosrc LIKE %s",
            [f"%{FUNCTION_MARKER}%"],
        )
        current_function = cursor.fetchone()[0] > 0
    wanted = {(t, "audit_chain") for t, *_ in chained_tables()} | {
        (t, "audit_append_only") for t in protected_tables()
    }
    missing = sorted(f"{table}.{name}" for table, name in wanted - present)
    return missing if current_function else [*missing, "audit_chain_link()"]


def install(**_kwargs) -> None:
    """Create the functions and any missing trigger (after every migrate; cheap when nothing is missing)."""
    if not missing_triggers():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        for table, kind, record_type, patient_column, clinic_column in chained_tables():
            arguments = f"'{kind}', '{record_type}', '{patient_column or '-'}', '{clinic_column}'"
            cursor.execute(f'DROP TRIGGER IF EXISTS audit_chain ON "{table}"')
            cursor.execute(
                f'CREATE CONSTRAINT TRIGGER audit_chain AFTER INSERT ON "{table}" '
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_append({arguments})"
            )
        backfill(cursor)
        for table in protected_tables():
            cursor.execute(f'DROP TRIGGER IF EXISTS audit_append_only ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )


def backfill(cursor) -> None:
    """Chain rows written before their table was chained (history older than the chain, a new tracked
    model's first rows), oldest first, so that verification finds no row outside the chain."""
    cursor.execute("SET LOCAL timezone = 'UTC'")
    for table, kind, record_type, patient_column, clinic_column in chained_tables():
        key = id_column(kind)
        # Table and column names come from the models; values are parameters.
        sql = (
            f'SELECT audit_chain_link(to_jsonb(t), %s, %s, %s, %s, %s) FROM "{table}" t '  # noqa: S608
            "WHERE t.organization_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_auditentry e "
            f'WHERE e.source = %s AND e.source_id = t."{key}") ORDER BY t."{key}"'
        )
        cursor.execute(sql, [table, kind, record_type, patient_column or "-", clinic_column, table])
