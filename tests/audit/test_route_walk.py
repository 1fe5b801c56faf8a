"""Every route that shows a patient's data records at least one access event for that patient.

The routes are not listed by hand: the office and portal pages come from the URL configuration, the API
operations from the OpenAPI document, and a route "shows patient data" when its answer names the patient
(their family name, or their id as ``patient_id``) or is a document (PDF, CSV, calendar, file) about one
of the patient's objects. A new route that shows a patient and records nothing fails this test.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.audit.models import AccessEvent
from tests.api.test_isolation import PATH_PARAM, PREFIX, Objects, load_document, operations
from tests.factories import PASSWORD, link_patient_login, make_user
from tests.test_isolation_pages import EXEMPT, PUBLIC, ROUTE_OBJECTS, fill, objects_of, page_routes

BINARY = ("application/pdf", "application/octet-stream", "image/")
# Objects of the patient a route can name; a PDF or file of a route naming none of them is not about them.
PATIENT_OBJECTS = {
    "patient",
    "appointment",
    "invoice",
    "waitlist_entry",
    "records_file",
    "records_encounter",
    "records_note",
    "records_allergy",
    "records_medication",
    "records_problem",
}
# Routes whose answer names the patient but shows nothing of their record.
_PICKER = "a form offering the clinic's patients by name to choose from; the choice is recorded where used"
NOT_ABOUT_A_PATIENT: dict[str, str] = {
    "office:billing:invoice_create": _PICKER,
    "office:scheduling:appointment_create": _PICKER,
    "office:inventory:dispense": _PICKER,
}


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def shows_patient(response, patient, about_patient: bool = True) -> str:
    """Where the answer shows the patient ("" when it does not): a binary document about one of the
    patient's objects, or a snippet around the patient's name or id."""
    body = _body(response)
    kind = response["Content-Type"]
    if kind.startswith(BINARY) and about_patient:
        return kind
    text = body.decode(errors="replace")
    found = re.search(rf'{re.escape(patient.family_name)}|"patient(_id)?":\s*{patient.pk}\b', text)
    return text[max(found.start() - 60, 0) : found.end() + 20] if found else ""


def shown_in(response, patient, about_patient: bool = True) -> str:
    return shows_patient(response, patient, about_patient) if response.status_code == 200 else ""


def _events(patient) -> int:
    with scopes_disabled():
        return AccessEvent.objects.filter(patient=patient).count()


def _portal_client(tenant) -> Client:
    with scopes_disabled():
        link_patient_login(tenant.patient, make_user(f"walk-{tenant.org.pk}@example.test"))
    client = Client()
    response = client.post(
        f"/c/{tenant.clinic.slug}/account/login/",
        {"username": f"walk-{tenant.org.pk}@example.test", "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_every_page_showing_a_patient_records_an_access(alpha, login):
    objects = objects_of(alpha)
    office, portal = login(alpha.owner), _portal_client(alpha)
    shown, silent = [], []
    for name, path in page_routes():
        if name in EXEMPT or name in PUBLIC or name in NOT_ABOUT_A_PATIENT:
            continue
        url = fill(name, path, objects)
        if url is None:
            continue
        client = portal if name.startswith("portal:") else office
        before = _events(alpha.patient)
        response = client.get(url, follow=name.startswith("portal:"))
        about_patient = bool(set(ROUTE_OBJECTS.get(name, {}).values()) & PATIENT_OBJECTS)
        where = shown_in(response, alpha.patient, about_patient)
        if not where:
            continue
        shown.append(name)
        if _events(alpha.patient) == before:
            silent.append(f"{name} {url}: {where!r}")
    assert not silent, f"these routes show a patient and record no access: {silent}"
    # The walk saw the pages it is meant to see (so an empty walk cannot pass).
    for expected in ("office:patient_detail", "office:records:notes", "office:billing:invoice_detail"):
        assert expected in shown
    assert any(name.startswith("portal:") for name in shown)


@pytest.mark.django_db
def test_every_api_operation_showing_a_patient_records_an_access(alpha, login):
    document = load_document()
    objects = Objects(alpha)
    client = login(alpha.owner)
    shown, silent = [], []
    for method, path, _op in operations(document):
        if method != "GET":
            continue
        try:
            url = PREFIX + PATH_PARAM.sub(lambda m: str(objects.value(m.group(1))), path)
        except AssertionError:
            continue  # a parameter the isolation test covers separately (module slugs, languages)
        before = _events(alpha.patient)
        response = client.get(url)
        where = shown_in(response, alpha.patient)
        if not where:
            continue
        shown.append(f"{method} {path}")
        if _events(alpha.patient) == before:
            silent.append(f"{method} {path}: {where!r}")
    assert not silent, f"these operations show a patient and record no access: {silent}"
    assert "GET /patients/{patient_id}" in shown
