"""US Core demographics: where the organization's country pack is the US', the patient form offers race
(OMB categories, several at once), ethnicity and sex assigned at birth, with "asked but declined"; the
front desk records them like any demographics; the FHIR Patient carries the US Core extensions; the data
download holds them. Elsewhere they are asked and shown nowhere."""

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scope, scopes_disabled

from core.patients.models import Patient
from core.tenancy.models import Organization
from tests.fhir.conftest import token_client
from tests.fhir.fhirpath_checks import ProfileError
from tests.fhir.validation import check_resource

pytestmark = pytest.mark.django_db

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
WHITE, ASIAN, NOT_HISPANIC, DECLINED = "2106-3", "2028-9", "2186-5", "ASKU"


def in_country(tenant, country: str):
    with scopes_disabled():
        Organization.objects.filter(pk=tenant.org.pk).update(country=country)
        tenant.org.refresh_from_db()
    return tenant


def edit(tenant, client, **fields):
    with scopes_disabled():
        patient = Patient.objects.get(pk=tenant.patient.pk)
    body = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "version": patient.version,
        **fields,
    }
    return client.post(f"/office/patients/{patient.pk}/edit/", body)


def stored(tenant) -> Patient:
    with scopes_disabled():
        return Patient.objects.get(pk=tenant.patient.pk)


def fhir_patient(tenant) -> dict:
    status, patient = token_client(tenant.owner, tenant.org).get(f"Patient/{tenant.patient.pk}")
    assert status == 200
    return patient


def test_the_front_desk_records_them_in_the_us(alpha, login):
    in_country(alpha, "US")
    desk = login(alpha.staff)
    form = desk.get(f"/office/patients/{alpha.patient.pk}/edit/").content.decode()
    assert 'name="race"' in form and 'name="ethnicity"' in form and 'name="birth_sex"' in form
    response = edit(alpha, desk, race=[WHITE, ASIAN], ethnicity=NOT_HISPANIC, birth_sex="F")
    assert response.status_code == 302, response.content.decode()[:500]
    patient = stored(alpha)
    assert (patient.race, patient.ethnicity, patient.birth_sex) == ([WHITE, ASIAN], NOT_HISPANIC, "F")
    detail = desk.get(f"/office/patients/{alpha.patient.pk}/").content.decode()
    assert "White, Asian" in detail and "Not Hispanic or Latino" in detail

    resource = fhir_patient(alpha)  # checked against US Core Patient, its extensions included
    by_url = {e["url"]: e for e in resource["extension"]}
    race = by_url[f"{US_CORE}us-core-race"]["extension"]
    assert [e["valueCoding"]["code"] for e in race if e["url"] == "ombCategory"] == [WHITE, ASIAN]
    assert race[-1] == {"url": "text", "valueString": "White, Asian"}
    ethnicity = by_url[f"{US_CORE}us-core-ethnicity"]["extension"]
    assert ethnicity[0]["valueCoding"] == {
        "system": "urn:oid:2.16.840.1.113883.6.238",
        "code": NOT_HISPANIC,
        "display": "Not Hispanic or Latino",
    }
    assert by_url[f"{US_CORE}us-core-birthsex"] == {"url": f"{US_CORE}us-core-birthsex", "valueCode": "F"}


def test_asked_but_declined_is_a_null_flavor_and_stands_alone(alpha, login):
    in_country(alpha, "US")
    desk = login(alpha.staff)
    refused = edit(alpha, desk, race=[DECLINED, WHITE])
    assert refused.status_code == 400 and "cannot be chosen together" in refused.content.decode()
    assert stored(alpha).race == [] and stored(alpha).version == 1  # nothing written
    assert edit(alpha, desk, race=[DECLINED], ethnicity=DECLINED).status_code == 302
    resource = fhir_patient(alpha)
    codings = [
        part["valueCoding"]
        for extension in resource["extension"]
        for part in extension["extension"]
        if part["url"] == "ombCategory"
    ]
    assert {(c["system"], c["code"]) for c in codings} == {
        ("http://terminology.hl7.org/CodeSystem/v3-NullFlavor", DECLINED)
    }
    bad = edit(alpha, desk, race=["9999-9"], birth_sex="X")
    assert bad.status_code == 400 and stored(alpha).race == [DECLINED]


def test_outside_the_us_they_are_asked_and_shown_nowhere(alpha, login):
    in_country(alpha, "US")
    desk = login(alpha.staff)
    assert edit(alpha, desk, race=[WHITE], birth_sex="M").status_code == 302
    in_country(alpha, "FR")
    form = desk.get(f"/office/patients/{alpha.patient.pk}/edit/").content.decode()
    assert 'name="race"' not in form and 'name="birth_sex"' not in form
    # An edit there leaves what was recorded as it was.
    assert edit(alpha, desk, phone="+33 1 23 45 67 89").status_code == 302
    patient = stored(alpha)
    assert patient.phone.startswith("+33") and patient.race == [WHITE] and patient.birth_sex == "M"
    detail = desk.get(f"/office/patients/{alpha.patient.pk}/").content.decode()
    assert "Sex assigned at birth" not in detail
    assert "extension" not in fhir_patient(alpha)


def test_the_database_refuses_codes_outside_the_omb_categories(alpha):
    with scopes_disabled():
        for change in (
            {"race": ["9999-9"]},
            {"race": [DECLINED, WHITE]},
            {"ethnicity": "x"},
            {"birth_sex": "X"},
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                Patient.objects.filter(pk=alpha.patient.pk).update(**change)


def test_the_data_download_holds_them(alpha):
    from core.compliance.patient_export import patient_part

    with scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(
            race=[ASIAN], ethnicity=NOT_HISPANIC, birth_sex="UNK"
        )
        with scope(organization=alpha.org.pk):
            part = patient_part(Patient.objects.get(pk=alpha.patient.pk))
    assert (part["patient"]["race"], part["patient"]["ethnicity"], part["patient"]["birth_sex"]) == (
        [ASIAN],
        NOT_HISPANIC,
        "UNK",
    )


def test_the_validator_fails_malformed_demographic_extensions(alpha):
    in_country(alpha, "US")
    with scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(race=[WHITE], birth_sex="F")
    resource = fhir_patient(alpha)
    check_resource(resource)
    race = resource["extension"][0]
    without_text = {**race, "extension": race["extension"][:-1]}
    other_code = {
        **race,
        "extension": [
            {"url": "ombCategory", "valueCoding": {"system": "http://snomed.info/sct", "code": "413773004"}},
            race["extension"][-1],
        ],
    }
    for broken in (
        [without_text, *resource["extension"][1:]],
        [other_code, *resource["extension"][1:]],
        [race, {"url": f"{US_CORE}us-core-birthsex", "valueCode": "X"}],
    ):
        with pytest.raises(ProfileError):
            check_resource({**resource, "extension": broken})
