"""Hash version 2: a link also covers who acted, when, on which patient and clinic, and the change's context
as it was when the link was written. Links written under version 1 keep verifying under their own formula."""

from io import StringIO
from pathlib import Path

import pghistory
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from core.audit.chain_sql import install, missing_triggers
from core.audit.models import AuditEntry
from core.audit.verification import verify_chain
from core.patients.models import Patient
from tests.conftest import client_for

from .helpers import entries, rechain, tamper


def _history(alpha):
    """A rename made by the owner (with the context a request gives) and two page views."""
    owner = alpha.owner
    with pghistory.context(user=owner.pk, user_email=owner.email, ip="10.0.0.7"), scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina")
    client = client_for(alpha.owner)
    for _view in range(2):
        assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 200
    return entries(alpha.org)


def _rename(chain):
    return next(e for e in chain if e.source == "patients_patientevent" and e.action == "update")


def _broken_at(organization):
    report = verify_chain(organization.pk)
    assert not report.intact
    return report.first_break.seq, report.first_break.problem


def test_new_links_are_version_2_and_carry_their_context(alpha):
    chain = _history(alpha)
    assert {e.version for e in chain} == {2}
    rename = _rename(chain)
    assert rename.actor_id == alpha.owner.pk
    assert rename.context["user_email"] == alpha.owner.email and rename.context["ip"] == "10.0.0.7"
    assert all(e.context is None for e in chain if e.kind == "access")
    assert verify_chain(alpha.org.pk).intact


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_id", "NULL"),
        ("patient_id", "patient_id + 1"),
        ("clinic_id", "coalesce(clinic_id, 0) + 1"),
        ("at", "at - interval '1 hour'"),
        ("action", "'delete'"),
        ("context", """jsonb_set(context, '{user_email}', '"someone@else.example"')"""),
    ],
)
def test_a_rewritten_entry_column_is_reported_at_its_link(alpha, column, value):
    chain = _history(alpha)
    accesses = [e for e in chain if e.kind == "access"]
    target = _rename(chain) if column in ("context", "action") else accesses[0]
    tamper(f"UPDATE audit_auditentry SET {column} = {value} WHERE id = %s", [target.pk])  # noqa: S608
    assert _broken_at(alpha.org) == (target.seq, "link")


def test_audit_verify_names_the_entry_whose_actor_was_rewritten(alpha):
    chain = _history(alpha)
    target = _rename(chain)
    tamper("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [alpha.staff.pk, target.pk])
    out = StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify", "--organization", alpha.org.slug, stdout=out)
    assert f"entry {target.seq}: the chain link itself was altered" in out.getvalue()


def test_the_context_row_changing_later_breaks_nothing(alpha):
    """pghistory upserts the context row on every tracked statement of a context, across transactions:
    the link keeps the metadata it was written with, and the chain still verifies."""
    with pghistory.context(user=alpha.owner.pk, user_email=alpha.owner.email):
        with scopes_disabled():
            Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina")
        first = _rename(entries(alpha.org))
        pghistory.context(note="added later in the request")
        with scopes_disabled():
            Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erin")
        chain = entries(alpha.org)
    with connection.cursor() as cursor:
        cursor.execute("SELECT metadata->>'user' FROM pghistory_context WHERE metadata ? 'note'")
        assert cursor.fetchall() == [(str(alpha.owner.pk),)]  # one context row, updated in place
    second = [e for e in chain if e.source == "patients_patientevent"][-1]
    assert "note" not in first.context and second.context["note"] == "added later in the request"
    assert verify_chain(alpha.org.pk).intact
    # Even the context row rewritten by hand leaves the chain as written: the link covers its own copy.
    tamper('UPDATE pghistory_context SET metadata = metadata || \'{"user_email": "forged@example.org"}\'')
    assert verify_chain(alpha.org.pk).intact


def _as_version_1(organization, through_seq: int) -> None:
    """Make the organization's links up to ``through_seq`` what links written before version 2 were: no
    context copy, hashed under version 1 (and the rest of the chain rehashed on top of them)."""
    tamper(
        "UPDATE audit_auditentry SET version = 1, context = NULL WHERE organization_id = %s AND seq <= %s",
        [organization.pk, through_seq],
    )
    rechain(organization)


def _install_the_version_1_function() -> None:
    """Put back the chain function as it was before hash versions (a database not yet migrated)."""
    with connection.cursor() as cursor:
        cursor.execute((Path(__file__).parent / "chain_function_v1.sql").read_text())


def _rename_to(alpha, given_name: str) -> None:
    with pghistory.context(user=alpha.owner.pk, user_email=alpha.owner.email), scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name=given_name)


def test_links_of_the_previous_function_verify_before_and_after_the_upgrade(alpha):
    _install_the_version_1_function()
    assert missing_triggers() == ["audit_chain_link()"]  # migrate's install would replace it
    _rename_to(alpha, "Erina")
    older = entries(alpha.org)
    assert {e.version for e in older} == {1} and all(e.context is None for e in older)
    report = verify_chain(alpha.org.pk)
    assert report.intact and report.checked == len(older), report.first_break
    install()
    assert missing_triggers() == []
    _rename_to(alpha, "Erin")
    chain = entries(alpha.org)
    assert [e.version for e in chain] == [1] * len(older) + [2] * (len(chain) - len(older))
    report = verify_chain(alpha.org.pk)
    assert report.intact and report.checked == len(chain), report.first_break
    # A version-1 row edited is still found at its link.
    rename = _rename(older)
    tamper("UPDATE patients_patientevent SET given_name = 'Eve' WHERE pgh_id = %s", [rename.source_id])
    assert _broken_at(alpha.org) == (rename.seq, "edited")


def test_a_mixed_chain_verifies_and_still_finds_edits(alpha):
    chain = _history(alpha)
    rename = _rename(chain)
    _as_version_1(alpha.org, rename.seq)
    with scopes_disabled():
        links = AuditEntry.objects.filter(organization=alpha.org).order_by("seq")
        versions = list(links.values_list("version", flat=True))
    assert versions[0] == 1 and versions[-1] == 2
    assert verify_chain(alpha.org.pk).intact
    # Edits, deletions and links out of place are found in either part.
    tamper("UPDATE patients_patientevent SET given_name = 'Eve' WHERE pgh_id = %s", [rename.source_id])
    assert _broken_at(alpha.org) == (rename.seq, "edited")


def test_a_version_2_link_cannot_be_turned_back_into_version_1(alpha):
    """Rehashing a newer link under the older formula (which covers less) would hide a rewritten actor."""
    target = _history(alpha)[-1]
    tamper("UPDATE audit_auditentry SET version = 1 WHERE id = %s", [target.pk])
    rechain(alpha.org)  # every hash consistent, the last one under the older formula
    assert _broken_at(alpha.org) == (target.seq, "link")


def test_the_viewer_shows_the_context_the_link_covers(alpha):
    with pghistory.context(command="import_patients"), scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina")
    entries(alpha.org)
    tamper('UPDATE pghistory_context SET metadata = \'{"command": "forged_command"}\'')
    page = client_for(alpha.owner).get("/office/settings/audit/", {"kind": "change"}).content.decode()
    assert "import_patients" in page and "forged_command" not in page


def test_an_archive_of_mixed_versions_verifies_against_its_anchor(alpha, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from core.audit.models import AuditArchive

    rename = _rename(_history(alpha))
    _as_version_1(alpha.org, 1)
    tamper(
        "UPDATE audit_auditentry SET at = at - interval '400 days' WHERE organization_id = %s AND seq <= %s",
        [alpha.org.pk, rename.seq],
    )
    rechain(alpha.org)
    before = (timezone.now() - timedelta(days=30)).date().isoformat()
    out = StringIO()
    arguments = ["--before", before, "--organization", alpha.org.slug, "--out", str(tmp_path)]
    call_command("audit_archive", *arguments, stdout=out)
    entries(alpha.org)
    with scopes_disabled():
        archive = AuditArchive.objects.get(organization=alpha.org)
    assert (archive.first_seq, archive.last_seq) == (1, rename.seq)
    call_command("audit_archive", "--verify-archive", str(tmp_path / archive.file_name), stdout=out)
    assert f"intact, entries 1 to {rename.seq}" in out.getvalue()
    assert verify_chain(alpha.org.pk).intact


def test_the_viewer_reads_a_version_1_change_from_its_context_row(alpha):
    with pghistory.context(command="import_patients"), scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina")
    _as_version_1(alpha.org, _rename(entries(alpha.org)).seq)
    page = client_for(alpha.owner).get("/office/settings/audit/", {"kind": "change"}).content.decode()
    assert "import_patients" in page
