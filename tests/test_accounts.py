"""Sign-up, sign-in, throttling, two-factor, sessions, password reset, invitations, organization switching."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from core.accounts.models import User
from core.accounts.sessions import LAST_SEEN_KEY
from core.tenancy.models import Invitation, Membership, Organization, Role
from core.tenancy.services import invite_member
from tests.factories import PASSWORD, add_member, make_org, make_user

SIGNUP = {
    "full_name": "Nora New",
    "email": "nora@example.test",
    "password": "a-very-good-passphrase",
    "organization_name": "Nora Physio",
    "clinic_name": "Nora Physio Centre",
    "timezone": "Europe/Paris",
    "currency": "EUR",
    "accept_terms": "on",
}


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def confirmation_path(email: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [email]]
    link = re.search(r"http://testserver(/accounts/signup/confirm/\S+/)", message.body)
    assert link, message.body
    return link.group(1)


def page_text(response, email: str) -> str:
    """The page with the address given and the per-request CSRF token taken out."""
    text = response.content.decode().replace(email, "EMAIL")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)  # the language switcher's
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_signup_creates_organization_clinic_and_owner_who_signs_in_after_confirming():
    client = Client()
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert not signed_in(client)
    with scopes_disabled():
        organization = Organization.objects.get(name="Nora Physio")
        membership = Membership.objects.get(organization=organization)
        assert membership.role == Role.OWNER and membership.user.email == "nora@example.test"
        assert [c.name for c in membership.clinics.all()] == ["Nora Physio Centre"]
        assert membership.clinics.get().timezone == "Europe/Paris"
    # Unable to sign in until the address is confirmed.
    assert User.objects.get(email="nora@example.test").is_active is False
    refused = Client().post("/accounts/login/", {"username": SIGNUP["email"], "password": SIGNUP["password"]})
    assert refused.status_code == 400

    path = confirmation_path("nora@example.test")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/office/"
    assert User.objects.get(email="nora@example.test").is_active is True
    assert "Nora Physio" in client.get("/office/").content.decode()
    # The link works once.
    assert Client().get(path).status_code == 410
    accepted = Client().post(
        "/accounts/login/", {"username": SIGNUP["email"], "password": SIGNUP["password"]}
    )
    assert accepted.status_code == 302


@pytest.mark.django_db
def test_signup_answers_the_same_whether_or_not_the_email_has_an_account(alpha, beta):
    new = Client().post("/accounts/signup/", {**SIGNUP, "email": "nobody-yet@example.test"})
    other_tenants_staff = beta.practitioner.email
    sent_before = len(mail.outbox)
    taken = Client().post(
        "/accounts/signup/",
        {**SIGNUP, "organization_name": "Taken Physio", "email": other_tenants_staff.upper()},
    )
    assert new.status_code == taken.status_code == 200
    assert page_text(new, "nobody-yet@example.test") == page_text(taken, other_tenants_staff)
    # Nothing is made for the taken address; its owner hears of the attempt, with no confirmation link.
    [notice] = mail.outbox[sent_before:]
    assert notice.to == [other_tenants_staff]
    assert "already has an account" in notice.body and "/signup/confirm/" not in notice.body
    assert "http://testserver/accounts/password/reset/" in notice.body
    assert not Organization.objects.filter(name="Taken Physio").exists()
    user = User.objects.get(email=other_tenants_staff)
    assert user.is_active and user.check_password(PASSWORD)


@pytest.mark.django_db
def test_signing_up_again_before_confirming_sends_a_new_link_for_the_same_practice():
    Client().post("/accounts/signup/", SIGNUP)
    Client().post("/accounts/signup/", {**SIGNUP, "organization_name": "Second Try"})
    links = [m for m in mail.outbox if m.to == ["nora@example.test"]]
    assert len(links) == 2 and all("/accounts/signup/confirm/" in m.body for m in links)
    assert not Organization.objects.filter(name="Second Try").exists()
    client = Client()
    assert client.get(confirmation_path_of(links[-1])).status_code == 302


def confirmation_path_of(message) -> str:
    return re.search(r"http://testserver(/accounts/signup/confirm/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_a_switched_off_account_is_not_reopened_by_signing_up():
    user = make_user("nora@example.test")
    user.last_login = timezone.now()
    user.is_active = False
    user.save()
    Client().post("/accounts/signup/", SIGNUP)
    [notice] = mail.outbox
    assert "already has an account" in notice.body and "/signup/confirm/" not in notice.body
    assert User.objects.get(pk=user.pk).is_active is False


@pytest.mark.django_db
def test_a_wrong_confirmation_link_opens_nothing():
    Client().post("/accounts/signup/", SIGNUP)
    path = confirmation_path("nora@example.test")
    assert Client().get(path[:-3] + "xx/").status_code == 410
    assert Client().get("/accounts/signup/confirm/bm9wZQ/abc-def/").status_code == 410
    assert User.objects.get(email="nora@example.test").is_active is False


@pytest.mark.django_db
def test_signup_with_a_weak_password_explains_why():
    response = Client().post("/accounts/signup/", {**SIGNUP, "password": "short"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()


def test_login_with_wrong_password_shows_a_clear_message(alpha):
    response = Client().post(
        "/accounts/login/", {"username": alpha.owner.email, "password": "nope-nope-nope"}
    )
    assert response.status_code == 400
    assert "The email or password is not correct." in response.content.decode()


def test_login_is_case_insensitive_on_email(alpha):
    response = Client().post(
        "/accounts/login/", {"username": alpha.owner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


def test_repeated_failures_lock_the_account_with_a_clear_message(alpha, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": alpha.owner.email, "password": "wrong-password-1"})
    response = client.post("/accounts/login/", {"username": alpha.owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_logout_needs_post(alpha, login):
    client = login(alpha.owner)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/office/").status_code == 302


def test_two_factor_setup_then_sign_in_with_a_code(alpha, login):
    client = login(alpha.owner)
    assert client.get("/accounts/security/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=alpha.owner)
    assert client.post("/accounts/security/two-factor/", {"token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second; tests do not wait
    response = client.post("/accounts/security/two-factor/", {"token": code_for(device)})
    assert response.status_code == 200 and "Your recovery codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed

    fresh = Client()
    response = fresh.post("/accounts/login/", {"username": alpha.owner.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/login/verify/")
    assert fresh.get("/office/").status_code == 302  # not signed in until the code is given
    bad = fresh.post("/accounts/login/verify/", {"token": "123456"})
    assert bad.status_code == 400 and "not valid" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1  # the code used at set-up may be the current one: allow it again for this test
    device.save()
    assert fresh.post("/accounts/login/verify/", {"token": code_for(device)}).status_code == 302
    assert fresh.get("/office/").status_code == 200


def test_mandatory_two_factor_sends_members_to_set_it_up(alpha, login):
    Organization.objects.filter(pk=alpha.org.pk).update(require_two_factor=True)
    client = login(alpha.staff)
    response = client.get("/office/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/security/two-factor/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    # A member of such an organization cannot switch two-factor sign-in off.
    client.get("/accounts/security/two-factor/")
    device = TOTPDevice.objects.get(user=alpha.staff)
    client.post("/accounts/security/two-factor/", {"token": code_for(device)})
    assert client.get("/office/patients/").status_code == 200
    client.post("/accounts/security/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=alpha.staff).exists()


def test_idle_session_is_signed_out(alpha, login):
    client = login(alpha.owner)
    session = client.session
    session[LAST_SEEN_KEY] = int((timezone.now() - timedelta(minutes=31)).timestamp())
    session.save()
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_organization_can_shorten_the_idle_timeout(alpha, login):
    Organization.objects.filter(pk=alpha.org.pk).update(session_idle_minutes=10)
    client = login(alpha.owner)
    session = client.session
    session[LAST_SEEN_KEY] = int((timezone.now() - timedelta(minutes=11)).timestamp())
    session.save()
    assert client.get("/office/").status_code == 302


def test_sign_out_my_other_sessions(alpha, login):
    laptop, phone = login(alpha.owner), login(alpha.owner)
    assert laptop.post("/accounts/security/sign-out-others/").status_code == 302
    assert laptop.get("/office/").status_code == 200
    assert phone.get("/office/").status_code == 302


def test_password_reset_by_email(alpha):
    client = Client()
    client.post("/accounts/password/reset/", {"email": alpha.owner.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-9", "new_password2": "brand-new-passphrase-9"},
    )
    assert response.status_code == 302
    assert (
        Client()
        .post("/accounts/login/", {"username": alpha.owner.email, "password": "brand-new-passphrase-9"})
        .status_code
        == 302
    )


def invitation(tenant, email="new.person@example.test", role=Role.STAFF):
    with scope(organization=tenant.org.pk):
        return invite_member(tenant.org, email=email, role=role, clinics=[tenant.clinic], by=tenant.owner)


def test_invitation_for_a_new_person(alpha):
    _invitation, token = invitation(alpha)
    client = Client()
    assert client.get(f"/accounts/invitations/{token}/").status_code == 200
    response = client.post(
        f"/accounts/invitations/{token}/",
        {"full_name": "New Person", "password": "a-fine-passphrase-7", "accept_terms": "on"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    with scopes_disabled():
        membership = Membership.objects.get(user=user)
        assert membership.role == Role.STAFF and list(membership.clinics.all()) == [alpha.clinic]
    assert client.get("/office/").status_code == 200
    # Single use.
    again = Client().get(f"/accounts/invitations/{token}/")
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_invitation_for_someone_with_an_account_in_another_organization(alpha, beta, login):
    _invitation, token = invitation(alpha, email=beta.practitioner.email, role=Role.PRACTITIONER)
    client = login(beta.practitioner)
    assert client.post(f"/accounts/invitations/{token}/").status_code == 302
    me = client.get("/api/v1/me").json()
    assert {o["name"] for o in me["organizations"]} == {"Alpha", "Beta"}
    # The person now switches between their organizations.
    client.post("/accounts/organization/", {"organization": beta.org.pk})
    assert client.get("/api/v1/organization").json()["name"] == "Beta"
    client.post("/accounts/organization/", {"organization": alpha.org.pk})
    assert client.get("/api/v1/organization").json()["name"] == "Alpha"


def test_switching_to_an_organization_you_do_not_belong_to_is_refused(alpha, beta, login):
    client = login(alpha.owner)
    client.post("/accounts/organization/", {"organization": beta.org.pk})
    assert client.get("/api/v1/organization").json()["name"] == "Alpha"


def test_expired_revoked_unknown_and_wrong_person_invitations(alpha, beta, login):
    inv, token = invitation(alpha)
    with scopes_disabled():
        Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = Client().get(f"/accounts/invitations/{token}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()

    inv2, token2 = invitation(alpha, email="other@example.test")
    with scopes_disabled():
        Invitation.objects.filter(pk=inv2.pk).update(revoked_at=timezone.now())
    assert (
        Client()
        .post(f"/accounts/invitations/{token2}/", {"full_name": "x", "password": "a-fine-passphrase-7"})
        .status_code
        == 410
    )
    assert not User.objects.filter(email="other@example.test").exists()

    assert Client().get("/accounts/invitations/not-a-real-token/").status_code == 404

    _inv3, token3 = invitation(alpha, email="third@example.test")
    wrong = login(beta.owner).post(f"/accounts/invitations/{token3}/")
    assert wrong.status_code == 403
    with scopes_disabled():
        assert not Membership.objects.filter(organization=alpha.org, user=beta.owner).exists()


def test_member_of_no_organization_sees_a_clear_page(db):
    user = make_user()
    client = Client()
    client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    response = client.get("/office/")
    assert response.status_code == 403
    assert "not a member of any organization" in response.content.decode()


def test_deactivated_member_loses_access(alpha, login):
    client = login(alpha.staff)
    with scopes_disabled():
        Membership.objects.filter(user=alpha.staff).update(is_active=False)
    assert client.get("/office/patients/").status_code == 403


def test_one_user_in_two_organizations_keeps_them_apart(db):
    org_a, [clinic_a] = make_org("Gamma")
    org_b, [clinic_b] = make_org("Delta")
    user = make_user()
    add_member(org_a, user, Role.OWNER, [clinic_a])
    add_member(org_b, user, Role.STAFF, [clinic_b])
    client = Client()
    client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    client.post("/accounts/organization/", {"organization": org_b.pk})
    assert client.get("/office/settings/clinics/").status_code == 403  # staff in Delta
    client.post("/accounts/organization/", {"organization": org_a.pk})
    assert client.get("/office/settings/clinics/").status_code == 200  # owner in Gamma
