"""Tax numbers checked with python-stdnum against the formats a country's pack accepts (a German
practice may give its VAT id or its tax office number; a French one its SIRET, SIREN or VAT number)."""

from __future__ import annotations

from importlib import import_module

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError

from .packs import CompliancePack, country_name


def _format(name: str):
    return import_module(f"stdnum.{name}")


def is_valid_tax_id(pack: CompliancePack, value: str) -> bool:
    for name in pack.seller_tax_id_formats:
        try:
            _format(name).validate(value)
        except StdnumError:
            continue
        return True
    return False


def check_tax_id(pack: CompliancePack, value: str) -> str:
    """``value`` trimmed, as the practice wrote it, when it is valid in one of the formats the country
    accepts; otherwise ``ValidationError`` naming what the country accepts."""
    value = (value or "").strip()
    if not value or is_valid_tax_id(pack, value):
        return value
    raise ValidationError(
        _("“%(value)s” is not a valid tax number for %(country)s. Expected: %(expected)s."),
        params={"value": value, "country": country_name(pack.country), "expected": pack.tax_id_help},
        code="invalid_tax_id",
    )


def check_vat_id(value: str) -> str:
    """An EU VAT number with its country prefix (DE…, FR…), in its compact form, or ``ValidationError``.
    A company billed for an invoice gives it so that the invoice can name it (EN 16931 wants the prefix)."""
    from stdnum.eu import vat

    value = (value or "").strip()
    if not value:
        return ""
    try:
        return vat.validate(value)
    except StdnumError:
        raise ValidationError(
            _("“%(value)s” is not a valid VAT number. Give it with its country prefix, e.g. DE123456789."),
            params={"value": value},
            code="invalid_vat_id",
        ) from None
