"""A signed note the clinician shares appears in the patient's portal, without clinician-only fields, with
a PDF; unshared notes, drafts and other patients' notes are 404."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .conftest import SOAP_CONTENT, make_note, sign

CONTENT = {**SOAP_CONTENT, "differential": "Rule out disc herniation"}


def portal_client(clinic, email):
    client = Client()
    response = client.post(f"/c/{clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_patient_reads_a_shared_note_and_downloads_its_pdf(alpha, login):
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user("erin-login@alpha.test"))
    note = sign(alpha, make_note(alpha, content=CONTENT))
    draft = make_note(alpha, content=CONTENT)
    patient = portal_client(alpha.clinic, "erin-login@alpha.test")
    base = f"/c/{alpha.clinic.slug}/account/records/"
    assert patient.get(f"{base}notes/{note.pk}/").status_code == 404  # not shared yet

    doctor = login(alpha.practitioner)
    office = f"/office/c/{alpha.clinic.slug}/records/notes/"
    assert doctor.post(f"{office}{draft.pk}/share/").status_code == 409  # a draft is never shared
    assert doctor.post(f"{office}{note.pk}/share/").status_code == 302

    listing = patient.get(base).content.decode()
    assert f"notes/{note.pk}/" in listing and f"notes/{draft.pk}/" not in listing
    page = patient.get(f"{base}notes/{note.pk}/").content.decode()
    assert "Mechanical back pain" in page
    assert "Rule out disc herniation" not in page and "Differential" not in page
    pdf = patient.get(f"{base}notes/{note.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with scopes_disabled():
        from django.template.loader import render_to_string

        from plugins.records import note_display
        from plugins.records.models import Note

        shared = Note.objects.get(pk=note.pk)
        html = render_to_string(
            "records/note_pdf.html",
            {"note": shared, "sections": note_display.sections(shared, for_patient=True), "addenda": []},
        )
    assert "Mechanical back pain" in html and "Rule out disc herniation" not in html

    # Another patient of the same organization sees nothing of it.
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Otto", "Other")
        link_patient_login(other, make_user("otto-login@alpha.test"))
    stranger = portal_client(alpha.clinic, "otto-login@alpha.test")
    assert stranger.get(f"{base}notes/{note.pk}/").status_code == 404
    assert stranger.get(f"{base}notes/{note.pk}/pdf/").status_code == 404
    assert f"notes/{note.pk}/" not in stranger.get(base).content.decode()

    assert doctor.post(f"{office}{note.pk}/share/", {"shared": "0"}).status_code == 302
    assert patient.get(f"{base}notes/{note.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_patients_data_download_holds_shared_notes_only(alpha):
    from django_scopes import scope

    from plugins.records.exports import patient_export

    shared = sign(alpha, make_note(alpha, content=CONTENT))
    sign(alpha, make_note(alpha, content=CONTENT))  # signed, not shared
    with scopes_disabled(), scope(organization=alpha.org.pk):
        from plugins.records.services.notes import set_shared

        set_shared(shared, True)
        data = patient_export(alpha.org, alpha.patient)
    assert len(data["clinical_notes"]) == 1
    fields = data["clinical_notes"][0]["sections"][0]["fields"]
    assert "Presenting complaint" in fields
    assert "Rule out disc herniation" not in str(data)
