"""Retention: ``audit_archive`` moves the oldest links to a file anchored in the chain; what is left still
verifies, the file verifies against its anchor, and nothing else may delete an audit row."""

import gzip
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.audit.models import AccessEvent, AuditArchive, AuditEntry
from core.audit.verification import verify_chain
from core.patients.models import Patient
from tests.conftest import client_for

from .helpers import chain_now, entries, rechain, tamper


def _history(tenant, views=3):
    with scopes_disabled():
        Patient.objects.filter(pk=tenant.patient.pk).update(given_name="Erina")
    client = client_for(tenant.owner)
    for _view in range(views):
        assert client.get(f"/office/patients/{tenant.patient.pk}/").status_code == 200
    return entries(tenant.org)


def _age(tenant, seqs, days=400):
    """Make links ``seqs`` look ``days`` old (the test cannot wait a year)."""
    tamper(
        f"UPDATE audit_auditentry SET at = at - interval '{days} days' "
        "WHERE organization_id = %s AND seq = ANY(%s)",
        [tenant.org.pk, list(seqs)],
    )
    rechain(tenant.org)  # the time is covered by each link's hash


def _archive(tenant, out, **extra):
    stdout = StringIO()
    before = (timezone.now() - timedelta(days=30)).date().isoformat()
    call_command(
        "audit_archive",
        "--before",
        before,
        "--organization",
        tenant.org.slug,
        "--out",
        str(out),
        stdout=stdout,
    )
    return stdout.getvalue()


def test_archive_then_verify_passes(alpha, beta, tmp_path):
    chain = _history(alpha)
    _history(beta)
    old = [e.seq for e in chain[:4]]
    _age(alpha, old)
    chain = entries(alpha.org)
    line = _archive(alpha, tmp_path).strip()
    chain_now()
    with scopes_disabled():
        archive = AuditArchive.objects.get(organization=alpha.org)
        left = list(AuditEntry.objects.filter(organization=alpha.org).order_by("seq"))
        assert not AccessEvent.objects.filter(pk__in=[e.source_id for e in chain[:4] if e.kind == "access"])
    assert (archive.first_seq, archive.last_seq, archive.last_hash) == (1, 4, chain[3].hash)
    assert line.split() == [
        alpha.org.slug,
        "1",
        "4",
        chain[3].hash,
        str(tmp_path / archive.file_name),
        archive.file_sha256,
    ]
    assert left[0].seq == 5 and left[0].prev_hash == archive.last_hash
    assert left[-1].record_type == "audit.AuditArchive"  # the anchor is itself a link of the chain
    report = verify_chain(alpha.org.pk)
    assert report.intact, report.first_break
    assert report.checked == len(left)
    assert verify_chain(beta.org.pk).intact
    out = StringIO()
    call_command("audit_verify", "--organization", alpha.org.slug, stdout=out)
    call_command("audit_archive", "--verify-archive", str(tmp_path / archive.file_name), stdout=out)
    assert "intact, entries 1 to 4" in out.getvalue()
    lines = gzip.decompress((tmp_path / archive.file_name).read_bytes()).splitlines()
    assert len(lines) == 4
    page = client_for(alpha.owner).get("/office/settings/audit/")
    assert page.status_code == 200 and "Audit archive" in page.content.decode()
    # A second archive continues where the first stopped.
    _history(alpha, views=1)
    with scopes_disabled():
        more = list(
            AuditEntry.objects.filter(organization=alpha.org).order_by("seq").values_list("seq", flat=True)
        )
    _age(alpha, more[:3])
    _archive(alpha, tmp_path)
    chain_now()
    with scopes_disabled():
        second = AuditArchive.objects.filter(organization=alpha.org).order_by("-last_seq").first()
    assert (second.first_seq, second.last_seq) == (5, 7)
    assert verify_chain(alpha.org.pk).intact
    call_command("audit_archive", "--verify-archive", str(tmp_path / second.file_name), stdout=out)


def test_nothing_old_archives_nothing(alpha, tmp_path):
    _history(alpha)
    assert "nothing older than" in _archive(alpha, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_tampered_archive_file_is_detected(alpha, tmp_path):
    chain = _history(alpha)
    _age(alpha, [e.seq for e in chain[:4]])
    _archive(alpha, tmp_path)
    with scopes_disabled():
        archive = AuditArchive.objects.get(organization=alpha.org)
    path = tmp_path / archive.file_name
    lines = gzip.decompress(path.read_bytes()).splitlines()
    lines[1] = (
        lines[1].replace(b"Erina", b"Erinx")
        if b"Erina" in lines[1]
        else lines[1].replace(b'"view"', b'"list"')
    )
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit_archive", "--verify-archive", str(path), stdout=StringIO())


def test_a_deleted_remaining_row_is_still_detected(alpha, tmp_path):
    chain = _history(alpha, views=4)
    _age(alpha, [e.seq for e in chain[:3]])
    _archive(alpha, tmp_path)
    chain_now()
    with scopes_disabled():
        victim = AuditEntry.objects.filter(organization=alpha.org, kind="access").order_by("seq").first()
    tamper(f"DELETE FROM {victim.source} WHERE id = %s", [victim.source_id])
    report = verify_chain(alpha.org.pk)
    assert not report.intact
    assert report.first_break.seq == victim.seq and report.first_break.problem == "deleted"
    # Cutting the first remaining link (and its row) is found too: the chain must start after the anchor.
    tamper("DELETE FROM audit_auditentry WHERE organization_id = %s AND seq = 4", [alpha.org.pk])
    assert verify_chain(alpha.org.pk).first_break.seq == 4


def test_a_broken_chain_is_not_archived(alpha, tmp_path):
    chain = _history(alpha)
    _age(alpha, [e.seq for e in chain[:4]])
    tamper(
        "UPDATE audit_auditentry SET digest = repeat('0', 64) WHERE organization_id = %s AND seq = 2",
        [alpha.org.pk],
    )
    with pytest.raises(CommandError, match="broken"):
        _archive(alpha, tmp_path)
    with scopes_disabled():
        assert not AuditArchive.objects.exists()
        assert AuditEntry.objects.filter(organization=alpha.org).count() == len(chain)
    assert list(tmp_path.iterdir()) == []


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit_archive", "--before", "2020-13-01", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="no such directory"):
        call_command("audit_archive", "--before", "2020-01-01", "--out", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("audit_archive", "--verify-archive", str(tmp_path / "missing.gz"))


def test_the_application_still_cannot_delete_audit_rows(alpha):
    chain = _history(alpha)
    access = next(e for e in chain if e.kind == "access")
    with scope(organization=alpha.org.pk):
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessEvent.objects.filter(pk=access.source_id).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=access.pk).delete()
    change_table = next(e.source for e in chain if e.kind == "change")
    for sql in (
        "DELETE FROM audit_accessevent",
        "DELETE FROM audit_auditentry",
        f"DELETE FROM {change_table}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    # The archive's setting lets a DELETE through only while set, and never an UPDATE.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ehr.audit_archive = 'on'")
        cursor.execute("UPDATE audit_accessevent SET user_agent = 'x'")
