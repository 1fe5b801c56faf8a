"""Recovery codes for two-factor sign-in, and the password or a current code before switching it off."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.accounts.models import SecurityEvent
from core.accounts.recovery import RECOVERY_CODE_COUNT, issue_recovery_codes
from core.accounts.views import PENDING_2FA_KEY
from tests.factories import PASSWORD, make_tenant
from tests.parallel_http import fire, status_counts
from tests.test_accounts import code_for

CODE = re.compile(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>")


def switch_on(client, user) -> list[str]:
    """Set up the authenticator app; the recovery codes shown at the end."""
    client.get("/accounts/security/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/security/two-factor/", {"token": code_for(device)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return CODE.findall(response.content.decode())


def pending_sign_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/login/verify/")
    return client


def kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_switching_on_shows_ten_recovery_codes_once(alpha, login):
    client = login(alpha.owner)
    codes = switch_on(client, alpha.owner)
    assert len(codes) == len(set(codes)) == RECOVERY_CODE_COUNT
    assert kinds(alpha.owner) == ["recovery_codes_created"]
    # The security page counts them and never shows them again.
    page = client.get("/accounts/security/").content.decode()
    assert "10 recovery codes left." in page and codes[0] not in page
    # Giving a code again for an existing app (e.g. after the session's check expired) keeps the codes.
    device = TOTPDevice.objects.get(user=alpha.owner)
    device.throttle_reset()
    device.last_t = -1
    device.save()
    again = client.post("/accounts/security/two-factor/", {"token": code_for(device)})
    assert again.status_code == 302
    assert StaticToken.objects.filter(device__user=alpha.owner).count() == RECOVERY_CODE_COUNT


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once_and_each_use_is_recorded(alpha, login):
    codes = switch_on(login(alpha.owner), alpha.owner)

    client = pending_sign_in(alpha.owner)
    response = client.post(
        "/accounts/login/verify/", {"token": codes[0].upper().replace("-", " ")}, follow=True
    )
    assert response.status_code == 200 and "9 are left" in response.content.decode()
    assert client.get("/office/").status_code == 200
    assert kinds(alpha.owner) == ["recovery_codes_created", "recovery_code_used"]
    # The use is in the change history too, which nothing can rewrite.
    used = SecurityEvent.objects.get(user=alpha.owner, kind="recovery_code_used")
    assert SecurityEvent.pgh_event_model.objects.filter(pgh_obj=used, pgh_label="insert").count() == 1

    again = pending_sign_in(alpha.owner)
    refused = again.post("/accounts/login/verify/", {"token": codes[0]})
    assert refused.status_code == 400
    assert "not valid or was already used" in refused.content.decode()
    assert again.get("/office/").status_code == 302


@pytest.mark.django_db
def test_another_persons_recovery_code_does_not_sign_in(db):
    alpha, beta = make_tenant("Alpha"), make_tenant("Beta")
    issue_recovery_codes(alpha.owner)
    beta_codes = issue_recovery_codes(beta.owner)
    TOTPDevice.objects.create(user=alpha.owner, name="app", confirmed=True)
    client = pending_sign_in(alpha.owner)
    assert client.post("/accounts/login/verify/", {"token": beta_codes[0]}).status_code == 400
    assert client.get("/office/").status_code == 302


@pytest.mark.django_db
def test_new_recovery_codes_need_the_password_and_replace_the_old(alpha, login):
    client = login(alpha.owner)
    old = switch_on(client, alpha.owner)
    assert client.get("/accounts/security/recovery-codes/").status_code == 200
    empty = client.post("/accounts/security/recovery-codes/", {})
    assert empty.status_code == 400 and "Enter your password or a current code" in empty.content.decode()
    wrong = client.post("/accounts/security/recovery-codes/", {"password": "not-it"})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    # Right after a wrong password even the right one waits: guesses cannot be fired one after another.
    hurried = client.post("/accounts/security/recovery-codes/", {"password": PASSWORD})
    assert hurried.status_code == 400 and "Too many wrong attempts" in hurried.content.decode()
    TOTPDevice.objects.get(user=alpha.owner).throttle_reset()
    response = client.post("/accounts/security/recovery-codes/", {"password": PASSWORD})
    new = CODE.findall(response.content.decode())
    assert response.status_code == 200 and len(new) == RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert kinds(alpha.owner) == ["recovery_codes_created", "recovery_codes_created"]

    client = pending_sign_in(alpha.owner)
    assert client.post("/accounts/login/verify/", {"token": old[1]}).status_code == 400


@pytest.mark.django_db
def test_switching_off_needs_the_password_or_a_current_code(alpha, login):
    client = login(alpha.owner)
    switch_on(client, alpha.owner)
    # A bare POST (an old form, or a forged one) no longer switches it off.
    assert client.post("/accounts/security/two-factor/disable/").status_code == 400
    assert client.post("/accounts/security/two-factor/disable/", {"token": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=alpha.owner).exists()

    device = TOTPDevice.objects.get(user=alpha.owner)
    device.throttle_reset()
    device.last_t = -1
    device.save()
    response = client.post("/accounts/security/two-factor/disable/", {"token": code_for(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alpha.owner).exists()
    assert not StaticToken.objects.filter(device__user=alpha.owner).exists()
    assert kinds(alpha.owner)[-1] == "two_factor_off"


@pytest.mark.django_db
def test_switching_off_with_the_password(alpha, login):
    client = login(alpha.owner)
    switch_on(client, alpha.owner)
    assert client.post("/accounts/security/two-factor/disable/", {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=alpha.owner).exists()
    fresh = Client()
    fresh.post("/accounts/login/", {"username": alpha.owner.email, "password": PASSWORD})
    assert fresh.get("/office/").status_code == 200  # signed in with the password alone


@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_sent_twenty_times_at_once_signs_in_once(live_server):
    alpha = make_tenant("Alpha")
    TOTPDevice.objects.create(user=alpha.owner, name="app", confirmed=True)
    code = issue_recovery_codes(alpha.owner)[0]
    cookies = []
    for _ in range(20):
        session = SessionStore()
        session[PENDING_2FA_KEY] = alpha.owner.pk
        session.create()
        cookies.append({settings.SESSION_COOKIE_NAME: session.session_key})

    url = f"{live_server.url}/accounts/login/verify/"
    responses = fire("POST", url, [{"token": code}] * 20, form=True, cookies=cookies)

    counts = status_counts(responses)
    print(f"one recovery code sent 20 times at once: {dict(counts)}")
    assert counts == {302: 1, 400: 19}
    assert SecurityEvent.objects.filter(user=alpha.owner, kind="recovery_code_used").count() == 1


@pytest.mark.django_db
def test_after_the_codes_the_member_continues_where_they_were_going(alpha, login):
    client = login(alpha.staff)
    setup = "/accounts/security/two-factor/?next=/office/patients/"
    client.get(setup)
    device = TOTPDevice.objects.get(user=alpha.staff)
    response = client.post(setup, {"token": code_for(device)})
    assert 'href="/office/patients/"' in response.content.decode()
