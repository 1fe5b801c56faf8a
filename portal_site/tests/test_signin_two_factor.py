"""Portal sign-in asks a login with an authenticator app for its code, like the back office: neither the
password nor a followed email link signs it in alone."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from core.compliance.consents import GENERIC_NOTICE_VERSION
from tests.factories import PASSWORD, link_patient_login, make_user


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def wrong_code(device) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def patient_login_with_app(alpha, email="erin-2fa@alpha.test"):
    with scopes_disabled():
        user = make_user(email)
        link_patient_login(alpha.patient, user)
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_password_alone_does_not_sign_in_a_login_with_an_app(alpha):
    user, device = patient_login_with_app(alpha)
    base = f"/c/{alpha.clinic.slug}/"
    client = Client()
    response = client.post(f"{base}account/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{base}account/login/verify/")
    assert not signed_in(client)
    # Patient pages still send to the sign-in page while the code is missing.
    assert client.get(f"{base}account/appointments/").status_code == 302
    assert not signed_in(client)

    step = client.get(response["Location"])
    assert step.status_code == 200 and "authenticator app" in step.content.decode()
    refused = client.post(f"{base}account/login/verify/", {"token": wrong_code(device)})
    assert refused.status_code == 400 and "not valid" in refused.content.decode()
    assert not signed_in(client)
    refused = client.post(f"{base}account/login/verify/", {"token": "abc"})
    assert refused.status_code == 400 and not signed_in(client)

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(
        f"{base}account/login/verify/",
        {"token": code_for(device), "next": f"{base}account/appointments/"},
    )
    assert done.status_code == 302 and done["Location"] == f"{base}account/appointments/"
    assert signed_in(client)
    assert client.get(f"{base}account/appointments/").status_code == 200


def test_verify_step_without_a_pending_sign_in_goes_back_to_the_sign_in_page(alpha):
    response = Client().post(f"/c/{alpha.clinic.slug}/account/login/verify/", {"token": "123456"})
    assert response.status_code == 302
    assert response["Location"] == f"/c/{alpha.clinic.slug}/account/login/"


def test_login_without_an_app_signs_in_with_the_password(alpha):
    with scopes_disabled():
        user = make_user("erin-plain@alpha.test")
        link_patient_login(alpha.patient, user)
    client = Client()
    response = client.post(
        f"/c/{alpha.clinic.slug}/account/login/", {"username": user.email, "password": PASSWORD}
    )
    assert response["Location"] == f"/c/{alpha.clinic.slug}/account/appointments/"
    assert signed_in(client)


def test_following_the_email_link_still_asks_for_the_code(alpha):
    user, device = patient_login_with_app(alpha, email="nora-2fa@example.test")
    base = f"/c/{alpha.clinic.slug}/"
    client = Client()
    client.post(
        f"{base}account/register/",
        {
            "given_name": "Nora",
            "family_name": "New",
            "date_of_birth": "1990-04-02",
            "email": user.email,
            "phone": "",
            "password": PASSWORD,
            "accept_notice": "on",
            "notice_version": GENERIC_NOTICE_VERSION,
        },
    )
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/account/verify/" in line)
    response = client.get(link.replace("http://testserver", ""))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{base}account/login/verify/")
    assert not signed_in(client)
    assert client.post(f"{base}account/login/verify/", {"token": code_for(device)}).status_code == 302
    assert signed_in(client)
