"""SMART App Launch over real HTTP: a patient app signs its patient in through the portal with the
authorization code and PKCE, then reads only that patient's data; a clinician app signs a member in; a
backend service uses client credentials. Every FHIR answer is validated."""

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from core.fhir.clients import register_client
from tests.factories import PASSWORD, link_patient_login, make_patient, make_tenant, make_user
from tests.fhir.conftest import appointment_body, make_bookable, next_day_at
from tests.fhir.validation import check_resource

CALLBACK = "http://127.0.0.1:9/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def answer_consent(session, page, *, allow: bool):
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    if allow:
        fields["allow"] = "Authorize"
    return session.post(page.url, data=fields, headers={"Referer": page.url}, allow_redirects=False)


def authorize(session, base, client_id, scope, challenge, *, sign_in=None, consent=True):
    """Start the authorization-code flow; sign in where the server sends the browser; return the code."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": "xyz",
        "aud": f"{base}/fhir/R4",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = session.get(f"{base}/oauth/authorize/", params=params, allow_redirects=False)
    if sign_in is not None:
        assert response.status_code == 302, response.text[:300]
        login_url = response.headers["Location"]
        assert login_url.startswith(sign_in), login_url
        page = session.get(f"{base}{login_url}")
        assert page.status_code == 200
        response = session.post(
            f"{base}{login_url}",
            data={**session.credentials, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": f"{base}{login_url}"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        response = session.get(f"{base}{response.headers['Location']}", allow_redirects=False)
    if response.status_code == 200 and "authorizationForm" in response.text:
        # The patient is asked: they allow the app (``consent`` says what they answer).
        response = answer_consent(session, response, allow=consent)
    assert response.status_code == 302, response.text[:500]
    target = urlparse(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    query = parse_qs(target.query)
    assert query["state"] == ["xyz"]
    if not consent:
        assert query["error"] == ["access_denied"]
        return None
    return query["code"][0]


def token(base, data):
    return requests.post(f"{base}/oauth/token/", data=data, timeout=30)


class App:
    def __init__(self, base, access_token):
        self.base, self.headers = base, {"Authorization": f"Bearer {access_token}"}

    def get(self, path, **params):
        response = requests.get(
            f"{self.base}/fhir/R4/{path}", params=params, headers=self.headers, timeout=30
        )
        body = response.json()
        check_resource(body)
        return response.status_code, body

    def send(self, method, path, body):
        response = requests.request(
            method,
            f"{self.base}/fhir/R4/{path}",
            json=body,
            headers={**self.headers, "Content-Type": "application/fhir+json"},
            timeout=30,
        )
        result = response.json()
        check_resource(result)
        return response.status_code, result


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        alpha, beta = make_bookable(make_tenant("Alpha")), make_bookable(make_tenant("Beta"))
        patient_login = make_user("smart-patient@example.test")
        link_patient_login(alpha.patient, patient_login)
        neighbour = make_patient(alpha.clinic, "Nosy", "Neighbour")
        from plugins.scheduling.services.booking import book_appointment

        for tenant, patient in ((alpha, alpha.patient), (alpha, neighbour), (beta, beta.patient)):
            book_appointment(
                clinic=tenant.clinic,
                practitioner=tenant.doctor,
                patient=patient,
                service=tenant.service,
                start=next_day_at(tenant, 9 if patient is not neighbour else 10),
                by=tenant.owner,
            )
        patient_app, _secret = register_client(
            alpha.org, name="My health app", kind="patient", redirect_uris=[CALLBACK]
        )
        clinician_app, _secret = register_client(
            alpha.org, name="Charting app", kind="clinician", redirect_uris=[CALLBACK]
        )
        backend, backend_secret = register_client(alpha.org, name="Exchange", kind="backend")
    return {
        "alpha": alpha,
        "beta": beta,
        "patient_login": patient_login,
        "neighbour": neighbour,
        "patient_app": patient_app.application.client_id,
        "clinician_app": clinician_app.application.client_id,
        "backend": (backend.application.client_id, backend_secret),
    }


def patient_session(email):
    session = requests.Session()
    session.credentials = {"username": email, "password": PASSWORD}
    return session


@pytest.mark.django_db(transaction=True)
def test_patient_app_sees_only_its_patient(live_server, world):
    base, alpha = live_server.url, world["alpha"]
    verifier, challenge = pkce()
    session = patient_session(world["patient_login"].email)
    scope = "launch/patient openid fhirUser patient/*.rs patient/Appointment.cu"
    code = authorize(
        session,
        base,
        world["patient_app"],
        scope,
        challenge,
        sign_in=f"/c/{alpha.clinic.slug}/account/login/",
    )

    # Saying no sends the app away with nothing.
    assert authorize(session, base, world["patient_app"], scope, challenge, consent=False) is None
    # Without the PKCE verifier the code is worth nothing.
    refused = token(
        base,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": world["patient_app"],
            "code_verifier": "wrong" * 10,
        },
    )
    assert refused.status_code == 400
    code = authorize(session, base, world["patient_app"], scope, challenge)
    granted = token(
        base,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": world["patient_app"],
            "code_verifier": verifier,
        },
    )
    assert granted.status_code == 200, granted.text
    grant = granted.json()
    assert grant["patient"] == str(alpha.patient.pk)
    assert set(grant["scope"].split()) == set(scope.split())
    app = App(base, grant["access_token"])

    status, me = app.get(f"Patient/{alpha.patient.pk}")
    assert status == 200 and me["name"][0]["family"] == alpha.patient.family_name
    status, everyone = app.get("Patient")
    assert [e["resource"]["id"] for e in everyone["entry"]] == [str(alpha.patient.pk)]
    status, mine = app.get("Appointment", patient=f"Patient/{alpha.patient.pk}")
    assert status == 200 and mine["total"] == 1
    status, all_visible = app.get("Appointment")
    assert all_visible["total"] == 1

    # Another patient, here or in another organization: not found, as if it did not exist.
    for other in (world["neighbour"].pk, world["beta"].patient.pk):
        status, outcome = app.get(f"Patient/{other}")
        assert status == 404 and outcome["resourceType"] == "OperationOutcome"
    status, theirs = app.get("Appointment", patient=f"Patient/{world['neighbour'].pk}")
    assert theirs["total"] == 0
    # Its patient's summary, an IPS document (checked against the IPS profiles by App.get), and no one
    # else's.
    status, summary = app.get(f"Patient/{alpha.patient.pk}/$summary")
    assert status == 200 and summary["type"] == "document"
    assert summary["entry"][1]["resource"]["id"] == str(alpha.patient.pk)
    for other in (world["neighbour"].pk, world["beta"].patient.pk):
        status, outcome = app.get(f"Patient/{other}/$summary")
        assert status == 404 and outcome["resourceType"] == "OperationOutcome"
    # Its scopes do not reach invoices' creation or any user/ access.
    status, outcome = app.send("POST", "Patient", {"resourceType": "Patient", "name": [{"family": "X"}]})
    assert status == 403

    # It books for its patient as the portal does, and cannot book for anyone else.
    body = appointment_body(alpha, next_day_at(alpha, 14))
    status, booked = app.send("POST", "Appointment", body)
    assert status == 201, booked
    body = appointment_body(alpha, next_day_at(alpha, 15), world["neighbour"])
    status, outcome = app.send("POST", "Appointment", body)
    assert status == 404
    status, cancelled = app.send("PUT", f"Appointment/{booked['id']}", {**booked, "status": "cancelled"})
    assert status == 200 and cancelled["status"] == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_patient_app_refuses_a_login_that_is_not_its_patient(live_server, world):
    base, alpha = live_server.url, world["alpha"]
    _verifier, challenge = pkce()
    with scopes_disabled():
        stranger = make_user("stranger@example.test")
    session = patient_session(stranger.email)
    params = {
        "aud": f"{base}/fhir/R4",
        "response_type": "code",
        "client_id": world["patient_app"],
        "redirect_uri": CALLBACK,
        "scope": "patient/*.rs",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    session.get(f"{base}/c/{alpha.clinic.slug}/account/login/")
    session.post(
        f"{base}/c/{alpha.clinic.slug}/account/login/",
        data={**session.credentials, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
    )
    response = session.get(f"{base}/oauth/authorize/", params=params, allow_redirects=False)
    assert response.status_code == 403
    # A token for another FHIR server (aud) is not issued here.
    signed_in = patient_session(world["patient_login"].email)
    signed_in.get(f"{base}/c/{alpha.clinic.slug}/account/login/")
    signed_in.post(
        f"{base}/c/{alpha.clinic.slug}/account/login/",
        data={**signed_in.credentials, "csrfmiddlewaretoken": signed_in.cookies["csrftoken"]},
    )
    for aud in ("https://elsewhere.example/fhir/R4", ""):
        response = signed_in.get(
            f"{base}/oauth/authorize/", params={**params, "aud": aud}, allow_redirects=False
        )
        assert response.status_code == 400, aud
    # A patient app may not ask for user/ or system/ scopes: the app is told so at its callback.
    session = patient_session(world["patient_login"].email)
    session.get(f"{base}/c/{alpha.clinic.slug}/account/login/")
    session.post(
        f"{base}/c/{alpha.clinic.slug}/account/login/",
        data={**session.credentials, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
    )
    response = session.get(
        f"{base}/oauth/authorize/", params={**params, "scope": "user/*.rs"}, allow_redirects=False
    )
    assert response.status_code == 302
    assert parse_qs(urlparse(response.headers["Location"]).query)["error"] == ["invalid_scope"]


@pytest.mark.django_db(transaction=True)
def test_clinician_app_acts_as_the_member(live_server, world):
    base, alpha = live_server.url, world["alpha"]
    verifier, challenge = pkce()
    session = patient_session(alpha.staff.email)
    code = authorize(
        session, base, world["clinician_app"], "user/*.rs", challenge, sign_in="/accounts/login/"
    )
    grant = token(
        base,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": world["clinician_app"],
            "code_verifier": verifier,
        },
    ).json()
    app = App(base, grant["access_token"])
    status, bundle = app.get("Patient")
    assert status == 200 and {e["resource"]["id"] for e in bundle["entry"]} == {
        str(alpha.patient.pk),
        str(world["neighbour"].pk),
    }
    status, outcome = app.get(f"Patient/{world['beta'].patient.pk}")
    assert status == 404
    # Read and search only: booking needs user/Appointment.c.
    status, outcome = app.send("POST", "Appointment", appointment_body(alpha, next_day_at(alpha, 16)))
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden"


@pytest.mark.django_db(transaction=True)
def test_backend_service_with_client_credentials(live_server, world):
    base, alpha = live_server.url, world["alpha"]
    client_id, secret = world["backend"]
    denied = token(
        base,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "nope",
            "scope": "system/*.rs",
        },
    )
    assert denied.status_code == 401
    too_much = token(
        base,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "patient/*.rs",
        },
    )
    assert too_much.status_code == 400
    grant = token(
        base,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "system/*.rs",
        },
    ).json()
    app = App(base, grant["access_token"])
    status, bundle = app.get("Appointment")
    assert status == 200 and bundle["total"] == 2
    status, outcome = app.get(f"Patient/{world['beta'].patient.pk}")
    assert status == 404
    status, outcome = app.send("POST", "Appointment", appointment_body(alpha, next_day_at(alpha, 16)))
    assert status == 403  # system/*.rs reads and searches only
    status, bundle = app.get("Patient", _id=str(world["beta"].patient.pk))
    assert bundle["total"] == 0
    status, outcome = app.get("Patient", _count="1")
    assert status == 200 and len(outcome["entry"]) == 1


def signed_assertion(key, client_id, audience, *, jti=None, lifetime=240, kid="k1"):
    import json as _json
    import time as _time

    from jwcrypto import jwt as _jwt

    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "exp": int(_time.time()) + lifetime,
        "jti": jti or secrets.token_hex(16),
    }
    token = _jwt.JWT(header={"alg": "RS384", "kid": kid, "typ": "JWT"}, claims=_json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


@pytest.mark.django_db(transaction=True)
def test_backend_service_signs_its_token_requests(live_server, world):
    import json as _json

    from jwcrypto import jwk

    base, alpha = live_server.url, world["alpha"]
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="k1", alg="RS384")
    public = {"keys": [_json.loads(key.export_public())]}
    with scopes_disabled():
        with pytest.raises(ValidationError):  # a private key is never registered
            register_client(
                alpha.org, name="Leaky", kind="backend", jwks={"keys": [_json.loads(key.export())]}
            )
        service, secret = register_client(alpha.org, name="Signed exchange", kind="backend", jwks=public)
    assert secret == ""
    client_id, endpoint = service.application.client_id, f"{base}/oauth/token/"

    def ask(assertion):
        return token(
            base,
            {
                "grant_type": "client_credentials",
                "scope": "system/*.rs",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
        )

    good = signed_assertion(key, client_id, endpoint, jti="once")
    granted = ask(good)
    assert granted.status_code == 200, granted.text
    status, bundle = App(base, granted.json()["access_token"]).get("Patient")
    assert status == 200 and bundle["total"] == 2
    # The same signed request again, another audience, a long-lived one, another key: all refused.
    other_key = jwk.JWK.generate(kty="RSA", size=2048, kid="k1", alg="RS384")
    for refused in (
        good,
        signed_assertion(key, client_id, f"{base}/somewhere-else/"),
        signed_assertion(key, client_id, endpoint, lifetime=3600),
        signed_assertion(other_key, client_id, endpoint),
        "not-a-jwt",
    ):
        assert ask(refused).status_code == 401
