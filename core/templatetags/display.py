"""``{{ value|day }}``, ``{{ value|day_and_time }}`` and ``{{ amount|money:currency }}``: the one way
pages write dates and amounts (``core.dates``, ``core.money``)."""

from __future__ import annotations

from django import template

from core import dates
from core.money import format_money

register = template.Library()


@register.filter
def day(value) -> str:
    return dates.day(value)


@register.filter
def day_and_time(value) -> str:
    return dates.day_and_time(value) if value else ""


@register.filter
def money(amount, currency: str) -> str:
    return format_money(amount, currency)
