"""How a page writes an amount of money: the currency's symbol and minor units, the active language's
separators ("$4.90", "4,90 €", "CHF 60.00"). The portal's price lists and booking steps use it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_money(amount, currency: str, language: str | None = None) -> str:
    """Rounded half-up to the currency's minor units first, as invoices round (Babel alone would round
    half to even, so a price of 0.125 would read 0.12 here and 0.13 on the invoice)."""
    from babel.numbers import format_currency, get_currency_precision

    from .dates import babel_locale

    if amount is None or amount == "":
        return ""
    exponent = Decimal(1).scaleb(-get_currency_precision(currency or "USD"))
    value = Decimal(str(amount)).quantize(exponent, rounding=ROUND_HALF_UP)
    return format_currency(value, currency, locale=babel_locale(language))
