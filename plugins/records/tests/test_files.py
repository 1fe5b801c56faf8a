"""Files on a chart: images and PDFs only (by content), a size limit, SHA-256 and a thumbnail, downloads
behind the chart's rules, and "visible to the patient"."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scopes_disabled
from PIL import Image

from core.accounts.tokens import create_token
from plugins.records.models import ChartFile
from plugins.records.services import files
from tests.factories import PASSWORD, link_patient_login, make_user


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_attach_an_image_and_a_pdf_and_refuse_the_rest(alpha, login, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    client = login(alpha.practitioner)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/files/"
    image = png()
    assert (
        client.post(url, {"file": SimpleUploadedFile("xray.png", image), "description": "X-ray"}).status_code
        == 302
    )
    pdf = b"%PDF-1.4\n% a letter\n"
    assert (
        client.post(
            url, {"file": SimpleUploadedFile("letter.pdf", pdf), "visible_to_patient": "on"}
        ).status_code
        == 302
    )
    renamed = client.post(url, {"file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf")})
    assert renamed.status_code == 400 and "Only PDF, JPEG and PNG" in renamed.content.decode()
    broken = client.post(url, {"file": SimpleUploadedFile("broken.png", image[:200])})
    assert broken.status_code == 400 and "cannot be read" in broken.content.decode()
    settings.EHR_RECORDS_MAX_FILE_BYTES = 10
    files.MAX_BYTES, before = 10, files.MAX_BYTES
    try:
        large = client.post(url, {"file": SimpleUploadedFile("big.pdf", pdf)})
        assert large.status_code == 400 and "too large" in large.content.decode()
    finally:
        files.MAX_BYTES = before
    with scopes_disabled():
        stored = {f.original_name: f for f in ChartFile.objects.all()}
    assert set(stored) == {"xray.png", "letter.pdf"}
    assert stored["xray.png"].sha256 == hashlib.sha256(image).hexdigest() and stored["xray.png"].thumbnail
    assert not stored["letter.pdf"].thumbnail
    download = client.get(f"/office/c/{alpha.clinic.slug}/records/files/{stored['xray.png'].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == image
    # The front desk: 404, as for any clinical record.
    assert (
        login(alpha.staff)
        .get(f"/office/c/{alpha.clinic.slug}/records/files/{stored['xray.png'].pk}/")
        .status_code
        == 404
    )

    # The patient sees only the file marked visible to them.
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user("erin-files@alpha.test"))
    patient = Client()
    patient.post(
        f"/c/{alpha.clinic.slug}/account/login/", {"username": "erin-files@alpha.test", "password": PASSWORD}
    )
    listing = patient.get(f"/c/{alpha.clinic.slug}/account/records/").content.decode()
    assert "letter.pdf" in listing and "xray.png" not in listing
    base = f"/c/{alpha.clinic.slug}/account/records/files/"
    assert patient.get(f"{base}{stored['letter.pdf'].pk}/").status_code == 200
    assert patient.get(f"{base}{stored['xray.png'].pk}/").status_code == 404


@pytest.mark.django_db
def test_attach_through_the_api(alpha, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with scopes_disabled():
        _record, secret = create_token(alpha.practitioner, alpha.org, "files")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/clinics/{alpha.clinic.pk}/records/patients/{alpha.patient.pk}/files"
    ok = client.post(url, {"file": SimpleUploadedFile("scan.pdf", b"%PDF-1.7 scan"), "description": "Scan"})
    assert ok.status_code == 201, ok.content
    assert ok.json()["sha256"] == hashlib.sha256(b"%PDF-1.7 scan").hexdigest()
    refused = client.post(url, {"file": SimpleUploadedFile("page.html", b"<html>")})
    assert refused.status_code == 422 and "file" in refused.json()["error"]["fields"]
    assert [f["original_name"] for f in client.get(url).json()] == ["scan.pdf"]
