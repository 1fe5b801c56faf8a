"""The stock movements export gives each movement's time on its clinic's wall clock (an ISO time with the
clinic's offset, which a spreadsheet shows as the clinic's time) and names the file after the clinic's
today, whatever the server's own zone. The server runs here in Pacific/Kiritimati (UTC+14) and the clinic
in Honolulu (UTC-10): a whole day apart at every instant."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from plugins.inventory.models import StockMovement

from .conftest import stock

pytestmark = pytest.mark.django_db

HONOLULU = ZoneInfo("Pacific/Honolulu")
SERVER = ZoneInfo("Pacific/Kiritimati")


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"


def test_movement_times_and_the_file_name_read_the_clinics_clock(inv, login):
    inv.clinic.timezone = "Pacific/Honolulu"
    inv.clinic.save()
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, "5", by=inv.owner)
        created_at = StockMovement.objects.get(organization=inv.org).created_at

    before = timezone.now()
    response = login(inv.owner).get(
        reverse("office:inventory:reports", kwargs={"clinic_slug": inv.clinic.slug}), {"format": "csv"}
    )

    assert response.status_code == 200
    header, row = csv.reader(io.StringIO(response.content.decode(), newline=""))
    written = datetime.fromisoformat(dict(zip(header, row, strict=True))["date"])
    assert written == created_at
    assert written.utcoffset() == created_at.astimezone(HONOLULU).utcoffset()
    assert written.isoformat()[:16] == created_at.astimezone(HONOLULU).isoformat()[:16]
    clinic_day = before.astimezone(HONOLULU).date()
    if clinic_day == timezone.now().astimezone(HONOLULU).date():  # not asked across Honolulu's midnight
        assert f"stock-movements-{clinic_day:%Y-%m-%d}.csv" in response["Content-Disposition"]
        assert f"{before.astimezone(SERVER).date():%Y-%m-%d}" not in response["Content-Disposition"]
