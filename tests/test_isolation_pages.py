"""Every page route, generated from the URL configuration, against three outsiders:
anonymous (login redirect), a member of another organization (404, never 403 or data), and a member of the
same organization without the permission (403)."""

import functools
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from core.tenancy.services import invite_member
from tests.factories import PASSWORD

# Routes with no object of an organization in their path, or whose path secret is the access check.
EXEMPT = {
    "accounts:accept_invitation": "the token is the secret; unknown tokens are covered in test_accounts",
    "accounts:password_reset_confirm": "Django's signed reset link; covered by Django and test_accounts",
    "portal:verify": "the emailed token is the secret; unknown tokens are covered in portal_site's tests",
    "accounts:signup_confirm": "the emailed sign-up token is the secret; unknown ones: test_accounts",
    "wagtaildocs_serve": "documents editors publish on their clinic's public site, like images under media/",
    "wagtaildocs_authenticate_with_password": "Wagtail's password form for a privacy-restricted document",
    "oauth2_provider:authorize": "SMART sign-in: the client id names the organization; tests/fhir/test_smart",
}

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@functools.cache
def all_routes() -> tuple:
    """Every named route, walked once per test run (the URL configuration does not change)."""
    return tuple(walk_routes())


def walk_routes(resolver=None, prefix="", namespace=""):
    """(route name, path template, view) for every named route."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk_routes(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback


def page_routes():
    """(route name, path template) for every named page route outside the API."""
    return sorted(
        (name, path)
        for name, path, _view in all_routes()
        if not path.startswith(("api/", "cms/", "static/", "media/")) and "^" not in path
    )


def portal_module_routes() -> set[str]:
    """Patient-account pages that modules add through ``ehr_portal_urls`` (gated by the portal's module
    gate: anonymous visitors are sent to the portal's sign-in, other patients' objects are 404)."""
    return {name for name, _path, view in all_routes() if getattr(view, "ehr_portal_module", None)}


def portal_public_module_routes() -> set[str]:
    """Public portal pages that modules add through ``ehr_portal_public_urls`` (anyone may open them at a
    clinic where the module is on; they take nothing of an organization but what the clinic's address
    names)."""
    return {name for name, _path, view in all_routes() if getattr(view, "ehr_portal_public_module", None)}


def public_link_routes() -> set[str]:
    """Secret-bearing public links that modules add through ``ehr_public_urls``: an unknown secret is 404."""
    return {name for name, _path, _view in all_routes() if name.startswith("public_")}


# What a public link's secret is replaced with: it matches nothing.
UNKNOWN_SECRET = "no-such-secret-0000"


def objects_of(tenant):
    """Objects of one tenant that page routes take as parameters."""
    with scopes_disabled():
        invitation, _token = invite_member(
            tenant.org,
            email=f"new-{tenant.org.pk}@example.test",
            role="staff",
            clinics=[tenant.clinic],
            by=tenant.owner,
        )
        token, _secret = create_token(tenant.owner, tenant.org, "script")
        appointment = make_appointment(tenant)
        inventory = make_inventory_objects(tenant)
        invoice = make_invoice(tenant)
        calendar_feed = make_calendar_feed(tenant)
        waitlist_entry = make_waitlist_entry(tenant, appointment)
        scheduling_setup = make_scheduling_setup(tenant)
        fhir_app = make_fhir_app(tenant)
        records = make_records_objects(tenant)
        erasure_request = make_erasure_request(tenant)
        disclosure = make_disclosure(tenant)
    return {
        "patient": tenant.patient.pk,
        "membership": tenant.memberships["staff"].pk,
        "invitation": invitation.pk,
        "token": token.pk,
        "clinic": tenant.clinic.slug,
        "appointment": appointment.pk,
        **inventory,
        "invoice": invoice.pk,
        "calendar_feed": calendar_feed.pk,
        "waitlist_entry": waitlist_entry.pk,
        "service": appointment.service_id,
        **scheduling_setup,
        "fhir_app": fhir_app.pk,
        **records,
        "erasure_request": erasure_request.pk,
        "disclosure": disclosure.pk,
    }


def make_disclosure(tenant):
    """A disclosure of the tenant's patient to a court, recorded by the front desk."""
    from datetime import timedelta

    from django.utils import timezone

    from core.audit.disclosures.services import DisclosureDetails, record_disclosure

    details = DisclosureDetails(
        disclosed_on=timezone.localdate() - timedelta(days=3),
        recipient_name="County Court",
        description="Visit notes",
        purpose="judicial",
        legal_basis="Court order",
    )
    return record_disclosure(tenant.patient, details, by=tenant.staff, clinic=tenant.clinic)


def make_privacy_consent(tenant) -> str:
    """The tenant's patient's portal login agreed to the privacy notice; the Consent's FHIR id (call under
    ``scopes_disabled``; it links the patient to a new login, so only where no other login is linked)."""
    from core.compliance.consents import record_notice_consent
    from core.compliance.models import PrivacyNoticeConsent
    from tests.factories import link_patient_login, make_user

    login = make_user()
    link_patient_login(tenant.patient, login, agreed_notice=False)
    record_notice_consent(login, tenant.org, "NOTICE-1")
    consent = PrivacyNoticeConsent.objects.get(organization=tenant.org, user=login)
    return f"{consent.pk}-{tenant.patient.pk}"


def make_erasure_request(tenant):
    """An erasure request of the tenant's patient, waiting for a decision."""
    from core.compliance.models import ErasureRequest

    return ErasureRequest.objects.create(organization=tenant.org, patient=tenant.patient, channel="office")


def make_records_objects(tenant):
    """A signed note (with its encounter), an allergy, a medication, a problem and a note template."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from plugins.records.models import Encounter, Medication, NoteTemplateVersion, Problem
    from plugins.records.services import lists, note_templates, notes
    from plugins.records.services.files import attach_file

    doctor = tenant.memberships["practitioner"]
    encounter = Encounter.objects.create(
        organization=tenant.org,
        clinic=tenant.clinic,
        patient=tenant.patient,
        practitioner=doctor,
        kind="walk_in",
        created_by=tenant.practitioner,
    )
    version = note_templates.current_versions(tenant.org)[0]
    note = notes.create_note(encounter, version, author=doctor)
    soap = next(v for v in note_templates.current_versions(tenant.org) if v.template.shipped_key == "soap")
    signed = notes.save_draft(
        notes.create_note(encounter, soap, author=doctor),
        {"complaint": "Cough", "assessment": "Cold", "plan": "Rest"},
        revision=None,
    )
    signed = notes.sign_note(signed, by=tenant.practitioner)
    vital = lists.record_vitals(tenant.clinic, tenant.patient, {"pulse": "70"}, by=tenant.practitioner)[0]
    allergy = lists.add_entry(
        lists.Allergy,
        tenant.clinic,
        tenant.patient,
        {"substance": "Latex", "severity": "mild"},
        by=tenant.owner,
    )
    medication = lists.add_entry(
        Medication, tenant.clinic, tenant.patient, {"name": "Aspirin"}, by=tenant.owner
    )
    problem = lists.add_entry(
        Problem, tenant.clinic, tenant.patient, {"description": "Asthma"}, by=tenant.owner
    )
    # The Provenance of a change (the problem's creation), read by its own kind of id.
    change = Problem.pgh_event_model.objects.filter(pgh_obj_id=problem.pk).order_by("pgh_id").first()
    template_version = NoteTemplateVersion.objects.filter(organization=tenant.org).first()
    chart_file = attach_file(
        tenant.clinic, tenant.patient, SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test"), by=tenant.owner
    )
    return {
        "records_file": chart_file.pk,
        "records_encounter": encounter.pk,
        "records_note": note.pk,
        "records_signed_note": signed.pk,
        "records_binary": f"note-{signed.pk}",
        "records_file_document": f"file-{chart_file.pk}",
        "records_vital": vital.pk,
        "records_allergy": allergy.pk,
        "records_medication": medication.pk,
        "records_problem": problem.pk,
        "records_change_provenance": f"condition-{change.pgh_id}",
        "records_template": template_version.template_id,
        "records_template_version": template_version.pk,
    }


def make_fhir_app(tenant):
    """A backend service registered for the tenant's FHIR API."""
    from core.fhir.clients import register_client

    client, _secret = register_client(tenant.org, name="Exchange", kind="backend", by=tenant.owner)
    return client


def make_scheduling_setup(tenant):
    """Working hours, time off, a room and a closure of the tenant's first clinic."""
    from datetime import date, datetime, time

    from django.utils import timezone

    from plugins.scheduling import setup
    from plugins.scheduling.services.working_time import add_time_off, add_working_hours

    doctor = tenant.memberships["practitioner"]
    hours = add_working_hours(
        tenant.clinic, doctor, weekday=0, start_time=time(8), end_time=time(12), valid_from=date(2030, 1, 1)
    )
    start = timezone.make_aware(datetime(2031, 1, 6, 8))
    time_off = add_time_off(doctor, start=start, end=start.replace(hour=12))
    room = setup.save_room(tenant.clinic, name="Room 1")
    closure = setup.add_closure(tenant.clinic, start_date=date(2031, 12, 24), end_date=date(2031, 12, 26))
    return {"working_hours": hours.pk, "time_off": time_off.pk, "room": room.pk, "closure": closure.pk}


def make_waitlist_entry(tenant, appointment):
    """The patient waiting for an earlier slot of the appointment's service."""
    from plugins.scheduling.waitlist import join

    day = appointment.start.date()
    return join(
        clinic=tenant.clinic,
        patient=tenant.patient,
        service=appointment.service,
        practitioner=None,
        earliest=day,
        latest=day,
    )


def make_calendar_feed(tenant):
    """The practitioner's private calendar address."""
    from plugins.scheduling.feeds import create_or_rotate

    return create_or_rotate(tenant.memberships["practitioner"])[0]


def make_invoice(tenant):
    """A draft invoice of the tenant's first clinic, with one line."""
    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.lines import add_line

    invoice = create_draft(clinic=tenant.clinic, patient=tenant.patient, by=tenant.owner)
    add_line(invoice, description="Consultation", quantity="1", unit_price="50")
    return invoice


def make_inventory_objects(tenant):
    """A supplier, a catalog item, a transfer in transit, a purchase order and a stocktake of the tenant."""
    from plugins.inventory.models import Item, Supplier
    from plugins.inventory.services import purchase_orders, receiving, stocktakes, transfers

    supplier = Supplier.objects.create(organization=tenant.org, name=f"Supplier {tenant.org.pk}")
    item = Item.objects.create(organization=tenant.org, name="Gauze", sku=f"G-{tenant.org.pk}")
    receiving.receive(tenant.clinic, item, 5, by=tenant.owner)
    transfer = transfers.send_transfer(
        tenant.clinic, tenant.clinics[1], [transfers.TransferItem(item, 1)], by=tenant.owner
    )
    order = purchase_orders.create_purchase_order(tenant.clinic, None, [(item, 3, None)], by=tenant.owner)
    stocktake = stocktakes.start_stocktake(tenant.clinic, by=tenant.owner)
    return {
        "inventory_item": item.pk,
        "inventory_transfer": transfer.pk,
        "inventory_order": order.pk,
        "inventory_stocktake": stocktake.pk,
        "inventory_supplier": supplier.pk,
    }


def make_appointment(tenant):
    """An appointment of the tenant, booked by staff override (hours and window do not matter here)."""
    from datetime import timedelta

    from django.utils import timezone

    from plugins.scheduling.models import Service, ServicePractitioner
    from plugins.scheduling.services.booking import book_appointment

    doctor = tenant.memberships["practitioner"]
    service = Service.objects.create(
        organization=tenant.org, clinic=tenant.clinic, name="Consultation", duration_minutes=30, price="50.00"
    )
    ServicePractitioner.objects.create(organization=tenant.org, service=service, membership=doctor)
    return book_appointment(
        clinic=tenant.clinic,
        practitioner=doctor,
        patient=tenant.patient,
        service=service,
        start=timezone.now() + timedelta(days=3),
        by=tenant.owner,
        override=True,
    )


# Which object each parameterised route takes. A new route with parameters fails the coverage test below
# until it is listed here (or exempted above with a reason).
ROUTE_OBJECTS = {
    "office:clinic_edit": {"slug": "clinic"},
    "office:clinic_archive": {"slug": "clinic"},
    "office:clinic_modules": {"slug": "clinic"},
    "office:member_edit": {"pk": "membership"},
    "office:member_active": {"pk": "membership"},
    "office:invitation_resend": {"pk": "invitation"},
    "office:invitation_revoke": {"pk": "invitation"},
    "office:api_token_revoke": {"pk": "token"},
    "office_fhir:app_remove": {"pk": "fhir_app"},
    "office:profile_edit": {"pk": "membership"},
    "office:patient_detail": {"pk": "patient"},
    "office:patient_edit": {"pk": "patient"},
    "office:patient_archive": {"pk": "patient"},
    "office:patient_link_clinic": {"pk": "patient"},
    "office:patient_merge": {"pk": "patient"},
    "office:patient_access_history": {"pk": "patient"},
    "office:patient_disclosures": {"pk": "patient"},
    "office:patient_disclosure_accounting": {"pk": "patient"},
    "office:disclosure_error": {"pk": "disclosure"},
    "office:break_glass": {"pk": "patient"},
    "office:patient_data_download": {"pk": "patient"},
    "office:erasure_request_create": {"pk": "patient"},
    "office:erasure_request": {"pk": "erasure_request"},
    "office:scheduling:appointment_edit": {"pk": "appointment"},
    "office:scheduling:appointment_status": {"pk": "appointment"},
    "office:scheduling:appointment_move": {"pk": "appointment"},
    "office:scheduling:calendar_feed_revoke": {"pk": "calendar_feed"},
    "office:scheduling:waitlist_status": {"pk": "waitlist_entry"},
    "office:scheduling:settings_service_edit": {"pk": "service"},
    "office:scheduling:settings_hours_edit": {"pk": "working_hours"},
    "office:scheduling:settings_time_off_delete": {"pk": "time_off"},
    "office:scheduling:settings_room_edit": {"pk": "room"},
    "office:scheduling:settings_closure_delete": {"pk": "closure"},
    "office:inventory:item_edit": {"pk": "inventory_item"},
    "office:inventory:item_detail": {"pk": "inventory_item"},
    "office:inventory:supplier_edit": {"pk": "inventory_supplier"},
    "office:inventory:transfer_detail": {"pk": "inventory_transfer"},
    "office:inventory:order_detail": {"pk": "inventory_order"},
    "office:inventory:stocktake_detail": {"pk": "inventory_stocktake"},
    # The patient portal: a patient's own appointment, reached through their login's patient link only.
    "portal:cancel": {"appointment_id": "appointment"},
    "portal:reschedule": {"appointment_id": "appointment"},
    "portal:ics": {"appointment_id": "appointment"},
    "portal:scheduling:cancel": {"appointment_id": "appointment"},
    "portal:scheduling:reschedule": {"appointment_id": "appointment"},
    "portal:scheduling:ics": {"appointment_id": "appointment"},
    "portal:billing:invoice": {"invoice_id": "invoice"},
    # A practitioner's photo on the clinic's public team section (portal_site/tests/test_home_page.py
    # checks that another clinic's, another organization's or a staff member's photo is 404).
    "portal:team_photo": {"member_id": "membership"},
    "portal:billing:invoice_pdf": {"invoice_id": "invoice"},
    "portal:records:note": {"note_id": "records_note"},
    "portal:records:note_pdf": {"note_id": "records_note"},
    **{
        f"office:records:{name}": {"patient_id": "patient"}
        for name in (
            "timeline",
            "notes",
            "vitals",
            "vitals_record",
            "allergies",
            "medications",
            "problems",
            "encounter_new",
            "files",
        )
    },
    "office:records:file_download": {"pk": "records_file"},
    "office:records:file_change": {"pk": "records_file"},
    "portal:records:file": {"file_id": "records_file"},
    "office:records:visit_start": {"appointment_id": "appointment"},
    "office:records:encounter": {"pk": "records_encounter"},
    **{
        f"office:records:{name}": {"pk": "records_note"}
        for name in (
            "note",
            "note_draft",
            "note_sign",
            "note_addendum",
            "note_error",
            "note_cosign",
            "note_share",
        )
    },
    "office:records:allergy": {"pk": "records_allergy"},
    "office:records:medication": {"pk": "records_medication"},
    "office:records:problem": {"pk": "records_problem"},
    "office:records:template_edit": {"pk": "records_template"},
    "office:records:template_version_delete": {"pk": "records_template_version"},
    **{
        f"office:billing:{name}": {"pk": "invoice"}
        for name in (
            "invoice_detail",
            "line_add",
            "line_remove",
            "bill_to",
            "billable_search",
            "billable_add",
            "invoice_issue",
            "invoice_void",
            "payment_add",
            "credit_apply",
            "refund_add",
            "credit_note_create",
            "invoice_pdf",
        )
    },
}

OWNER_ONLY = {
    "office:organization_settings",
    "office:clinic_list",
    "office:clinic_create",
    "office:clinic_edit",
    "office:clinic_archive",
    "office:clinic_modules",
    "office:member_list",
    "office:member_invite",
    "office:member_edit",
    "office:member_active",
    "office:invitation_resend",
    "office:invitation_revoke",
    "office:audit_log",
    "office:audit_export",
    "office:audit_patients",
    "office:audit_verify",
    "office:access_policy",
    "office:patient_access_history",
    "office:privacy_requests",
    "office:erasure_request",
    "office:erasure_request_create",
    "office:organization_export",
    "office:processing_record",
    "office:processing_record_print",
    "office_fhir:apps",
    "office_fhir:app_remove",
    "office:records:settings",
    "office:records:templates",
    "office:records:template_create",
    "office:records:template_edit",
    "office:records:template_version_delete",
}

# Owner-only pages that name patients: every other role gets the 404 of a page that does not exist.
OWNER_ONLY_HIDDEN = {"office:notice_followup", "office:notice_remind"}

PUBLIC = {
    "home",
    "accounts:signup",
    "accounts:signup_confirm",
    "accounts:login",
    "accounts:login_verify",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:logout",
    "accounts:accept_invitation",
    "accounts:password_reset_confirm",
    # The language switcher: anyone may choose a language (remembered on the account when signed in).
    "accounts:language",
    # The service's terms, read before signing up.
    "accounts:terms",
    # Health checks and the TLS ask endpoint answer machines, not people (tests/deploy covers them).
    "healthz",
    "readyz",
    "tls_ask",
    # FHIR discovery and OAuth endpoints answer apps; the apps' credentials are their access check
    # (tests/fhir). FHIR resources themselves are covered by the FHIR tests below.
    "fhir:metadata",
    "fhir:smart_configuration",
    "smart_configuration",
    "oauth2_provider:token",
    "oauth2_provider:revoke-token",
    "oauth2_provider:introspect",
}


# The clinics' public portal pages (the clinic slug in their path is a public address).
PORTAL_PUBLIC = {
    "portal:home",
    "portal:login",
    "portal:login_verify",
    "portal:register",
    "portal:resend",
    "portal:logout",
    "portal:confirm",
    "portal:language",
    "portal:team_photo",
}
# Portal pages for a signed-in patient: anonymous visitors are sent to the portal's own sign-in page.
PORTAL_PATIENT = {
    "portal:profile",
    "portal:appointments",
    "portal:data",
    "portal:data_zip",
    "portal:access_history",
    "portal:connected_apps",
    "portal:disclosures",
    "portal:disclosures_pdf",
    "portal:privacy_notice",
    "portal:erasure",
}
# Earlier addresses of a patient's own appointment pages, which the scheduling module serves now: each
# answers a permanent redirect to the same clinic's module page, whose own rules then apply.
PORTAL_MOVED = {"portal:cancel", "portal:reschedule", "portal:ics"}


def fill(name, path, objects):
    params = {m.group("name") for m in PARAM.finditer(path)}
    if not params:
        return "/" + path
    if name in public_link_routes():
        return "/" + PARAM.sub(UNKNOWN_SECRET, path)
    mapping = ROUTE_OBJECTS.get(name, {})
    if not mapping and params == {"clinic_slug"} or (params - set(mapping)) == {"clinic_slug"}:
        # Module routes: every one is gated by the clinic in its path.
        mapping = {**mapping, "clinic_slug": "clinic"}
    missing = params - set(mapping)
    if missing:
        return None
    return "/" + PARAM.sub(lambda m: str(objects[mapping[m.group("name")]]), path)


def request(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def request_moved(client, url, clinic_slug):
    """Open an address that moved: it must redirect within the same clinic's portal, then answer there."""
    response = request(client, url)
    assert response.status_code == 308, f"{url} answered {response.status_code}"
    assert response["Location"].startswith(f"/c/{clinic_slug}/account/scheduling/"), response["Location"]
    return request(client, response["Location"])


def test_every_parameterised_route_is_covered():
    uncovered = []
    for name, path in page_routes():
        if name in EXEMPT:
            continue
        if (
            PARAM.search(path)
            and fill(
                name,
                path,
                {
                    "clinic": "x",
                    **dict.fromkeys(
                        (
                            "patient",
                            "membership",
                            "invitation",
                            "token",
                            "appointment",
                            "inventory_item",
                            "inventory_transfer",
                            "inventory_order",
                            "inventory_stocktake",
                            "inventory_supplier",
                            "invoice",
                            "calendar_feed",
                            "waitlist_entry",
                            "service",
                            "working_hours",
                            "time_off",
                            "room",
                            "closure",
                            "fhir_app",
                            "records_encounter",
                            "records_note",
                            "records_allergy",
                            "records_medication",
                            "records_problem",
                            "records_template",
                            "records_template_version",
                            "records_file",
                            "erasure_request",
                            "disclosure",
                        ),
                        1,
                    ),
                },
            )
            is None
        ):
            uncovered.append(name)
    assert not uncovered, f"add these routes to ROUTE_OBJECTS or EXEMPT: {uncovered}"


@pytest.mark.django_db
def test_patient_picker_and_office_search_never_reach_another_organization(alpha, beta, login):
    """Pages that take no id but search: another organization's patients, appointments and invoices are
    never among the answers, whatever is typed."""
    from django_scopes import scope

    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.issuing import issue
    from plugins.billing.services.lines import add_line

    with scope(organization=beta.org.pk):
        appointment = make_appointment(beta)
        invoice = create_draft(clinic=beta.clinic, patient=beta.patient, by=beta.owner)
        add_line(invoice, description="Consultation", quantity=1, unit_price="10.00")
        invoice = issue(invoice)
    client = login(alpha.owner)
    for query in (beta.patient.family_name, beta.patient.display_record_number, invoice.number):
        picked = client.get("/office/patients/pick/", {"q": query}).json()["results"]
        assert beta.patient.pk not in [row["id"] for row in picked], query
        page = client.get("/office/search/", {"q": query}).content.decode()
        assert f"/office/patients/{beta.patient.pk}/" not in page, query
        assert f"/appointments/{appointment.pk}/" not in page and f"/invoices/{invoice.pk}/" not in page, (
            query
        )


@pytest.mark.django_db
def test_other_organizations_objects_are_404_everywhere(alpha, beta, login):
    beta_objects = objects_of(beta)
    client = login(alpha.owner)
    checked = 0
    for name, path in page_routes():
        if name in EXEMPT or name in PORTAL_PUBLIC or name in PORTAL_PATIENT or not PARAM.search(path):
            continue
        module_page = name in portal_module_routes() | portal_public_module_routes()
        if module_page and set(PARAM.findall(path)) == {("slug", "clinic_slug")}:
            continue  # a page on a public clinic address: covered by the portal patient and hook tests
        url = fill(name, path, beta_objects)
        if name in PORTAL_MOVED:
            response = request_moved(client, url, beta_objects["clinic"])
        else:
            response = request(client, url)
        assert response.status_code == 404, f"{name} {url} answered {response.status_code}"
        assert beta.org.name.encode() not in response.content
        checked += 1
    assert checked >= len(ROUTE_OBJECTS)


@pytest.mark.django_db
def test_malformed_ids_are_404(alpha, login):
    client = login(alpha.owner)
    for url in [
        "/office/patients/abc/",
        "/office/patients/-1/",
        "/office/patients/99999999999999999999999/",
        "/office/settings/members/%20/",
        "/office/c/no-such-clinic/example/notes/",
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(alpha):
    objects = objects_of(alpha)
    client = Client()
    portal_modules, public_links = portal_module_routes(), public_link_routes()
    portal_public = portal_public_module_routes()
    assert "portal:scheduling:confirm" in portal_public
    for name, path in page_routes():
        if name in PUBLIC or name in EXEMPT or name in PORTAL_PUBLIC:
            continue
        url = fill(name, path, objects)
        if name in PORTAL_MOVED:
            response = request_moved(client, url, alpha.clinic.slug)
            assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
            assert response["Location"].startswith(f"/c/{alpha.clinic.slug}/account/login/"), name
            continue
        response = request(client, url)
        if name in portal_public:
            # Open to anyone: an answer of the clinic's own portal, never an error or the office's sign-in.
            assert response.status_code in (200, 302), f"{name} {url} answered {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith(f"/c/{alpha.clinic.slug}/"), name
            continue
        if name in public_links:
            assert response.status_code == 404, f"{name} {url} answered {response.status_code}"
            continue
        if name in portal_modules:
            assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
            assert response["Location"].startswith(f"/c/{alpha.clinic.slug}/account/login/"), name
            continue
        if name in PORTAL_PATIENT:
            assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
            assert response["Location"].startswith(f"/c/{alpha.clinic.slug}/account/login/"), name
            continue
        assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
        assert response["Location"].startswith("/accounts/login/"), (name, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "practitioner"])
def test_members_without_permission_get_403(alpha, login, role):
    objects = objects_of(alpha)
    client = login(getattr(alpha, role))
    for name, path in page_routes():
        if name not in OWNER_ONLY:
            continue
        url = fill(name, path, objects)
        response = request(client, url)
        assert response.status_code == 403, f"{role} {name} {url} answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "practitioner"])
def test_members_without_permission_get_404_on_hidden_pages(alpha, login, role):
    objects = objects_of(alpha)
    client = login(getattr(alpha, role))
    checked = 0
    for name, path in page_routes():
        if name not in OWNER_ONLY_HIDDEN:
            continue
        response = request(client, fill(name, path, objects))
        assert response.status_code == 404, f"{role} {name} answered {response.status_code}"
        checked += 1
    assert checked == len(OWNER_ONLY_HIDDEN)


@pytest.mark.django_db
def test_portal_patient_reaches_only_own_appointments(alpha, beta, login):
    """A patient signed in to the portal: another patient's appointment (same organization or another one)
    is 404 on every portal address, and their appointment list shows nothing of the other organization."""
    from tests.factories import link_patient_login, make_patient, make_user

    alpha_objects = objects_of(alpha)
    beta_objects = objects_of(beta)
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Otto", "Other", email="otto@alpha.test")
        link_patient_login(other, make_user("otto@alpha.test"))
    client = Client()
    assert (
        client.post(
            f"/c/{alpha.clinic.slug}/account/login/", {"username": "otto@alpha.test", "password": PASSWORD}
        ).status_code
        == 302
    )
    own_objects = sorted(
        PORTAL_MOVED
        | {
            name
            for name in portal_module_routes()
            if {m.group("name") for m in PARAM.finditer(dict(page_routes())[name])} != {"clinic_slug"}
        }
    )
    for name in own_objects:
        path = dict(page_routes())[name]
        for objects in (alpha_objects, beta_objects):
            for clinic in (alpha.clinic, beta.clinic):
                url = fill(name, path, {**objects, "clinic": clinic.slug})
                if name in PORTAL_MOVED:
                    response = request_moved(client, url, clinic.slug)
                else:
                    response = request(client, url)
                assert response.status_code == 404, f"{name} {url} answered {response.status_code}"
    listing = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content
    assert alpha.patient.family_name.encode() not in listing
    assert beta.org.name.encode() not in client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").content


# Which object of a tenant each FHIR resource type is read with. A new resource type fails the test
# below until it is listed here (or in FHIR_EXEMPT with a reason).
FHIR_OBJECTS = {
    "Patient": "patient",
    "Practitioner": "membership",
    "PractitionerRole": "membership",
    "Organization": "organization",
    "Location": "clinic_id",
    "HealthcareService": "service",
    "Schedule": "practitioner",
    "Appointment": "appointment",
    "Invoice": "invoice",
    "Encounter": "records_encounter",
    "Condition": "records_problem",
    "AllergyIntolerance": "records_allergy",
    "MedicationStatement": "records_medication",
    "Observation": "records_vital",
    "DocumentReference": "records_signed_note",
    "Provenance": "records_signed_note",
    "Binary": "records_binary",
    "Consent": "consent",
}
# Further ids of a type whose ids come in more than one kind (a chart file's document and its content).
FHIR_MORE_OBJECTS = [
    ("DocumentReference", "records_file_document"),
    ("Binary", "records_file_document"),
    ("Provenance", "records_change_provenance"),
]
FHIR_EXEMPT = {"Slot": "computed free times: another organization's are covered in tests/fhir"}
# Operations on a patient, read with another organization's patient.
FHIR_OPERATIONS = ("$everything", "$summary")


@pytest.mark.django_db
def test_fhir_other_organizations_ids_are_404_and_anonymous_401(alpha, beta):
    from core.fhir.registry import providers

    assert set(providers()) == set(FHIR_OBJECTS) | set(FHIR_EXEMPT)
    objects = {
        **objects_of(beta),
        "organization": beta.org.pk,
        "clinic_id": beta.clinic.pk,
        "practitioner": beta.memberships["practitioner"].pk,
    }
    with scopes_disabled():
        objects["consent"] = make_privacy_consent(beta)
        _record, token = create_token(alpha.owner, alpha.org, "fhir")
    client = Client()
    for resource_type, key in [*FHIR_OBJECTS.items(), *FHIR_MORE_OBJECTS]:
        url = f"/fhir/R4/{resource_type}/{objects[key]}"
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, f"{url} answered {response.status_code}"
        assert response.json()["issue"][0]["code"] == "not-found"
        assert beta.org.name.encode() not in response.content
        for path in (url, f"/fhir/R4/{resource_type}"):
            response = client.get(path)
            assert response.status_code == 401, f"anonymous {path} answered {response.status_code}"
            assert response.json()["resourceType"] == "OperationOutcome"
    for operation in FHIR_OPERATIONS:
        url = f"/fhir/R4/Patient/{objects['patient']}/{operation}"
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, f"{url} answered {response.status_code}"
        assert beta.org.name.encode() not in response.content
        assert client.get(url).status_code == 401
