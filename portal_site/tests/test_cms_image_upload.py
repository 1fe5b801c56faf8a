"""An image that cannot be read (a truncated PNG) is refused with a message in the CMS's upload forms,
single and multiple, and nothing is stored."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from PIL import Image as PILImage
from wagtail.images import get_image_model

from portal_site.provisioning import organization_collection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes(size=(64, 64)) -> bytes:
    buffer = BytesIO()
    PILImage.effect_noise(size, 80).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def truncated_png() -> SimpleUploadedFile:
    whole = png_bytes()
    return SimpleUploadedFile("broken.png", whole[: len(whole) // 2], content_type="image/png")


def images_of(tenant) -> int:
    with scopes_disabled():
        return get_image_model().objects.filter(collection=organization_collection(tenant.org)).count()


def test_a_truncated_png_is_a_form_error(alpha, login):
    collection = organization_collection(alpha.org)
    response = login(alpha.staff).post(
        "/cms/images/add/", {"title": "Broken", "file": truncated_png(), "collection": collection.pk}
    )
    assert response.status_code == 200
    assert "cannot be read" in response.content.decode()
    assert images_of(alpha) == 0


def test_a_truncated_png_is_refused_by_the_multiple_upload(alpha, login):
    collection = organization_collection(alpha.org)
    response = login(alpha.staff).post(
        "/cms/images/multiple/add/", {"files[]": truncated_png(), "collection": collection.pk}
    )
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert images_of(alpha) == 0


def test_a_whole_png_is_stored(alpha, login):
    collection = organization_collection(alpha.org)
    whole = SimpleUploadedFile("whole.png", png_bytes(), content_type="image/png")
    response = login(alpha.staff).post(
        "/cms/images/add/", {"title": "Whole", "file": whole, "collection": collection.pk}
    )
    assert response.status_code == 302, response.content[:300]
    assert images_of(alpha) == 1
