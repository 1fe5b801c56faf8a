"""A clinic's editors see, open and choose only their own organization's images and documents in the CMS,
and can file new ones only in their own collection."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from portal_site.provisioning import organization_collection


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png() -> ContentFile:
    buffer = BytesIO()
    PILImage.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="pixel.png")


def media_of(tenant, label: str):
    collection = organization_collection(tenant.org)
    image = get_image_model().objects.create(title=f"{label} logo", file=png(), collection=collection)
    document = get_document_model().objects.create(
        title=f"{label} leaflet", file=ContentFile(b"%PDF-1.4\n", name="leaflet.pdf"), collection=collection
    )
    return image, document


@pytest.fixture
def media(alpha, beta):
    return {"alpha": media_of(alpha, "Alphamedia"), "beta": media_of(beta, "Betamedia")}


LISTINGS = [
    "/cms/api/main/images/",
    "/cms/api/main/documents/",
    "/cms/images/",
    "/cms/images/chooser/",
    "/cms/images/chooser/results/",
    "/cms/documents/",
    "/cms/documents/chooser/",
    "/cms/documents/chooser/results/",
]


@pytest.mark.parametrize("url", LISTINGS)
def test_listings_and_choosers_show_only_own_media(media, alpha, beta, login, url):
    body = login(beta.staff).get(url).content.decode()
    assert "Betamedia" in body, url
    assert "Alphamedia" not in body, url


def test_other_organizations_media_cannot_be_opened_or_chosen(media, beta, login):
    client = login(beta.staff)
    alpha_image, alpha_document = media["alpha"]
    for url in (
        f"/cms/images/{alpha_image.pk}/",
        f"/cms/images/{alpha_image.pk}/delete/",
        f"/cms/images/{alpha_image.pk}/generate_url/",
        f"/cms/images/usage/{alpha_image.pk}/",
        f"/cms/images/multiple/{alpha_image.pk}/",
        f"/cms/images/chooser/chosen/{alpha_image.pk}/",
        f"/cms/images/chooser/chosen-multiple/?id={alpha_image.pk}",
        f"/cms/images/chooser/{alpha_image.pk}/select_format/",
        f"/cms/api/main/images/{alpha_image.pk}/",
        f"/cms/documents/edit/{alpha_document.pk}/",
        f"/cms/documents/delete/{alpha_document.pk}/",
        f"/cms/documents/usage/{alpha_document.pk}/",
        f"/cms/documents/chooser/chosen/{alpha_document.pk}/",
        f"/cms/documents/chooser/chosen-multiple/?id={alpha_document.pk}",
        f"/cms/api/main/documents/{alpha_document.pk}/",
    ):
        # The same answer as for media that does not exist.
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cms/images/{alpha_image.pk}/delete/").status_code == 404
    assert get_image_model().objects.filter(pk=alpha_image.pk).exists()
    beta_image, beta_document = media["beta"]
    assert client.get(f"/cms/images/{beta_image.pk}/").status_code == 200
    assert client.get(f"/cms/documents/edit/{beta_document.pk}/").status_code == 200


def test_upload_offers_only_own_collection(media, alpha, beta, login):
    body = login(beta.staff).get("/cms/images/multiple/add/").content.decode()
    assert organization_collection(alpha.org).name not in body
    body = login(beta.staff).get("/cms/documents/multiple/add/").content.decode()
    assert organization_collection(alpha.org).name not in body


def test_owner_of_two_organizations_chooses_only_the_active_ones_media(media, alpha, beta, login):
    """An owner who also edits another organization's site sees that organization's media only while
    working in it: choosers follow the active organization."""
    from core.tenancy.models import Membership, Role

    Membership.objects.create(organization=beta.org, user=alpha.owner, role=Role.OWNER)
    from django_scopes import scope

    from portal_site.provisioning import sync_editors

    with scope(organization=beta.org.pk):
        sync_editors(beta.clinic)
    client = login(alpha.owner)
    body = client.get("/cms/images/chooser/").content.decode()
    assert "Alphamedia" in body and "Betamedia" not in body
