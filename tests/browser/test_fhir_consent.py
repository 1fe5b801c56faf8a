"""A patient connects a SMART app to their record: signed in through the clinic's portal, they see what
the app asks for and allow it; a login that is not a patient of the organization is told so."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlencode, urlparse

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from core.fhir.clients import register_client
from tests.factories import PASSWORD, link_patient_login, make_tenant, make_user

from .conftest import SCREENSHOTS
from .helpers import axe_violations, format_violations

CALLBACK = "http://127.0.0.1:9/callback"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def authorize_address(client_id: str, base: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 64).digest()).rstrip(b"=").decode()
    return "/oauth/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "scope": "launch/patient patient/*.rs patient/Appointment.cu",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "aud": f"{base}/fhir/R4",
        }
    )


def sign_in_on_portal(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_patient_allows_an_app_on_their_record(transactional_db, live_server, new_context):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        login = make_user("app-patient@example.test")
        link_patient_login(alpha.patient, login)
        client, _secret = register_client(
            alpha.org, name="My health app", kind="patient", redirect_uris=[CALLBACK]
        )
    for size, viewport in SIZES.items():
        page = new_context(viewport).new_page()
        arrived = []
        page.route(
            f"{CALLBACK}**", lambda route: (arrived.append(route.request.url), route.fulfill(body="ok"))
        )
        page.goto(authorize_address(client.application.client_id, live_server.url))
        expect(page).to_have_url(re.compile(f"/c/{alpha.clinic.slug}/account/login/"))
        sign_in_on_portal(page, login.email)
        expect(page.get_by_role("heading", name="Connect “My health app”?")).to_be_visible()
        expect(page.get_by_text(alpha.patient.full_name)).to_be_visible()
        expect(page.get_by_text("Read: everything in this patient record")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"fhir-consent-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
        # The browser goes back to the app (which is not running here) with the code.
        with page.expect_request(lambda request: request.url.startswith(CALLBACK)) as sent:
            page.get_by_role("button", name="Allow", exact=True).click()
        query = parse_qs(urlparse(sent.value.url).query)
        assert query["state"] == ["s1"] and query["code"]


def test_a_login_without_a_record_is_told_so(transactional_db, live_server, new_context):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        stranger = make_user("no-record@example.test")
        client, _secret = register_client(
            alpha.org, name="My health app", kind="patient", redirect_uris=[CALLBACK]
        )
    for size, viewport in SIZES.items():
        page = new_context(viewport).new_page()
        page.goto(authorize_address(client.application.client_id, live_server.url))
        sign_in_on_portal(page, stranger.email)
        expect(page.get_by_role("heading", name="This app cannot be connected")).to_be_visible()
        expect(page.get_by_text(f"not linked to a patient record of {alpha.org.name}")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"fhir-consent-refused-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)


def test_owner_registers_an_app_in_settings(transactional_db, new_context):
    from .helpers import sign_in

    with scopes_disabled():
        alpha = make_tenant("Alpha")
        register_client(alpha.org, name="Charting", kind="clinician", redirect_uris=[CALLBACK])
    for size, viewport in SIZES.items():
        page = new_context(viewport).new_page()
        sign_in(page, alpha.owner.email)
        page.goto("/office/settings/fhir-apps/")
        page.get_by_label("Name").fill(f"Regional exchange {size}")
        page.get_by_label("Who uses it").select_option("backend")
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_test_id("client-secret")).to_be_visible()
        expect(page.get_by_role("cell", name=f"Regional exchange {size}")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"fhir-apps-{size}.png"), full_page=True)
        assert not (found := axe_violations(page)), format_violations(found)
