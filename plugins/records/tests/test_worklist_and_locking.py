"""The "my unsigned notes" worklist, a standalone encounter, automatic locking and the clinic's settings."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from plugins.records.models import Note, RecordsSettings
from plugins.records.services.notes import lock_due_notes

from .conftest import SOAP_CONTENT, make_note, sign


@pytest.mark.django_db
def test_my_unsigned_notes_on_the_dashboard(alpha, login):
    draft = make_note(alpha, content=SOAP_CONTENT)
    page = login(alpha.practitioner).get("/office/").content.decode()
    assert "My unsigned notes" in page and f"/records/notes/{draft.pk}/" in page
    # Only one's own drafts, and never for the front desk.
    assert f"/records/notes/{draft.pk}/" not in login(alpha.owner).get("/office/").content.decode()
    assert "My unsigned notes" not in login(alpha.staff).get("/office/").content.decode()
    sign(alpha, draft)
    assert "All your notes are signed." in login(alpha.practitioner).get("/office/").content.decode()


@pytest.mark.django_db
def test_a_standalone_encounter(alpha, login):
    client = login(alpha.practitioner)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/encounters/new/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "appointment"}).status_code == 400
    future = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"kind": "phone", "started_at": future}).status_code == 400
    response = client.post(url, {"kind": "phone", "reason": "Results by phone"})
    assert response.status_code == 302 and "/records/encounters/" in response["Location"]
    assert "Results by phone" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_signed_notes_lock_after_the_clinics_delay(alpha):
    with scopes_disabled():
        RecordsSettings.objects.create(
            organization=alpha.org, clinic=alpha.clinic, lock_on_sign=False, auto_lock_hours=2
        )
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    assert note.status == "signed" and note.locked_at is None
    with scopes_disabled(), scope(organization=alpha.org.pk):
        assert lock_due_notes(alpha.clinic) == 0
        # Signed three hours ago: due. (signed_at is fixed by the trigger, so the clock is moved instead.)
        from unittest import mock

        with mock.patch(
            "plugins.records.services.notes.timezone.now", return_value=timezone.now() + timedelta(hours=3)
        ):
            assert lock_due_notes(alpha.clinic) == 1
        locked = Note.objects.get(pk=note.pk)
        assert locked.status == "locked" and locked.locked_at is not None


@pytest.mark.django_db
def test_charting_settings_are_the_owners(alpha, login):
    url = f"/office/c/{alpha.clinic.slug}/records/settings/"
    assert login(alpha.practitioner).get(url).status_code == 403
    owner = login(alpha.owner)
    bad = owner.post(url, {"auto_lock_hours": "0", "units": "metric"})
    assert bad.status_code == 400
    ok = owner.post(
        url, {"require_cosign": "on", "auto_lock_hours": "12", "units": "us", "lock_on_sign": "on"}
    )
    assert ok.status_code == 302
    with scopes_disabled():
        saved = RecordsSettings.objects.get(clinic=alpha.clinic)
    assert saved.require_cosign and saved.units == "us" and saved.auto_lock_hours == 12
    vitals = owner.get(
        f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/vitals/"
    ).content.decode()
    assert "Weight (lb)" in vitals
    assert "Charting settings" in owner.get("/office/").content.decode()
