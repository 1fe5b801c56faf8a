"""Creating or updating catalog items from a CSV file, all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from core.text import UNSTORABLE_MESSAGE, is_storable

from ..models import Item, Supplier, Unit
from .quantities import ZERO

if TYPE_CHECKING:
    from core.tenancy.models import Organization


CSV_COLUMNS = (
    "sku",
    "name",
    "category",
    "unit",
    "cost_price",
    "sellable",
    "price",
    "tax_rate",
    "lot_tracked",
    "supplier",
)
TRUE = {"1", "true", "yes", "y", "x"}
FALSE = {"", "0", "false", "no", "n"}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def _dec(value, name, errors, row):
    try:
        d = Decimal((value or "0").strip())
        if not d.is_finite() or d < 0 or d > Decimal("9999999999"):
            raise InvalidOperation
        return d.quantize(Decimal("0.01"))
    except InvalidOperation:
        errors.append(
            (
                row,
                _("%(column)s: “%(value)s” is not a number of zero or more.")
                % {"column": name, "value": value},
            )
        )
        return ZERO


def _bool(value, name, errors, row):
    v = (value or "").strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    errors.append((row, _("%(column)s: enter yes or no.") % {"column": name}))
    return False


def import_catalog(organization: Organization, text: str, *, dry_run: bool) -> ImportResult:
    """Create or update items from CSV (columns ``CSV_COLUMNS``, ``sku`` and ``name`` required). Every bad
    row is reported; when any row is bad, nothing is written."""
    result = ImportResult()
    if not is_storable(text):
        result.errors.append((1, str(UNSTORABLE_MESSAGE)))
        return result
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("sku", "name") if c not in headers]
    if missing:
        result.errors.append(
            (1, _("The file needs the columns %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return result
    unknown = [h for h in headers if h not in CSV_COLUMNS]
    if unknown:
        result.errors.append((1, _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}))
        return result
    reader.fieldnames = headers
    seen = {}
    units = {u.value for u in Unit}
    for number, raw in enumerate(reader, start=2):
        if number > 5001:
            result.errors.append((number, _("Import at most 5000 rows at a time.")))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        errors = []
        sku, name = row.get("sku", ""), row.get("name", "")
        if not sku or len(sku) > 64:
            errors.append((number, _("sku: required, at most 64 characters.")))
        elif sku in seen:
            errors.append((number, _("sku %(sku)s repeats row %(row)s.") % {"sku": sku, "row": seen[sku]}))
        seen.setdefault(sku, number)
        if not name or len(name) > 200:
            errors.append((number, _("name: required, at most 200 characters.")))
        unit = (row.get("unit") or "each").lower()
        if unit not in units:
            errors.append(
                (
                    number,
                    _("unit: “%(value)s” is not one of %(units)s.")
                    % {"value": unit, "units": ", ".join(sorted(units))},
                )
            )
        parsed = {
            "sku": sku,
            "name": name,
            "category": row.get("category", "")[:100],
            "unit": unit,
            "cost_price": _dec(row.get("cost_price"), "cost_price", errors, number),
            "sellable": _bool(row.get("sellable"), "sellable", errors, number),
            "price": _dec(row.get("price"), "price", errors, number),
            "tax_rate": _dec(row.get("tax_rate"), "tax_rate", errors, number),
            "lot_tracked": _bool(row.get("lot_tracked"), "lot_tracked", errors, number),
            "supplier": row.get("supplier", "")[:200],
        }
        if parsed["tax_rate"] > 100:
            errors.append((number, _("tax_rate: at most 100.")))
        result.errors += errors
        parsed["row"] = number
        result.rows.append(parsed)
    if not result.rows and not result.errors:
        result.errors.append((1, _("The file has no rows.")))
    existing = set(
        Item.objects.filter(organization=organization, sku__in=[r["sku"] for r in result.rows]).values_list(
            "sku", flat=True
        )
    )
    for r in result.rows:
        r["action"] = "update" if r["sku"] in existing else "create"
    result.created = sum(r["action"] == "create" for r in result.rows)
    result.updated = len(result.rows) - result.created
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        for r in result.rows:
            supplier = None
            if r["supplier"]:
                supplier, _c = Supplier.objects.get_or_create(organization=organization, name=r["supplier"])
            fields = {
                k: r[k]
                for k in (
                    "name",
                    "category",
                    "unit",
                    "cost_price",
                    "sellable",
                    "price",
                    "tax_rate",
                    "lot_tracked",
                )
            }
            Item.objects.update_or_create(
                organization=organization, sku=r["sku"], defaults={**fields, "supplier": supplier}
            )
    return result
