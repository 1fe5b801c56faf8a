"""Locale-aware display of money, numbers and dates (Babel), for pages, messages and the PDF."""

from __future__ import annotations

from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from core import dates
from core.dates import babel_locale
from core.money import format_money

from .money import quantize


def money(amount, currency: str, language: str | None = None) -> str:
    """The product's one way of writing money (core.money), with billing's rounding (half-up)."""
    return format_money(quantize(Decimal(amount), currency), currency, language)


def number(value, language: str | None = None) -> str:
    return format_decimal(Decimal(value).normalize(), locale=babel_locale(language))


def day(value, language: str | None = None) -> str:
    """The one way pages write a date (``core.dates.day``): "Dec 6, 2026", "06.12.2026"."""
    return dates.day(value, language)


def long_date(value, language: str | None = None) -> str:
    return format_date(value, format="long", locale=babel_locale(language)) if value else ""
