"""How a page writes an amount of money: the currency's symbol and minor units, the active language's
separators ("$4.90", "4,90 €", "CHF 60.00"). The portal's price lists and booking steps use it."""

from __future__ import annotations

from decimal import Decimal


def format_money(amount, currency: str, language: str | None = None) -> str:
    from babel.numbers import format_currency

    from .dates import babel_locale

    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=babel_locale(language))
