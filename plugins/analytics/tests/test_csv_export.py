"""The dashboard's table exports over HTTP: clinic, practitioner and service names a spreadsheet would run
as formulas come out as text; the figures stay numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

import pytest
from django.urls import reverse
from django_scopes import scope

from core.accounts.models import User

MARCH_QUERY = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
HYPERLINK = '=HYPERLINK("http://x")'


def _figure(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


@pytest.mark.django_db
def test_every_table_export_neutralises_names_and_keeps_figures_numeric(month, login):
    from plugins.scheduling.models import Service

    with scope(organization=month.tenant.org.pk):
        month.a.name = HYPERLINK
        month.a.save()
        month.b.name = "-2+3"
        month.b.save()
        Service.objects.filter(pk=month.services["consultation"].pk).update(name="@SUM(A1)")
    User.objects.filter(pk=month.p.user_id).update(full_name="+1")
    client = login(month.tenant.owner)
    address = reverse("office:analytics:dashboard", kwargs={"clinic_slug": month.a.slug})
    page = client.get(address, MARCH_QUERY)
    tables = [t["id"] for s in page.context["report"].sections for t in s["tables"]]

    labels = set()
    for table in tables:
        response = client.get(address, {**MARCH_QUERY, "export": table})
        assert response.status_code == 200
        header, *rows = csv.reader(io.StringIO(response.content.decode(), newline=""))
        for row in rows:
            labels.add(row[0])
            for cell in row[1:]:
                assert cell == "" or _figure(cell), (table, row)
            assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r")), (table, row)
        assert re.fullmatch(
            r'attachment; filename="[a-z0-9-]+-20260301-20260331-\d{4}-\d{2}-\d{2}\.csv"',
            response["Content-Disposition"],
        )

    assert {"'" + HYPERLINK, "'-2+3", "'@SUM(A1)", "'+1"} <= labels
    by_clinic = client.get(address, {**MARCH_QUERY, "export": "revenue-clinic"})
    _header, *rows = csv.reader(io.StringIO(by_clinic.content.decode(), newline=""))
    assert {row[0]: row[1] for row in rows} == {"'" + HYPERLINK: "180.00", "'-2+3": "120.00"}
