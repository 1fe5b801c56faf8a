"""A clinic's cached portal pages follow its module switches and its details right after the change
commits, and never another clinic's."""

from __future__ import annotations

from django.test import Client
from django_scopes import scope

from core.tenancy.models import Clinic
from core.tenancy.services import set_module_enabled, update_clinic


def cached(client: Client, url: str):
    first = client.get(url)
    assert first["X-Portal-Cache"] == "miss"
    assert client.get(url)["X-Portal-Cache"] == "hit"
    return first


def test_switching_a_module_clears_the_clinics_cached_pages(alpha, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/"
    other = f"/c/{alpha.clinics[1].slug}/"
    button = f'class="btn" href="{url}booking/"'
    assert button in cached(client, url).content.decode()
    cached(client, other)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", False)
    response = client.get(url)
    assert response["X-Portal-Cache"] == "miss"
    assert button not in response.content.decode()
    # The other clinic of the same organization keeps its cached pages.
    assert client.get(other)["X-Portal-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", True)
    assert button in client.get(url).content.decode()


def test_editing_the_clinics_details_clears_its_cached_pages(alpha, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/contact"
    assert "+49 30 5550199" not in cached(client, url).content.decode()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        update_clinic(Clinic.objects.get(pk=alpha.clinic.pk), phone="+49 30 5550199")
    response = client.get(url)
    assert response["X-Portal-Cache"] == "miss"
    assert "+49 30 5550199" in response.content.decode()


def test_nothing_is_cleared_before_the_change_commits(alpha, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/"
    cached(client, url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", False)
        assert client.get(url)["X-Portal-Cache"] == "hit"
    assert callbacks, "the clearing waits for the commit"
