"""The note's life in the office: write from a template, autosave, sign with the password, add an
addendum, mark entered in error; and what is refused on the way."""

import pytest
from django_scopes import scopes_disabled

from plugins.records.models import Addendum, Note, NoteSignature
from tests.factories import PASSWORD

from .conftest import SOAP_CONTENT, make_note, sign


def url(tenant, name, pk):
    return f"/office/c/{tenant.clinic.slug}/records/{name}/{pk}/"


@pytest.mark.django_db
def test_practitioner_writes_autosaves_and_signs_a_note(alpha, login):
    note = make_note(alpha)
    client = login(alpha.practitioner)
    page = client.get(url(alpha, "notes", note.pk))
    assert page.status_code == 200
    assert b"Presenting complaint" in page.content and b"note-editor" in page.content

    saved = client.post(
        url(alpha, "notes", note.pk) + "draft/",
        {"revision": note.revision, "f_complaint": "Neck pain", "f_pain": "4"},
        HTTP_ACCEPT="application/json",
    )
    assert saved.status_code == 200, saved.content
    revision = saved.json()["revision"]
    with scopes_disabled():
        assert Note.objects.get(pk=note.pk).content == {"complaint": "Neck pain", "pain": "4"}

    # An older copy of the draft (another tab) cannot overwrite the newer text.
    stale = client.post(
        url(alpha, "notes", note.pk) + "draft/",
        {"revision": note.revision, "f_complaint": "old"},
        HTTP_ACCEPT="application/json",
    )
    assert stale.status_code == 409

    wrong = client.post(
        url(alpha, "notes", note.pk) + "sign/",
        {
            "revision": revision,
            "f_complaint": "Neck pain",
            "f_assessment": "Strain",
            "f_plan": "Rest",
            "secret": "not-it",
        },
    )
    assert wrong.status_code == 400
    assert b"password is not right" in wrong.content
    with scopes_disabled():
        kept = Note.objects.get(pk=note.pk)
        assert kept.status == "draft" and kept.content["assessment"] == "Strain"  # typing is never lost

    signed = client.post(url(alpha, "notes", note.pk) + "sign/", {"secret": PASSWORD})
    assert signed.status_code == 302
    with scopes_disabled():
        note = Note.objects.get(pk=note.pk)
        assert note.status == "locked" and note.signed_by == alpha.practitioner
        assert NoteSignature.objects.filter(note=note).count() == 1
    shown = client.get(url(alpha, "notes", note.pk)).content.decode()
    assert "Signed by the author" in shown and note.content_sha256[:16] in shown

    again = client.post(
        url(alpha, "notes", note.pk) + "draft/", {"f_complaint": "x"}, HTTP_ACCEPT="application/json"
    )
    assert again.status_code == 409


@pytest.mark.django_db
def test_signing_needs_the_required_fields(alpha, login):
    note = make_note(alpha, content={"complaint": "Only this"})
    response = login(alpha.practitioner).post(url(alpha, "notes", note.pk) + "sign/", {"secret": PASSWORD})
    assert response.status_code == 400
    assert "is required before signing" in response.content.decode()
    with scopes_disabled():
        assert Note.objects.get(pk=note.pk).status == "draft"


@pytest.mark.django_db
def test_addendum_with_reason_keeps_the_original(alpha, login):
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    client = login(alpha.practitioner)
    missing = client.post(
        url(alpha, "notes", note.pk) + "addenda/", {"reason": "", "text": "x", "secret": PASSWORD}
    )
    assert missing.status_code == 400
    response = client.post(
        url(alpha, "notes", note.pk) + "addenda/",
        {"reason": "Result arrived", "text": "Plan: Exercises and physio", "secret": PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(url(alpha, "notes", note.pk)).content.decode()
    assert "Result arrived" in page and "addendum-diff" in page
    with scopes_disabled():
        again = Note.objects.get(pk=note.pk)
        assert again.content == note.content and again.content_sha256 == note.content_sha256
        assert Addendum.objects.filter(note=note).count() == 1


@pytest.mark.django_db
def test_addendum_on_a_draft_is_refused(alpha, login):
    note = make_note(alpha, content=SOAP_CONTENT)
    response = login(alpha.practitioner).post(
        url(alpha, "notes", note.pk) + "addenda/", {"reason": "r", "text": "t", "secret": PASSWORD}
    )
    assert response.status_code == 409
    assert "signed note" in response.content.decode()
    with scopes_disabled():
        assert not Addendum.objects.exists()


@pytest.mark.django_db
def test_entered_in_error_stays_readable(alpha, login):
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    client = login(alpha.practitioner)
    assert client.post(url(alpha, "notes", note.pk) + "entered-in-error/", {"reason": ""}).status_code == 400
    assert (
        client.post(
            url(alpha, "notes", note.pk) + "entered-in-error/", {"reason": "Wrong patient"}
        ).status_code
        == 302
    )
    page = client.get(url(alpha, "notes", note.pk)).content.decode()
    assert "Wrong patient" in page and "line-through" in page and "Mechanical back pain" in page


@pytest.mark.django_db
def test_copy_forward_starts_from_the_last_signed_note(alpha, login):
    first = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    client = login(alpha.practitioner)
    with scopes_disabled():
        soap_version = first.template_version_id
    response = client.post(
        url(alpha, "encounters", first.encounter_id),
        {"template": soap_version, "privacy": "clinical", "copy_forward": "on"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        latest = Note.objects.exclude(pk=first.pk).get()
        assert latest.content == SOAP_CONTENT and latest.status == "draft"


@pytest.mark.django_db
def test_cosignature_when_the_clinic_requires_it(alpha, login):
    from plugins.records.models import RecordsSettings

    with scopes_disabled():
        RecordsSettings.objects.create(organization=alpha.org, clinic=alpha.clinic, require_cosign=True)
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    assert note.cosign_required
    # The author does not co-sign their own note.
    assert (
        login(alpha.practitioner)
        .post(url(alpha, "notes", note.pk) + "cosign/", {"secret": PASSWORD})
        .status_code
        == 409
    )
    owner = login(alpha.owner)
    assert owner.post(url(alpha, "notes", note.pk) + "cosign/", {"secret": PASSWORD}).status_code == 302
    assert owner.post(url(alpha, "notes", note.pk) + "cosign/", {"secret": PASSWORD}).status_code == 409
    with scopes_disabled():
        assert NoteSignature.objects.filter(note=note).count() == 2
        assert Note.objects.get(pk=note.pk).cosigned_by == alpha.owner
