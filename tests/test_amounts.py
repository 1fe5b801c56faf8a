"""Prices outside billing (the services a clinic offers, the stock it sells) are written the way the page's
language writes money, never as the stored "90.0000 EUR"."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from core.money import format_money


def test_money_is_written_per_language_and_currency():
    assert format_money(Decimal("90.0000"), "USD", "en") == "$90.00"
    assert format_money(Decimal("90.0000"), "EUR", "de") == "90,00\xa0€"
    assert format_money(Decimal("1234.5"), "EUR", "fr") == "1\u202f234,50\xa0€"
    assert format_money(Decimal("1200.4"), "JPY", "en") == "¥1,200"  # no minor units
    assert format_money(None, "EUR") == ""


def test_the_template_filter_follows_the_active_language():
    template = Template("{% load display %}{{ price|money:currency }}")
    with translation.override("de"):
        assert template.render(Context({"price": Decimal("45.0000"), "currency": "EUR"})) == "45,00\xa0€"
    with translation.override("en"):
        assert template.render(Context({"price": Decimal("45.0000"), "currency": "USD"})) == "$45.00"


def test_prices_round_half_up_like_invoices():
    from plugins.billing.formatting import money

    assert format_money(Decimal("0.125"), "EUR", "en") == "€0.13" == money(Decimal("0.125"), "EUR", "en")
