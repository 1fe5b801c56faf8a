-- The chain function as installed before hash versions (version-1 links), kept to test the upgrade.
DROP FUNCTION IF EXISTS audit_chain_link(jsonb, text, text, text, text);
CREATE OR REPLACE FUNCTION audit_chain_link(data jsonb, source text, kind text, record_type text,
    patient_column text, clinic_column text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    org bigint := (data->>'organization_id')::bigint;
    source_id bigint := (data->>(CASE kind WHEN 'access' THEN 'id' ELSE 'pgh_id' END))::bigint;
    last_seq bigint;
    last_hash text;
    new_seq bigint;
    row_digest text;
    link_hash text;
    actor bigint;
BEGIN
    IF org IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(7401, org::int);
    SELECT e.seq, e.hash INTO last_seq, last_hash FROM audit_auditentry e
        WHERE e.organization_id = org ORDER BY e.seq DESC LIMIT 1;
    new_seq := coalesce(last_seq, 0) + 1;
    last_hash := coalesce(last_hash, '0000000000000000000000000000000000000000000000000000000000000000');
    row_digest := encode(sha256(convert_to(data::text, 'UTF8')), 'hex');
    link_hash := encode(sha256(convert_to(
        concat_ws(':', last_hash, org, new_seq, source, source_id, row_digest), 'UTF8')), 'hex');
    IF kind = 'access' THEN
        actor := (data->>'actor_id')::bigint;
    ELSE
        SELECT (c.metadata->>'user')::bigint INTO actor FROM pghistory_context c
            WHERE c.id = (data->>'pgh_context_id')::uuid;
    END IF;
    INSERT INTO audit_auditentry (organization_id, seq, source, source_id, kind, record_type, action,
        patient_id, clinic_id, actor_id, at, fields, digest, prev_hash, hash)
    VALUES (org, new_seq, source, source_id, kind,
        CASE kind WHEN 'access' THEN data->>'category' ELSE record_type END,
        CASE kind WHEN 'access' THEN data->>'action' ELSE data->>'pgh_label' END,
        (data->>patient_column)::bigint,
        (data->>clinic_column)::bigint,
        actor,
        coalesce((data->>'at')::timestamptz, (data->>'pgh_created_at')::timestamptz, now()),
        ARRAY(SELECT jsonb_object_keys(data) ORDER BY 1),
        row_digest, last_hash, link_hash);
END $$;

-- The timezone is fixed so that times in the row's jsonb text never depend on the writer's session.
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger LANGUAGE plpgsql
SET timezone = 'UTC' AS $$
BEGIN
    PERFORM audit_chain_link(to_jsonb(NEW), TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3]);
    RETURN NULL;
END $$;
