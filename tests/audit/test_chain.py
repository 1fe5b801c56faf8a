"""The audit trail is append-only and hash-chained: verification finds an edited, a deleted and an inserted
row at the row where it happened, and parallel writers never fork an organization's chain."""

from io import StringIO

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import scope, scopes_disabled

from core.audit.chain_sql import missing_triggers
from core.audit.models import AccessEvent, AuditAnchor, AuditEntry
from core.audit.verification import anchor_day, verify_chain
from core.patients.models import Patient
from tests.conftest import client_for
from tests.parallel_http import fire, status_counts

from .helpers import entries, tamper

REQUESTS = 20


def test_every_audit_table_has_its_triggers(db):
    assert missing_triggers() == []


def _history(alpha):
    """Some changes and accesses of the tenant: a rename and two page views."""
    with scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina")
    client = client_for(alpha.owner)
    assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 200
    assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 200
    return entries(alpha.org)


def test_changes_and_accesses_form_one_unbroken_chain(alpha, beta):
    chain = _history(alpha)
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert {e.kind for e in chain} == {"change", "access"}
    assert all(e.prev_hash == before.hash for before, e in zip(chain, chain[1:], strict=False))
    report = verify_chain(alpha.org.pk)
    assert report.intact, report.first_break
    assert report.checked == len(chain)
    # Each organization has its own chain.
    assert entries(beta.org)[0].seq == 1


def _refused(sql, params):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


def test_update_and_delete_are_refused_by_the_database(alpha):
    chain = _history(alpha)
    access = next(e for e in chain if e.kind == "access")
    change = next(e for e in chain if e.kind == "change" and e.source == "patients_patientevent")
    for table, key, row in (
        ("audit_accessevent", "id", access.source_id),
        ("patients_patientevent", "pgh_id", change.source_id),
        ("audit_auditentry", "id", access.pk),
    ):
        _refused(f"UPDATE {table} SET organization_id = organization_id WHERE {key} = %s", [row])
        _refused(f"DELETE FROM {table} WHERE {key} = %s", [row])
    with scope(organization=alpha.org.pk):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AccessEvent.objects.filter(pk=access.source_id).update(user_agent="edited")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AccessEvent.objects.filter(pk=access.source_id).delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Patient.pgh_event_model.objects.filter(pgh_id=change.source_id).delete()
        anchor = anchor_day(alpha.org.pk)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditAnchor.objects.filter(pk=anchor.pk).update(hash="0" * 64)


def test_an_edited_row_is_reported_at_its_link(alpha):
    chain = _history(alpha)
    target = next(e for e in chain if e.kind == "access")
    tamper("UPDATE audit_accessevent SET client_address = '10.9.9.9' WHERE id = %s", [target.source_id])
    report = verify_chain(alpha.org.pk)
    assert (report.first_break.seq, report.first_break.problem) == (target.seq, "edited")
    assert report.checked == target.seq - 1


def test_a_deleted_row_is_reported_at_its_link(alpha):
    chain = _history(alpha)
    target = next(e for e in chain if e.source == "patients_patientevent" and e.action == "update")
    tamper("DELETE FROM patients_patientevent WHERE pgh_id = %s", [target.source_id])
    report = verify_chain(alpha.org.pk)
    assert (report.first_break.seq, report.first_break.problem) == (target.seq, "deleted")


def test_a_deleted_link_is_reported_where_it_was(alpha):
    chain = _history(alpha)
    target = chain[len(chain) // 2]
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])
    report = verify_chain(alpha.org.pk)
    assert (report.first_break.seq, report.first_break.problem) == (target.seq, "deleted")


def test_a_row_inserted_outside_the_chain_is_reported(alpha):
    _history(alpha)
    tamper(
        "INSERT INTO audit_accessevent (organization_id, patient_id, actor_label, role, category, "
        "action, channel, request_id, client_address, user_agent, at) SELECT organization_id, patient_id, "
        "actor_label, role, category, action, channel, request_id, client_address, user_agent, "
        "at - interval '1 day' FROM audit_accessevent WHERE organization_id = %s LIMIT 1",
        [alpha.org.pk],
    )
    with scopes_disabled():
        inserted = AccessEvent.objects.filter(organization=alpha.org).order_by("-id").first()
    report = verify_chain(alpha.org.pk)
    assert report.first_break.problem == "inserted"
    assert report.first_break.source_id == inserted.pk


def test_a_link_inserted_mid_chain_is_reported(alpha):
    chain = _history(alpha)
    middle = chain[len(chain) // 2]
    # Make room by renumbering the rest, then slip a forged link in: the next link's previous hash is wrong.
    for step in ("-(seq + 1)", "-seq"):  # through negative numbers: the unique key holds at every row
        tamper(
            f"UPDATE audit_auditentry SET seq = {step} WHERE organization_id = %s AND abs(seq) > %s",
            [alpha.org.pk, middle.seq],
        )
    tamper(
        "INSERT INTO audit_auditentry (organization_id, seq, source, source_id, kind, record_type, "
        "action, at, fields, digest, prev_hash, hash) SELECT organization_id, seq + 1, source, source_id, "
        "kind, record_type, action, at, fields, digest, hash, hash FROM audit_auditentry WHERE id = %s",
        [middle.pk],
    )
    report = verify_chain(alpha.org.pk)
    assert (report.first_break.seq, report.first_break.problem) == (middle.seq + 1, "link")


def test_cutting_off_the_newest_rows_and_links_is_found_by_the_anchor(alpha):
    chain = _history(alpha)
    anchor_day(alpha.org.pk)
    last = chain[-1]
    # The chain that is left is consistent; only the anchor remembers how far it reached.
    tamper(f"DELETE FROM {last.source} WHERE id = %s", [last.source_id])
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    report = verify_chain(alpha.org.pk)
    assert report.checked == len(chain) - 1
    assert report.first_break.seq == last.seq
    assert report.first_break.source == "audit_auditanchor"


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_never_fork_the_chain(live_server, clinic_team):
    url = f"{live_server.url}/api/v1/patients/{clinic_team.patient.pk}"
    responses = fire("GET", url, [{}] * REQUESTS, clinic_team.headers)
    assert status_counts(responses) == {200: REQUESTS}
    with scopes_disabled():
        seqs = list(AuditEntry.objects.filter(organization=clinic_team.org).values_list("seq", flat=True))
        views = AccessEvent.objects.filter(organization=clinic_team.org, channel="api").count()
    assert views == REQUESTS
    assert sorted(seqs) == list(range(1, len(seqs) + 1))
    report = verify_chain(clinic_team.org.pk)
    assert report.intact, report.first_break
    assert report.checked == len(seqs)


def test_the_nightly_job_verifies_and_anchors_every_organization(alpha, beta):
    from django.core.management import call_command
    from django_q.models import Schedule

    from core.audit.tasks import SCHEDULE_NAME, verify_all_chains

    _history(alpha)
    call_command("sync_schedules", stdout=StringIO())
    assert Schedule.objects.get(name=SCHEDULE_NAME).func == "core.audit.tasks.verify_all_chains"
    results = verify_all_chains()
    assert results[alpha.org.pk] is True and results[beta.org.pk] is True
    with scopes_disabled():
        assert AuditAnchor.objects.filter(organization=alpha.org).count() == 1


def test_anchors_kept_outside_catch_a_chain_cut_short_with_its_anchors(alpha, tmp_path):
    from django.core.management import CommandError, call_command

    chain = _history(alpha)
    out = StringIO()
    call_command("audit_verify", "--organization", alpha.org.slug, "--anchor", stdout=out)
    line = out.getvalue().strip()
    assert line == f"{alpha.org.slug} {chain[-1].seq} {chain[-1].hash}"
    outside = tmp_path / "anchors.txt"
    outside.write_text(line + "\n")
    call_command("audit_verify", "--organization", alpha.org.slug, "--anchors-file", str(outside), stdout=out)
    last = chain[-1]
    tamper(f"DELETE FROM {last.source} WHERE id = %s", [last.source_id])
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    tamper("DELETE FROM audit_auditanchor WHERE organization_id = %s", [alpha.org.pk])
    assert verify_chain(alpha.org.pk).intact  # what is left in the database is consistent
    out = StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command(
            "audit_verify", "--organization", alpha.org.slug, "--anchors-file", str(outside), stdout=out
        )
    assert f"entry {last.seq} differs" in out.getvalue()
