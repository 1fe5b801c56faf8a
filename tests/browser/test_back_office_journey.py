"""The back office end to end, as its people use it: an owner opens a practice, adds a clinic, invites a
colleague and shapes the clinic's modules; the colleague joins, registers and finds a patient, and is kept
out of the owner's settings."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from core.plugins.manager import registry
from core.tenancy.models import Clinic
from tests.factories import make_patient

OWNER = {"name": "Nadia Haddad", "email": "nadia@harbourhealth.test", "password": "harbour-owner-pass-42"}
STAFF = {"name": "Tomás Reyes", "email": "tomas@harbourhealth.test", "password": "front-desk-pass-9931"}
ORGANIZATION = "Harbour Health"
FIRST_CLINIC = "Harbour Old Town"
SECOND_CLINIC = "Harbour Riverside"
CONFIRMATION_URL = re.compile(r"https?://\S+/accounts/signup/confirm/[^/\s]+/[^/\s]+/")
INVITATION_URL = re.compile(r"https?://\S+/accounts/invitations/[^/\s]+/")


def switch_clinic(page: Page, slug: str) -> None:
    """Pick a clinic in the sidebar's clinic switcher (lands on the dashboard)."""
    page.goto("/office/")
    switcher = page.locator("form", has=page.get_by_test_id("clinic-switcher"))
    switcher.get_by_test_id("clinic-switcher").select_option(slug)
    switcher.get_by_role("button", name="Go").click()
    page.wait_for_url("**/office/")
    expect(page.get_by_test_id("clinic-switcher")).to_have_value(slug)


def module_nav(page: Page, clinic_slug: str, module: str):
    return page.locator(f'[data-module-nav][href*="/office/c/{clinic_slug}/{module}/"]')


def test_owner_and_staff_journey(page: Page, new_context, screenshot):
    # --- The owner opens a practice --------------------------------------------------------------------
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Create your practice")).to_be_visible()
    page.get_by_label("Your name").fill(OWNER["name"])
    page.get_by_label("Email").fill(OWNER["email"])
    page.get_by_label("Password").fill(OWNER["password"])
    page.get_by_label("Practice or organization name").fill(ORGANIZATION)
    page.get_by_label("First clinic's name").fill(FIRST_CLINIC)
    page.get_by_label("Clinic time zone").select_option("Europe/Lisbon")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("I agree to the service's terms and privacy notice").check()
    page.get_by_role("button", name="Create my practice").click()
    # The practice opens once the owner follows the link emailed to them.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    [confirmation] = [m for m in mail.outbox if OWNER["email"] in m.to]
    page.goto(urlsplit(CONFIRMATION_URL.search(confirmation.body).group(0)).path)

    page.wait_for_url("**/office/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome! Your organization is ready.")).to_be_visible()
    expect(page.get_by_role("complementary", name="Main navigation")).to_contain_text(ORGANIZATION)
    expect(page.get_by_test_id("patient-count")).to_have_text("0")
    screenshot(page, "dashboard.png")

    # --- ...adds a second clinic -----------------------------------------------------------------------
    page.goto("/office/settings/clinics/new/")
    page.get_by_role("textbox", name="Name", exact=True).fill(SECOND_CLINIC)
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_role("button", name="Create clinic").click()
    page.wait_for_url("**/office/settings/clinics/")
    expect(page.get_by_text(f"Clinic “{SECOND_CLINIC}” created.")).to_be_visible()
    with scopes_disabled():
        first = Clinic.objects.get(name=FIRST_CLINIC)
        second = Clinic.objects.get(name=SECOND_CLINIC)
    assert first.organization_id == second.organization_id

    # --- ...invites a front-desk colleague to the second clinic -----------------------------------------
    mail.outbox.clear()
    page.goto("/office/settings/members/invite/")
    page.get_by_label("Email").fill(STAFF["email"])
    expect(page.get_by_label("Role")).to_have_value("staff")  # owners are made deliberately
    page.get_by_label("Role").select_option("staff")
    page.get_by_role("group", name="Clinics").get_by_label(SECOND_CLINIC).check()
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url("**/office/settings/members/")
    expect(page.get_by_text(f"Invitation sent to {STAFF['email']}.")).to_be_visible()
    sent = [m for m in mail.outbox if STAFF["email"] in m.to]
    assert len(sent) == 1, [m.to for m in mail.outbox]
    assert ORGANIZATION in sent[0].subject
    invitation_url = INVITATION_URL.search(sent[0].body).group(0)

    # --- ...and switches a module off for the second clinic only --------------------------------------
    page.goto(f"/office/settings/clinics/{second.slug}/modules/")
    expect(page.get_by_role("heading", name="Modules", level=1)).to_be_visible()
    # Every installed module is listed with its switch; the first one is the module this journey turns off.
    assert registry().modules, "no module is installed: the module switch cannot be checked"
    card = page.locator("[data-module]").first
    module = card.get_attribute("data-module")
    label = str(registry().modules[module].label)
    toggle = card.get_by_role("switch", name=label)
    if toggle.get_attribute("aria-checked") != "true":  # off by default: switch it on in both clinics
        for clinic in (second, first):
            page.goto(f"/office/settings/clinics/{clinic.slug}/modules/")
            page.locator(f'[data-module="{module}"]').get_by_role("switch", name=label).click()
            expect(page.get_by_text(f"{label} is on for {clinic.name}.")).to_be_visible()
        page.goto(f"/office/settings/clinics/{second.slug}/modules/")

    switch_clinic(page, second.slug)
    expect(module_nav(page, second.slug, module).first).to_be_visible()
    module_page = module_nav(page, second.slug, module).first.get_attribute("href")
    assert page.goto(module_page).status == 200

    page.goto(f"/office/settings/clinics/{second.slug}/modules/")
    toggle = page.locator(f'[data-module="{module}"]').get_by_role("switch", name=label)
    toggle.click()
    expect(page.get_by_text(f"{label} is off for {SECOND_CLINIC}. Its data is kept.")).to_be_visible()
    expect(toggle).to_have_attribute("aria-checked", "false")

    switch_clinic(page, second.slug)
    expect(module_nav(page, second.slug, module)).to_have_count(0)
    assert page.goto(module_page).status == 404  # switched off means gone, not just hidden

    switch_clinic(page, first.slug)
    expect(module_nav(page, first.slug, module).first).to_be_visible()

    # --- The colleague accepts the invitation at their own computer -------------------------------------
    staff = new_context().new_page()
    staff.goto(invitation_url)
    expect(staff.get_by_role("heading", name=f"Join {ORGANIZATION}")).to_be_visible()
    staff.get_by_label("Your name").fill(STAFF["name"])
    staff.get_by_label("Choose a password").fill(STAFF["password"])
    staff.get_by_label("I agree to the service's terms and privacy notice").check()
    staff.get_by_role("button", name="Create my account and join").click()
    staff.wait_for_url("**/office/")
    expect(staff.get_by_text(f"You joined {ORGANIZATION}.")).to_be_visible()
    expect(staff.get_by_test_id("clinic-switcher")).to_have_value(second.slug)
    expect(staff.get_by_test_id("clinic-switcher").locator("option")).to_have_count(1)
    expect(module_nav(staff, second.slug, module)).to_have_count(0)

    # --- ...registers a patient -------------------------------------------------------------------------
    staff.get_by_role("link", name="New patient").click()
    staff.wait_for_url("**/office/patients/new/")
    expect(staff.get_by_text(f"Registered at {SECOND_CLINIC}.")).to_be_visible()
    staff.get_by_label("Given name").fill("Amara")
    staff.get_by_label("Family name").fill("Okonkwo")
    staff.get_by_label("Date of birth").fill("1984-03-14")
    staff.get_by_label("Phone", exact=True).fill("+44 20 7946 0321")
    staff.get_by_role("button", name="Register patient").click()
    staff.wait_for_url(re.compile(r"/office/patients/\d+/$"))
    expect(staff.get_by_role("heading", name="Amara Okonkwo", level=1)).to_be_visible()
    expect(staff.get_by_text(re.compile(r"Amara Okonkwo registered \(record .+\)\."))).to_be_visible()

    # Someone else registered earlier at the same clinic, so the search has something to leave out.
    with scopes_disabled():
        make_patient(second, "Bruno", "Lindqvist")

    # --- ...finds them again with the live search ---------------------------------------------------------
    staff.goto("/office/patients/")
    rows = staff.get_by_test_id("patient-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    search = staff.get_by_role("searchbox", name="Search", exact=True)
    with staff.expect_response(lambda r: "/office/patients/" in r.url and "q=okon" in r.url) as answer:
        search.press_sequentially("okon", delay=40)
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Okonkwo, Amara")
    expect(staff.get_by_test_id("patient-table")).not_to_contain_text("Lindqvist")
    expect(staff).to_have_url(re.compile(r"[?&]q=okon"))
    screenshot(staff, "patient_list.png")

    staff.get_by_role("link", name="Okonkwo, Amara").click()
    staff.wait_for_url(re.compile(r"/office/patients/\d+/$"))
    expect(staff.get_by_role("heading", name="Amara Okonkwo", level=1)).to_be_visible()
    expect(staff.get_by_text("born Mar 14, 1984")).to_be_visible()
    expect(staff.get_by_role("region", name="Clinics")).to_contain_text(SECOND_CLINIC)
    screenshot(staff, "patient_detail.png")

    # --- ...and cannot open the owner's pages -------------------------------------------------------------
    owner_pages = (
        "/office/settings/organization/",
        "/office/settings/clinics/",
        f"/office/settings/clinics/{second.slug}/",
        f"/office/settings/clinics/{second.slug}/modules/",
        "/office/settings/members/",
        "/office/settings/members/invite/",
        "/office/settings/audit/",
    )
    for path in owner_pages:
        response = staff.goto(path)
        assert response.status == 403, path
        expect(staff.get_by_role("heading", name="Not allowed")).to_be_visible()
