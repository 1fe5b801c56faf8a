"""Template versions (editing makes a new one; one in use is kept) and vitals checked on the way in."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from plugins.records.models import NoteTemplateVersion, Vital
from plugins.records.services import lists, note_templates

from .conftest import make_note

SIMPLE = {
    "sections": [{"key": "s", "label": "Visit", "fields": [{"key": "text", "label": "Text", "type": "text"}]}]
}


@pytest.mark.django_db
def test_editing_a_template_makes_a_new_version_and_old_notes_keep_theirs(alpha, login):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        first = note_templates.save_template(alpha.org, name="Physio", schema=SIMPLE, by=alpha.owner)
        changed = {"sections": [{**SIMPLE["sections"][0], "label": "Session"}]}
        second = note_templates.save_template(
            alpha.org, name="Physio", schema=changed, by=alpha.owner, template=first.template
        )
        assert (first.number, second.number) == (1, 2)
        assert NoteTemplateVersion.objects.get(pk=first.pk).schema == SIMPLE
        with pytest.raises(ValidationError, match="at least one section"):
            note_templates.save_template(alpha.org, name="Empty", schema={"sections": []}, by=alpha.owner)
        with pytest.raises(ValidationError, match="used twice"):
            bad = {"sections": [{"label": "A", "fields": [SIMPLE["sections"][0]["fields"][0]] * 2}]}
            note_templates.save_template(alpha.org, name="Dup", schema=bad, by=alpha.owner)


@pytest.mark.django_db
def test_a_version_in_use_cannot_be_deleted(alpha, login):
    note = make_note(alpha)
    client = login(alpha.owner)
    url = f"/office/c/{alpha.clinic.slug}/records/template-versions/{note.template_version_id}/delete/"
    response = client.post(url, follow=True)
    assert "is used by notes, so it is kept" in response.content.decode()
    with scopes_disabled():
        assert NoteTemplateVersion.objects.filter(pk=note.template_version_id).exists()
    # A practitioner does not manage templates.
    assert login(alpha.practitioner).post(url).status_code == 403


@pytest.mark.django_db
def test_template_editor_saves_a_new_version(alpha, login):
    import json

    client = login(alpha.owner)
    base = f"/office/c/{alpha.clinic.slug}/records/templates/"
    assert client.get(base).status_code == 200
    bad = client.post(base + "new/", {"name": "Bad", "schema": json.dumps({"sections": "x"})})
    assert bad.status_code == 400 and "at least one section" in bad.content.decode()
    assert client.post(base + "new/", {"name": "Ok", "schema": json.dumps(SIMPLE)}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"weight": "-1"}, "weight"),
        ({"systolic": "400", "diastolic": "20"}, "systolic"),
        ({"systolic": "120"}, "diastolic"),
        ({"systolic": "80", "diastolic": "90"}, "systolic"),
        (
            {"temperature": "98.6"},
            "temperature",
        ),  # °F typed at a metric clinic: refused, not stored as 98.6 °C
        ({"spo2": "abc"}, "spo2"),
    ],
)
def test_impossible_vitals_are_refused_and_nothing_is_written(alpha, values, field):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        with pytest.raises(ValidationError) as refused:
            lists.record_vitals(alpha.clinic, alpha.patient, {"pulse": "70", **values}, by=alpha.practitioner)
        assert field in refused.value.message_dict
        assert not Vital.objects.exists()


@pytest.mark.django_db
def test_vitals_in_us_units_are_stored_canonical(alpha):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        rows = lists.record_vitals(
            alpha.clinic,
            alpha.patient,
            {"weight": "154", "height": "70", "temperature": "98.6"},
            by=alpha.practitioner,
            units="us",
        )
        stored = {row.kind: row for row in rows}
        assert stored["weight"].value == Decimal("69.85") and stored["weight"].unit == "kg"
        assert stored["height"].value == Decimal("177.80")
        assert stored["temperature"].value == Decimal("37.00") and stored["temperature"].unit == "Cel"
        assert stored["bmi"].loinc_code == "39156-5"


@pytest.mark.django_db
def test_vitals_form_shows_errors_and_records(alpha, login):
    client = login(alpha.practitioner)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/vitals/record/"
    bad = client.post(url, {"weight": "-4"})
    assert bad.status_code == 400 and "is not possible" in bad.content.decode()
    assert client.post(url, {"weight": "70", "pulse": "61"}).status_code == 302
    page = client.get(
        f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/vitals/"
    ).content.decode()
    assert "29463-7" in page and "vitals-charts" in page


@pytest.mark.django_db
def test_list_changes_keep_history(alpha, login):
    client = login(alpha.practitioner)
    base = f"/office/c/{alpha.clinic.slug}/records"
    response = client.post(
        f"{base}/patients/{alpha.patient.pk}/allergies/",
        {"substance": "Latex", "severity": "mild", "status": "active"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        from plugins.records.models import Allergy

        allergy = Allergy.objects.get()
    edit = f"{base}/allergies/{allergy.pk}/"
    assert (
        client.post(
            edit, {"substance": "Latex", "severity": "severe", "status": "active", "version": 1}
        ).status_code
        == 302
    )
    stale = client.post(edit, {"substance": "Latex", "severity": "mild", "status": "active", "version": 1})
    assert stale.status_code == 400 and "changed this entry" in stale.content.decode()
    page = client.get(edit).content.decode()
    assert page.count("<li>") >= 2  # both versions in the history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "label", "name"),
    [
        ("de", "Vorstellungsgrund", "SOAP-Notiz"),
        ("fr", "Motif de consultation", "Note SOAP"),
        ("es", "Motivo de consulta", "Nota SOAP"),
    ],
)
def test_shipped_templates_read_in_each_language(alpha, language, label, name):
    from django.utils import translation

    from plugins.records import note_display

    note = make_note(alpha)
    with translation.override(language):
        sections = note_display.sections(note)
        assert sections[0]["fields"][0]["label"] == label
        assert translation.gettext(note.template_version.template.name) == name
