"""The benchmark's clinical history: the busiest patient of each organization gets the long chart the
benchmark opens, every generated note is signed with a matching hash, and the data passes the checks."""

from __future__ import annotations

from django.db import connection
from django_scopes import scopes_disabled

from bench.checks import check
from plugins.records.models import Note
from plugins.records.services.notes import canonical_hash
from tests.test_seed_scale import count, seeded  # noqa: F401


def test_busiest_patients_have_a_long_signed_history(seeded):  # noqa: F811
    assert count("records_note", seeded) >= 700 * len(seeded)
    assert count("records_note", seeded, "status <> 'locked'") == 0
    assert count("records_notesignature", seeded) == count("records_note", seeded)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM records_vital WHERE organization_id = ANY(%s)"
            " GROUP BY patient_id) per_patient",
            [seeded],
        )
        assert cursor.fetchone()[0] == 2000
    with scopes_disabled():
        sample = Note.objects.filter(organization_id__in=seeded).order_by("?")[:20]
        assert all(note.content_sha256 == canonical_hash(note) for note in sample)
    assert set(check(seeded).values()) == {0}
