"""One patient type-ahead wherever a patient is chosen: never a list of every patient, matches by name,
record number, birth date or phone from the indexed search, only patients the member may see, and a
search-then-choose form that works without JavaScript."""

from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from tests.factories import make_patient

pytestmark = pytest.mark.django_db

PICK = "/office/patients/pick/"


@pytest.fixture
def crowd(alpha):
    """Alpha with 40 more patients: two Smiths of the same given name, told apart by birth date."""
    with scopes_disabled():
        alpha.smith_a = make_patient(
            alpha.clinic, "Liam", "Smith", date_of_birth=date(1980, 5, 17), phone="+1 555 0101"
        )
        alpha.smith_b = make_patient(alpha.clinic, "Liam", "Smith", date_of_birth=date(1992, 1, 3))
        for n in range(38):
            make_patient(alpha.clinic, f"Person{n}", f"Crowd{n}")
    return alpha


def names(response):
    return [row["label"] for row in response.json()["results"]]


def test_pick_finds_by_name_record_number_birth_date_and_phone(crowd, login, django_assert_max_num_queries):
    client = login(crowd.staff)
    client.get(PICK, {"q": "smith"})  # warm the session and membership caches
    with django_assert_max_num_queries(6):
        by_name = client.get(PICK, {"q": "liam smi"})
    assert names(by_name) == ["Smith, Liam", "Smith, Liam"]
    details = [row["details"] for row in by_name.json()["results"]]
    assert any("born May 17, 1980" in d and "+1 555 0101" in d for d in details), details
    assert names(client.get(PICK, {"q": crowd.smith_a.display_record_number})) == ["Smith, Liam"]
    assert len(names(client.get(PICK, {"q": "1980-05-17"}))) == 1
    assert len(names(client.get(PICK, {"q": "555 0101"}))) == 1
    assert names(client.get(PICK, {"q": "crowd"})) and len(names(client.get(PICK, {"q": "crowd"}))) == 10


def test_pick_never_shows_another_organizations_or_clinics_patients(crowd, beta, login):
    with scopes_disabled():
        make_patient(beta.clinic, "Liam", "Smith")
        riverside_only = make_patient(crowd.clinics[1], "Ottilie", "Riverside")
    staff = login(crowd.staff)  # works at the first clinic only
    assert len(names(staff.get(PICK, {"q": "smith"}))) == 2
    assert names(staff.get(PICK, {"q": "ottilie"})) == []
    owner = login(crowd.owner)
    assert names(owner.get(PICK, {"q": "ottilie"})) == ["Riverside, Ottilie"]
    assert riverside_only.pk in [row["id"] for row in owner.get(PICK, {"q": "ottilie"}).json()["results"]]
    assert login(beta.staff).get(PICK, {"q": "crowd"}).json()["results"] == []


def test_forms_show_a_search_box_not_every_patient(crowd, login):
    client = login(crowd.owner)
    slug = crowd.clinic.slug
    for url in (
        f"/office/c/{slug}/scheduling/appointments/new/",
        f"/office/c/{slug}/scheduling/waitlist/",
        f"/office/c/{slug}/billing/invoices/new/",
        f"/office/c/{slug}/inventory/dispense/",
    ):
        page = client.get(url).content.decode()
        assert 'role="combobox"' in page and "data-patient-picker" in page, url
        assert "Crowd7" not in page, f"{url} still lists every patient"


def test_without_javascript_find_offers_the_matches_and_then_the_choice_is_kept(crowd, login):
    client = login(crowd.owner)
    url = f"/office/c/{crowd.clinic.slug}/billing/invoices/new/"
    found = client.post(url, {"patient_q": "Liam Smith", "patient_find": "1"})
    page = found.content.decode()
    assert found.status_code == 400
    assert "Several patients match “Liam Smith”: choose one below." in page
    assert page.count('type="radio" class="mt-0.5 h-4 w-4 shrink-0" name="patient"') == 2
    chosen = client.post(url, {"patient_q": "Liam Smith", "patient": crowd.smith_b.pk})
    assert chosen.status_code == 302
    with scope(organization=crowd.org.pk):
        from plugins.billing.models import Invoice

        assert Invoice.objects.get().patient == crowd.smith_b


def test_a_unique_search_is_taken_and_an_unknown_one_is_explained(crowd, login):
    client = login(crowd.owner)
    url = f"/office/c/{crowd.clinic.slug}/billing/invoices/new/"
    missing = client.post(url, {"patient_q": "Nobody Atall"})
    assert missing.status_code == 400
    assert "No patient matches “Nobody Atall”." in missing.content.decode()
    assert client.post(url, {"patient_q": "1992-01-03"}).status_code == 302


def test_an_edited_id_of_a_patient_out_of_reach_is_refused(crowd, beta, login):
    with scopes_disabled():
        theirs = make_patient(beta.clinic, "Other", "Org")
    client = login(crowd.owner)
    url = f"/office/c/{crowd.clinic.slug}/billing/invoices/new/"
    response = client.post(url, {"patient": theirs.pk})
    assert response.status_code == 400
    assert "Find and choose the patient." in response.content.decode()


def test_a_link_naming_the_patient_prefills_the_picker(crowd, login):
    client = login(crowd.owner)
    slug = crowd.clinic.slug
    page = client.get(f"/office/c/{slug}/scheduling/appointments/new/?patient={crowd.smith_a.pk}").content
    assert f'name="patient" value="{crowd.smith_a.pk}"'.encode() in page
    assert b'value="Smith, Liam"' in page


def test_find_without_javascript_is_a_search_not_a_submission(crowd, login):
    """Pressing "Find" shows the matches and nothing else: no "This field is required." under the service
    and dates the person has not reached yet, and nothing is saved."""
    client = login(crowd.staff)
    url = f"/office/c/{crowd.clinic.slug}/scheduling/waitlist/"
    found = client.post(url, {"patient_q": "Liam Smith", "patient_find": "1"})
    page = found.content.decode()
    assert found.status_code == 400
    assert "Several patients match “Liam Smith”: choose one below." in page
    assert "This field is required." not in page
    # Submitting the form itself still checks every field.
    submitted = client.post(url, {"patient_q": "Liam Smith", "patient": crowd.smith_b.pk})
    assert submitted.status_code == 400 and "This field is required." in submitted.content.decode()
    with scope(organization=crowd.org.pk):
        from plugins.scheduling.models import WaitlistEntry

        assert not WaitlistEntry.objects.exists()
