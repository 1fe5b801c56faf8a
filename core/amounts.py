"""Money as a reader of the page's language writes it: "$90.00", "90,00 €", "٩٠٫٠٠ US$" (Babel), rounded to
the currency's minor units. For modules that show prices without depending on billing (the services a
clinic offers, the stock it sells)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision
from django.utils import translation


def money_text(amount, currency: str, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    currency = currency or "USD"
    value = value.quantize(Decimal(1).scaleb(-get_currency_precision(currency)), rounding=ROUND_HALF_UP)
    locale = (language or translation.get_language() or "en").replace("-", "_")
    return format_currency(value, currency, locale=locale)
