"""The movements export over HTTP: names, SKUs, lots, clinics, references and emails a spreadsheet would run
as formulas come out as text; quantities stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from core.accounts.models import User
from plugins.inventory.models import Item
from plugins.inventory.services import adjustments, receiving

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x")'


def test_movements_export_neutralises_every_text_cell_and_keeps_quantities_numeric(inv, login):
    with scope(organization=inv.org.pk):
        item = Item.objects.create(organization=inv.org, name=HYPERLINK, sku="+1", lot_tracked=True)
        received = receiving.receive(
            inv.clinic, item, "10", by=inv.owner, lot_number="-2+3", reference="=cmd|' /C calc'!A0"
        )
        adjustments.adjust(inv.clinic, item, "-4", "@SUM(A1)", by=inv.owner, lot=received.lot)
        inv.clinic.name = "@SUM(A1)"
        inv.clinic.save()
    User.objects.filter(pk=inv.owner.pk).update(email="-owner@alpha.test")
    inv.owner.refresh_from_db()

    response = login(inv.owner).get(
        reverse("office:inventory:reports", kwargs={"clinic_slug": inv.clinic.slug}), {"format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv.reader(io.StringIO(response.content.decode(), newline=""))
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(rows) == 2
    for row in rows:
        assert row["clinic"] == "'@SUM(A1)"
        assert row["sku"] == "'+1"
        assert row["item"] == "'" + HYPERLINK
        assert row["lot"] == "'-2+3"
        assert row["by"] == "'-owner@alpha.test"
        assert row["date"][:1].isdigit()
        for column, cell in row.items():
            assert column == "quantity" or not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert sorted(Decimal(row["quantity"]) for row in rows) == [Decimal("-4"), Decimal("10")]
    received_row, adjusted_row = sorted(rows, key=lambda row: -Decimal(row["quantity"]))
    assert received_row["reference"] == "'=cmd|' /C calc'!A0"
    assert adjusted_row["reason"] == "'@SUM(A1)"
    assert response["Content-Disposition"].startswith('attachment; filename="stock-movements-')
