"""A signed note and its addenda never change: the database refuses it, through the ORM and raw SQL."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from plugins.records.models import Addendum, Note, NoteSignature
from plugins.records.services import amendments


def refused(statement, *params):
    with (
        pytest.raises(IntegrityError, match="cannot be|follows a signed note|Cannot delete"),
        transaction.atomic(),
    ):
        if callable(statement):
            statement()
        else:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)


@pytest.mark.django_db
def test_signed_note_content_cannot_change_through_the_orm(signed):
    with scopes_disabled():
        notes = Note.objects.filter(pk=signed.pk)
        refused(lambda: notes.update(content={"complaint": "rewritten"}))
        refused(lambda: notes.update(content_sha256="0" * 64))
        refused(lambda: notes.update(status="draft"))
        refused(lambda: notes.update(signed_by=None, signed_at=None))
        refused(lambda: notes.delete())
        assert Note.objects.get(pk=signed.pk).content == signed.content


@pytest.mark.django_db
def test_signed_note_content_cannot_change_through_raw_sql(signed):
    refused('UPDATE records_note SET content = \'{"complaint": "x"}\'::jsonb WHERE id = %s', signed.pk)
    refused("UPDATE records_note SET content_sha256 = 'x' WHERE id = %s", signed.pk)
    refused("UPDATE records_note SET template_version_id = template_version_id + 1 WHERE id = %s", signed.pk)
    refused("DELETE FROM records_note WHERE id = %s", signed.pk)
    with scopes_disabled():
        again = Note.objects.get(pk=signed.pk)
    assert (again.content, again.content_sha256) == (signed.content, signed.content_sha256)


@pytest.mark.django_db
def test_what_may_follow_a_signature_fills_empty_fields_only(alpha, signed):
    with scopes_disabled():
        Note.objects.filter(pk=signed.pk).update(shared_with_patient=True)  # sharing is not signed text
        amendments.mark_entered_in_error(signed, by=alpha.practitioner, reason="Wrong patient")
        refused(lambda: Note.objects.filter(pk=signed.pk).update(entered_in_error_reason="changed"))
        refused(lambda: Note.objects.filter(pk=signed.pk).update(entered_in_error_at=None))
        refused(lambda: Note.objects.filter(pk=signed.pk).update(locked_at=None, status="signed"))


@pytest.mark.django_db
def test_a_draft_may_change_and_be_deleted(draft):
    with scopes_disabled():
        Note.objects.filter(pk=draft.pk).update(content={"complaint": "typing"})
        Note.objects.filter(pk=draft.pk).delete()
        assert not Note.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_addenda_are_append_only_and_keep_the_original(alpha, signed):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        addendum = amendments.add_addendum(
            signed,
            author=alpha.memberships["practitioner"],
            by=alpha.practitioner,
            reason="Result arrived",
            text="X-ray normal.",
        )
        again = Note.objects.get(pk=signed.pk)
        assert (again.content, again.content_sha256) == (signed.content, signed.content_sha256)
        assert addendum.content_sha256 and addendum.signed_by == alpha.practitioner
        refused(lambda: Addendum.objects.filter(pk=addendum.pk).update(text="changed"))
        refused(lambda: Addendum.objects.filter(pk=addendum.pk).delete())
        signature = NoteSignature.objects.get(note=signed)
        with pytest.raises(Exception, match="append_only|Cannot"), transaction.atomic():
            NoteSignature.objects.filter(pk=signature.pk).update(signer=alpha.owner)
    refused("UPDATE records_addendum SET text = 'x' WHERE id = %s", addendum.pk)
    refused("DELETE FROM records_addendum WHERE id = %s", addendum.pk)


@pytest.mark.django_db
def test_the_database_refuses_an_addendum_on_a_draft(alpha, draft):
    from django.utils import timezone

    refused(
        "INSERT INTO records_addendum (organization_id, note_id, author_id, reason, text, signed_by_id,"
        " signed_at, content_sha256) VALUES (%s, %s, %s, 'r', 't', %s, %s, 'h')",
        alpha.org.pk,
        draft.pk,
        alpha.memberships["practitioner"].pk,
        alpha.practitioner.pk,
        timezone.now(),
    )


@pytest.mark.django_db
def test_the_hash_is_of_the_canonical_content(signed):
    from plugins.records.services.notes import canonical_hash

    assert signed.content_sha256 == canonical_hash(signed)
    assert len(signed.content_sha256) == 64
