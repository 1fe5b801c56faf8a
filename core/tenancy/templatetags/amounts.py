"""``{{ service.price|amount:service.currency }}``: a price in the page's language (core.amounts)."""

from django import template

from core.amounts import money_text

register = template.Library()


@register.filter
def amount(value, currency):
    return money_text(value, currency)
